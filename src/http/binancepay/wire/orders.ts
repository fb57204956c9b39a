/**
 * Create/query/close order on the wire (fact sheet §3.1–3.4): request schemas with Binance's field
 * rules, mapping to the domain input, and responses with Binance's field types and key order.
 */
import { z } from 'zod';
import { GOODS_CATEGORIES, GOODS_TYPES, TERMINAL_TYPES, TRADE_TYPES_V1, type GoodsItem, type Order } from '../../../domain/order.ts';
import { productOf } from '../../../domain/order.ts';
import { formatAmount, formatAmountTrimmed, wholeAmount } from '../../../lib/amount.ts';
import { jsonNumber, toPlainJson } from '../../../lib/json.ts';
import type { CreateOrderInput, OrderUrls } from '../../../services/orders.ts';
import { amount, bool, DIGITS, integer, LETTERS_DIGITS, list, obj, oneOf, opt, req, str, url } from './fields.ts';

const UPPER = /^[A-Z0-9]+$/;
// goodsName: backslash, double quote and emoji are prohibited (fact sheet §3.1). Emoji include
// flags (regional indicator pairs) and keycaps (digit + U+FE0F + U+20E3), which are not
// Extended_Pictographic, and skin-tone modifiers.
const GOODS_NAME = /^[^\\"\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}\u20E3\uFE0F]*$/u;

const currencyField = () => str({ max: 10, chars: UPPER, charsLabel: 'upper-case letters and digits only' });

const goodsItem = obj({
  goodsType: req(oneOf(GOODS_TYPES)),
  goodsCategory: req(oneOf(GOODS_CATEGORIES)),
  referenceGoodsId: req(str({ max: 32 })),
  goodsName: req(str({ max: 256, chars: GOODS_NAME, charsLabel: 'no backslash, double quote or emoji' })),
  goodsDetail: opt(str({ max: 256 })),
  goodsUnitAmount: opt(obj({ currency: req(currencyField()), amount: req(amount()) })),
  goodsQuantity: opt(str({ max: 32, numeric: true })),
});

const personName = obj({ firstName: req(str({ max: 64 })), middleName: opt(str({ max: 64 })), lastName: req(str({ max: 64 })) });

const shipping = obj({
  shippingName: opt(personName),
  shippingAddress: opt(
    obj({
      region: req(str({ min: 2, max: 2, chars: /^[A-Z]{2}$/, charsLabel: 'ISO 3166 alpha-2, upper case' })),
      state: opt(str({ max: 64 })),
      city: opt(str({ max: 64 })),
      address: opt(str({ max: 256 })),
      zipCode: opt(str({ max: 32 })),
      shippingAddressType: opt(oneOf(['01', '02', '03', '04'])),
      shippingPhoneNo: opt(str({ max: 32 })),
    }),
  ),
  shippingPhoneNo: opt(str({ max: 32 })),
});

const buyer = obj({
  referenceBuyerId: opt(str({ max: 64 })),
  buyerName: opt(personName),
  buyerPhoneCountryCode: opt(str({ max: 8 })),
  buyerPhoneNo: opt(str({ max: 32 })),
  buyerEmail: opt(str({ max: 128 })),
  buyerRegistrationTime: opt(integer({ min: 0 })),
  buyerBrowserLanguage: opt(str({ max: 32 })),
});

/** Fields v2 and v3 share (fact sheet §3.2). */
const common = {
  merchant: opt(obj({ subMerchantId: opt(str({ max: 19, chars: DIGITS, charsLabel: 'digits only', numeric: true })) })),
  env: req(
    obj({
      terminalType: req(oneOf(TERMINAL_TYPES)),
      osType: opt(oneOf(['IOS', 'ANDROID'])),
      orderClientIp: opt(str({ max: 64 })),
      cookieId: opt(str({ max: 128 })),
    }),
  ),
  merchantTradeNo: req(str({ max: 32, chars: LETTERS_DIGITS, charsLabel: 'letters and digits only' })),
  orderAmount: opt(amount()),
  currency: opt(currencyField()),
  fiatAmount: opt(amount()),
  fiatCurrency: opt(currencyField()),
  shipping: opt(shipping),
  buyer: opt(buyer),
  returnUrl: opt(str({ max: 256 })),
  cancelUrl: opt(str({ max: 256 })),
  orderExpireTime: opt(integer({ min: 0 })),
  supportPayCurrency: opt(str({ max: 1024, chars: /^[A-Z0-9]+(,[A-Z0-9]+)*$/, charsLabel: 'comma-separated upper-case currencies, e.g. BUSD,BNB' })),
  appId: opt(str({ max: 64 })),
  universalUrlAttach: opt(str({ max: 120 })),
  passThroughInfo: opt(str({ max: 512 })),
  webhookUrl: opt(url(256)),
  orderTags: opt(obj({ ifProfitSharing: opt(bool()) })),
  directDebitContract: opt(z.record(z.string(), z.unknown(), { error: () => ({ message: 'must be a JSON object', params: { binanceCode: '400008' } }) })),
  voucherCode: opt(str({ max: 64 })),
  qrCodeReferId: opt(str({ max: 64 })),
};

function miniProgramNeedsAppId<T extends { env: { terminalType: string }; appId?: string | undefined }>(v: T, ctx: z.RefinementCtx): void {
  if (v.env.terminalType === 'MINI_PROGRAM' && v.appId === undefined) {
    ctx.addIssue({ code: 'custom', path: ['appId'], message: 'is mandatory when env.terminalType is MINI_PROGRAM', params: { binanceCode: '400100' } });
  }
}

export const createOrderV3Schema = obj({
  ...common,
  description: req(str({ max: 256 })),
  goodsDetails: req(list(goodsItem, { min: 1, max: 100 })),
}).superRefine(miniProgramNeedsAppId);

export const createOrderV2Schema = obj({
  ...common,
  description: opt(str({ max: 256 })),
  goods: req(goodsItem),
}).superRefine(miniProgramNeedsAppId);

/** v1 (deprecated, fact sheet §3.2): flat product fields, totalFee 0.01–20000. */
export const createOrderV1Schema = obj({
  merchantId: opt(str({ max: 19, numeric: true })),
  subMerchantId: opt(str({ max: 19, chars: DIGITS, charsLabel: 'digits only', numeric: true })),
  merchantTradeNo: req(str({ max: 32, chars: LETTERS_DIGITS, charsLabel: 'letters and digits only' })),
  tradeType: req(oneOf(TRADE_TYPES_V1)),
  totalFee: req(amount({ min: 1_000_000n, max: wholeAmount(20_000) })),
  currency: req(currencyField()),
  productType: req(str({ max: 16 })),
  productName: req(str({ max: 256 })),
  productDetail: opt(str({ max: 256 })),
  returnUrl: opt(str({ max: 256 })),
  cancelUrl: opt(str({ max: 256 })),
  orderExpireTime: opt(integer({ min: 0 })),
  supportPayCurrency: common.supportPayCurrency,
  universalUrlAttach: opt(str({ max: 120 })),
  passThroughInfo: opt(str({ max: 512 })),
  webhookUrl: opt(url(256)),
});

/**
 * The v1-style body the seed spec documents for `/v3/order/create`: only merchantTradeNo, totalFee
 * and currency are required; tradeType (v3 terminal types) defaults to WEB; product fields are
 * optional. The path is a v3 path, so the amount follows v3 rules (from 0.00000001, no v1 cap).
 */
export const createOrderSeedSchema = obj({
  subMerchantId: createOrderV1Schema.shape.subMerchantId,
  merchantTradeNo: createOrderV1Schema.shape.merchantTradeNo,
  tradeType: opt(oneOf(TERMINAL_TYPES)),
  totalFee: req(amount()),
  currency: req(currencyField()),
  productType: opt(str({ max: 16 })),
  productName: opt(str({ max: 256 })),
  productDetail: opt(str({ max: 256 })),
  returnUrl: createOrderV1Schema.shape.returnUrl,
  cancelUrl: createOrderV1Schema.shape.cancelUrl,
  orderExpireTime: createOrderV1Schema.shape.orderExpireTime,
  supportPayCurrency: createOrderV1Schema.shape.supportPayCurrency,
  universalUrlAttach: createOrderV1Schema.shape.universalUrlAttach,
  passThroughInfo: createOrderV1Schema.shape.passThroughInfo,
  webhookUrl: createOrderV1Schema.shape.webhookUrl,
});

type GoodsWire = z.output<typeof goodsItem>;

function toGoods(g: GoodsWire): GoodsItem {
  return {
    goodsType: g.goodsType,
    goodsCategory: g.goodsCategory,
    referenceGoodsId: g.referenceGoodsId,
    goodsName: g.goodsName,
    ...(g.goodsDetail !== undefined ? { goodsDetail: g.goodsDetail } : {}),
    ...(g.goodsUnitAmount !== undefined ? { goodsUnitAmount: { currency: g.goodsUnitAmount.currency, amount: formatAmountTrimmed(g.goodsUnitAmount.amount) } } : {}),
    ...(g.goodsQuantity !== undefined ? { goodsQuantity: g.goodsQuantity } : {}),
  };
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toPlainJson(v)]));
}

export function fromV2V3(body: z.output<typeof createOrderV3Schema> | z.output<typeof createOrderV2Schema>, version: 2 | 3): CreateOrderInput {
  const goods = 'goodsDetails' in body ? body.goodsDetails.map(toGoods) : [toGoods(body.goods)];
  return {
    apiVersion: version,
    merchantTradeNo: body.merchantTradeNo,
    terminalType: body.env.terminalType,
    currency: body.currency,
    orderAmount: body.orderAmount,
    fiatCurrency: body.fiatCurrency,
    fiatAmount: body.fiatAmount,
    description: body.description,
    goods,
    extra: defined({
      env: body.env,
      shipping: body.shipping,
      buyer: body.buyer,
      appId: body.appId,
      universalUrlAttach: body.universalUrlAttach,
      orderTags: body.orderTags,
      directDebitContract: body.directDebitContract,
      voucherCode: body.voucherCode,
      qrCodeReferId: body.qrCodeReferId,
    }),
    passThroughInfo: body.passThroughInfo,
    webhookUrl: body.webhookUrl,
    returnUrl: body.returnUrl,
    cancelUrl: body.cancelUrl,
    orderExpireTime: body.orderExpireTime,
    supportPayCurrency: body.supportPayCurrency?.split(','),
    profitSharing: body.orderTags?.ifProfitSharing ?? false,
    subMerchantId: body.merchant?.subMerchantId,
  };
}

export function fromV1(body: z.output<typeof createOrderV1Schema> | z.output<typeof createOrderSeedSchema>): CreateOrderInput {
  return {
    apiVersion: 1,
    merchantTradeNo: body.merchantTradeNo,
    terminalType: body.tradeType ?? 'WEB',
    currency: body.currency,
    orderAmount: body.totalFee,
    goods: [],
    extra: defined({ productType: body.productType, productName: body.productName, productDetail: body.productDetail, universalUrlAttach: body.universalUrlAttach }),
    passThroughInfo: body.passThroughInfo,
    webhookUrl: body.webhookUrl,
    returnUrl: body.returnUrl,
    cancelUrl: body.cancelUrl,
    orderExpireTime: body.orderExpireTime,
    supportPayCurrency: body.supportPayCurrency?.split(','),
    profitSharing: false,
    subMerchantId: body.subMerchantId,
  };
}

/** Create-order `data`; v3 adds currency and totalFee (a string, as the real sample) and the fiat pair. */
export function createOrderResult(order: Order, urls: OrderUrls, version: 1 | 2 | 3): Record<string, unknown> {
  const base = {
    prepayId: order.prepayId,
    terminalType: order.terminalType,
    expireTime: order.expireTimeMs,
    qrcodeLink: urls.qrcodeLink,
    qrContent: urls.qrContent,
    checkoutUrl: urls.checkoutUrl,
    deeplink: urls.deeplink,
    universalUrl: urls.universalUrl,
  };
  if (version !== 3) return base;
  return {
    currency: order.currency,
    totalFee: formatAmountTrimmed(order.orderAmount),
    ...base,
    ...(order.fiatCurrency !== null && order.fiatAmount !== null ? { fiatCurrency: order.fiatCurrency, fiatAmount: formatAmountTrimmed(order.fiatAmount) } : {}),
  };
}

/**
 * One of the two ids; the other may be null, absent or empty (like every optional field): "one must
 * be non-empty" (fact sheet §3.3, §3.4). Both missing is the service's 400100.
 */
export const queryOrderSchema = obj({
  prepayId: opt(str({ max: 19, chars: LETTERS_DIGITS, charsLabel: 'letters and digits only', numeric: true })),
  merchantTradeNo: opt(str({ max: 32, chars: LETTERS_DIGITS, charsLabel: 'letters and digits only' })),
});

export const closeOrderSchema = queryOrderSchema;

function paymentInfoWire(order: Order, payerDetail: string | undefined) {
  if (!order.paymentInfo) return undefined;
  return {
    payerId: order.paymentInfo.payerId,
    payMethod: order.paymentInfo.payMethod,
    paymentInstructions: order.paymentInfo.paymentInstructions.map((p) => ({ currency: p.currency, amount: p.amount, price: p.price })),
    channel: order.paymentInfo.channel,
    ...(payerDetail !== undefined ? { payerDetail } : {}),
  };
}

/**
 * Query order v2 `data`: fields of an unpaid order are absent, not null (fact sheet §3.3).
 * `payerDetail` (encrypted, whitelisted merchants only) goes into `paymentInfo`.
 */
export function queryOrderV2Result(order: Order, payerDetail?: string): Record<string, unknown> {
  const out: Record<string, unknown> = { merchantId: order.merchantId, prepayId: order.prepayId };
  if (order.transactionId !== null) out.transactionId = order.transactionId;
  out.merchantTradeNo = order.merchantTradeNo;
  out.status = order.status;
  out.currency = order.currency;
  out.orderAmount = formatAmount(order.orderAmount);
  if (order.openUserId !== null) out.openUserId = order.openUserId;
  if (order.passThroughInfo !== null) out.passThroughInfo = order.passThroughInfo;
  // documented for v2 ("Transaction fees charged", a string): an unpaid order has none, so it is absent
  if (order.transactTimeMs !== null) out.commission = formatAmount(order.commission);
  if (order.transactTimeMs !== null) out.transactTime = order.transactTimeMs;
  out.createTime = order.createTimeMs;
  const paymentInfo = paymentInfoWire(order, payerDetail);
  if (paymentInfo) out.paymentInfo = paymentInfo;
  return out;
}

/** Query order v1 `data` (deprecated shape: tradeType, totalFee, product fields). */
export function queryOrderV1Result(order: Order): Record<string, unknown> {
  const { productName, productDetail } = productOf(order);
  const out: Record<string, unknown> = { merchantId: order.merchantId };
  if (order.subMerchantId !== null) out.subMerchantId = jsonNumber(order.subMerchantId);
  out.merchantTradeNo = order.merchantTradeNo;
  out.tradeType = order.terminalType;
  out.totalFee = formatAmount(order.orderAmount);
  out.currency = order.currency;
  out.productName = productName;
  if (productDetail !== null) out.productDetail = productDetail;
  if (order.openUserId !== null) out.openUserId = order.openUserId;
  if (order.passThroughInfo !== null) out.passThroughInfo = order.passThroughInfo;
  if (order.transactTimeMs !== null) out.transactTime = order.transactTimeMs;
  out.createTime = order.createTimeMs;
  out.prepayId = order.prepayId;
  if (order.transactionId !== null) out.transactionId = order.transactionId;
  out.status = order.status;
  return out;
}
