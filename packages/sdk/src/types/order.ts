/** Order endpoints: create v1/v2/v3, query v1/v2, close, refund, query refund (fact sheet §3.1–§3.6). */
import type { Amount, Long } from './common.ts';

/** fact sheet §3.1 `env.terminalType`; `PAYMENT_LINK` appears in older enums and webhooks. */
export type TerminalType = 'APP' | 'WEB' | 'WAP' | 'MINI_PROGRAM' | 'OTHERS' | 'PAYMENT_LINK';

/** fact sheet §4.1. */
export type OrderStatus = 'INITIAL' | 'PENDING' | 'PAID' | 'CANCELED' | 'ERROR' | 'REFUNDING' | 'REFUNDED' | 'FULL_REFUNDED' | 'EXPIRED';

export interface OrderEnv {
  terminalType: TerminalType;
  osType?: 'IOS' | 'ANDROID';
  orderClientIp?: string;
  cookieId?: string;
}

/** One item of v3 `goodsDetails`, or v2's single `goods` (fact sheet §3.1, §3.2). */
export interface Goods {
  /** `01` tangible, `02` virtual. */
  goodsType: '01' | '02';
  /** e.g. `D000` Food/Grocery/Health products; `Z000` Others (fact sheet §3.1). */
  goodsCategory: string;
  referenceGoodsId: string;
  /** ≤256; no `\`, `"` or emoji. */
  goodsName: string;
  goodsDetail?: string;
  goodsUnitAmount?: { currency: string; amount: Amount };
  goodsQuantity?: string;
}

export interface PersonName {
  firstName: string;
  middleName?: string;
  lastName: string;
}

export interface Shipping {
  shippingName?: PersonName;
  shippingAddress?: {
    /** ISO-3166 alpha-2. */
    region: string;
    state?: string;
    city?: string;
    address?: string;
    zipCode?: string;
    /** `01` office, `02` home, `03` public box, `04` others. */
    shippingAddressType?: '01' | '02' | '03' | '04';
    shippingPhoneNo?: string;
  };
  shippingPhoneNo?: string;
}

export interface Buyer {
  /** Restricts the payer's Binance ID (whitelisted merchants only). */
  referenceBuyerId?: string;
  buyerName?: PersonName;
  buyerPhoneCountryCode?: string;
  buyerPhoneNo?: string;
  buyerEmail?: string;
  /** Epoch ms. */
  buyerRegistrationTime?: number;
  buyerBrowserLanguage?: string;
}

/** Create order + sign a direct-debit contract at once (fact sheet §3.1, rules in §3.16). */
export interface DirectDebitContractInput {
  merchantContractCode: string;
  serviceName: string;
  scenarioCode: string;
  singleUpperLimit: Amount;
  periodic: boolean;
  cycleDebitFixed?: boolean;
  cycleType?: 'MONTH' | 'DAY';
  cycleValue?: number;
  /** Epoch ms. */
  firstDeductTime?: number;
  merchantAccountNo?: string;
  /** Epoch ms. */
  contractEndTime?: number;
}

/** Fields shared by create order v2 and v3 (fact sheet §3.2 "All other v2 fields = v3 fields"). */
interface CreateOrderCommon {
  /** `subMerchantId` is mandatory for Channel Partners on v3. */
  merchant?: { subMerchantId?: string };
  env: OrderEnv;
  /** Letters/digits only, ≤32. */
  merchantTradeNo: string;
  /** Required when `currency` is given; min 0.00000001, ≤8 decimals. */
  orderAmount?: Amount;
  /** Upper-case crypto; `currency` and `fiatCurrency` cannot both be absent. */
  currency?: string;
  fiatAmount?: Amount;
  fiatCurrency?: string;
  shipping?: Shipping;
  buyer?: Buyer;
  returnUrl?: string;
  cancelUrl?: string;
  /** Absolute epoch ms, at most 1 h from now (default 1 h). */
  orderExpireTime?: number;
  /** Comma-separated, e.g. `BUSD,BNB`. */
  supportPayCurrency?: string;
  /** Required when `env.terminalType` is `MINI_PROGRAM`. */
  appId?: string;
  universalUrlAttach?: string;
  /** ≤512, echoed in query order and the PAY webhook. */
  passThroughInfo?: string;
  /** Overrides the portal webhook URL for this order. */
  webhookUrl?: string;
  /** `ifProfitSharing: true` is needed to split the order later (§3.14). */
  orderTags?: { ifProfitSharing: boolean };
}

/** `POST /binancepay/openapi/v3/order` (fact sheet §3.1). */
export interface CreateOrderRequest extends CreateOrderCommon {
  /** Mandatory since v3. */
  description: string;
  goodsDetails: Goods[];
  directDebitContract?: DirectDebitContractInput;
  voucherCode?: string;
  /** `referId` of a MERCHANT_QR_CODE webhook; single use. */
  qrCodeReferId?: string;
}

/** `POST /binancepay/openapi/v2/order` (fact sheet §3.2). */
export interface CreateOrderV2Request extends CreateOrderCommon {
  goods: Goods;
}

/** `POST /binancepay/openapi/order` — deprecated v1 (fact sheet §3.2). */
export interface CreateOrderV1Request {
  /** Only the very first v1 revision required it. */
  merchantId?: Long;
  subMerchantId?: string;
  merchantTradeNo: string;
  tradeType: TerminalType;
  /** 0.01–20000, ≤8 decimals. */
  totalFee: Amount;
  currency: string;
  productType: string;
  productName: string;
  productDetail?: string;
  returnUrl?: string;
  cancelUrl?: string;
  orderExpireTime?: number;
  supportPayCurrency?: string;
  universalUrlAttach?: string;
  passThroughInfo?: string;
  webhookUrl?: string;
}

/** Create order v1/v2 response `data` (fact sheet §3.1 OrderResult, §3.2 "response unchanged"). */
export interface CreateOrderV2Result {
  /** Digits, ≤19 chars — a string, unlike the webhook's numeric bizId. */
  prepayId: string;
  terminalType: string;
  /** Epoch ms. */
  expireTime: number;
  qrcodeLink: string;
  qrContent: string;
  checkoutUrl: string;
  deeplink: string;
  universalUrl: string;
}

/** Create order v3 response `data`: v2 + currency/totalFee/fiat fields (fact sheet §3.1). */
export interface CreateOrderResult extends CreateOrderV2Result {
  currency: string;
  /** Documented as decimal; the real sample serialises it as a string (`"1.5"`). */
  totalFee: string;
  fiatCurrency?: string;
  fiatAmount?: string | number;
}

/** Query order request: `prepayId` and/or `merchantTradeNo`; prepayId wins (fact sheet §3.3). */
export type QueryOrderRequest = { prepayId: string; merchantTradeNo?: string } | { prepayId?: string; merchantTradeNo: string };

export interface PaymentInstruction {
  currency: string;
  amount: string;
  price: string;
}

/** `paymentInfo` of query order v2 (fact sheet §3.3). */
export interface PaymentInfo {
  /** A string here (a long in the webhook). */
  payerId: string;
  payMethod: string;
  paymentInstructions: PaymentInstruction[];
  channel?: string;
  subChannel?: string;
  /** Encrypted payer KYC, whitelisted merchants only: `decryptSharedData(apiSecret, payerDetail)`. */
  payerDetail?: string;
}

/** Query order v2 response `data`. Unpaid-order fields are absent, not null (fact sheet §3.3). */
export interface QueryOrderResult {
  merchantId: Long;
  prepayId: string;
  transactionId?: string;
  merchantTradeNo: string;
  status: OrderStatus;
  currency: string;
  /** 8-dp string, e.g. `"1.50000000"`. */
  orderAmount: string;
  openUserId?: string;
  passThroughInfo?: string;
  /** Transaction fees charged, 8-dp string, once paid. */
  commission?: string;
  /** Epoch ms, once paid. */
  transactTime?: number;
  /** Epoch ms. */
  createTime: number;
  paymentInfo?: PaymentInfo;
}

/** Whitelisted `payerInfo` of query order v1 (fact sheet §3.3). */
export interface PayerInfo {
  firstName?: string;
  middleName?: string;
  lastName?: string;
  walletId?: string;
  country?: string;
  city?: string;
  address?: string;
  identityType?: string;
  identityNumber?: string;
  dateOfBirth?: string;
  placeOfBirth?: string;
  nationality?: string;
}

/** Query order v1 response `data`: the v2 core plus v1 extras (fact sheet §3.3). */
export interface QueryOrderV1Result {
  merchantId?: Long;
  prepayId: string;
  transactionId?: string;
  merchantTradeNo: string;
  status: OrderStatus;
  currency: string;
  orderAmount?: string;
  tradeType: string;
  /** Documented decimal; real sample is a string (`"0.50000000"`). */
  totalFee: string;
  productName?: string;
  productDetail?: string;
  openUserId?: string;
  passThroughInfo?: string;
  transactTime?: number;
  createTime: number;
  payerInfo?: PayerInfo;
}

/** Close order: one of the two ids must be non-empty (fact sheet §3.4). */
export type CloseOrderRequest = { prepayId: string; merchantTradeNo?: string | null } | { prepayId?: string | null; merchantTradeNo: string };

/** `POST /binancepay/openapi/order/refund` (fact sheet §3.5). */
export interface RefundOrderRequest {
  /** ≤64; reuse it to retry the same refund (idempotent, §7.7). */
  refundRequestId: string;
  prepayId: string;
  refundAmount: Amount;
  refundReason?: string;
  webhookUrl?: string;
}

/** Refund response `data` (fact sheet §3.5). */
export interface RefundOrderResult {
  /** Newest doc revision only. */
  refundId?: Long;
  refundRequestId: string;
  prepayId: string;
  orderAmount: string;
  /** Cumulative, including this request. */
  refundedAmount: string;
  refundAmount: string;
  remainingAttempts: number;
  payerOpenId: string;
  /** `Y` when this refundRequestId was seen before. */
  duplicateRequest: 'Y' | 'N';
}

export interface QueryRefundRequest {
  refundRequestId: string;
}

/** Query refund response `data`: RefundResult minus duplicateRequest, plus refundStatus (fact sheet §3.6). */
export interface QueryRefundResult extends Omit<RefundOrderResult, 'duplicateRequest'> {
  refundStatus: 'REFUND_SUCCESS' | 'REFUND_FAIL' | 'REFUND_PENDING';
}
