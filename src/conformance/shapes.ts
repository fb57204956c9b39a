/**
 * The expected shapes of Binance Pay's merchant API, as data: one entry per endpoint with its
 * request fields, its answer's `data`, the envelope statuses it may answer and the error codes the
 * fact sheet documents for it. Derived from /work/shared/reference/binance-pay-facts.md (section
 * numbers cited per entry) and nothing else: the conformance kit and the validation proxy read
 * this file, never the server's own schemas, so a run against production is a fair test of both.
 *
 * Where the fact sheet is ambiguous the shape accepts every documented variant (e.g. `errorMessage`
 * as a string, null or absent on success) and says so; `inferred` marks expectations that are our
 * inference, whose mismatches are reported as warnings.
 *
 * Endpoint families named in the fact sheet but not yet served (convert, reporting, direct debit,
 * share info, TSP — §3.15–§3.18) get their entries here when they are built; the proxy checks the
 * envelope of any path and the data of the paths listed here.
 */
import { any, anyOf, array, boolean, literal, nil, number, object, oneOf, openObject, opt, req, string, type Shape } from './shape.ts';

export const API_PREFIX = '/binancepay/openapi';

// ── enums (fact sheet §3, §4) ──────────────────────────────────────────────────────────────────

export const ENUMS = {
  terminalType: ['APP', 'WEB', 'WAP', 'MINI_PROGRAM', 'OTHERS'],
  tradeTypeV1: ['WEB', 'APP', 'WAP', 'MINI_PROGRAM', 'PAYMENT_LINK', 'OTHERS'],
  osType: ['IOS', 'ANDROID'],
  goodsType: ['01', '02'],
  goodsCategory: ['0000', '1000', '2000', '3000', '4000', '5000', '6000', '7000', '8000', '9000', 'A000', 'B000', 'C000', 'D000', 'E000', 'F000', 'Z000'],
  orderStatus: ['INITIAL', 'PENDING', 'PAID', 'CANCELED', 'ERROR', 'REFUNDING', 'REFUNDED', 'FULL_REFUNDED', 'EXPIRED'],
  refundStatus: ['REFUND_SUCCESS', 'REFUND_FAIL', 'REFUND_PENDING'],
  yesNo: ['Y', 'N'],
  bizScene: ['DIRECT_TRANSFER', 'CRYPTO_REWARDS', 'SETTLEMENT', 'REIMBURSEMENT', 'MERCHANT_PAYMENT', 'OTHERS'],
  receiveType: ['PAY_ID', 'BINANCE_ID', 'EMAIL'],
  transferMethod: ['FUNDING_WALLET', 'SPOT_WALLET'],
  batchStatus: ['ACCEPTED', 'PROCESSING', 'SUCCESS', 'PART_SUCCESS', 'FAILED', 'CANCELED'],
  detailStatus: ['PROCESSING', 'SUCCESS', 'FAIL', 'AWAITING_RECEIPT', 'REFUNDED'],
  detailStatusFilter: ['ALL', 'PROCESSING', 'SUCCESS', 'FAIL'],
  wallet: ['FUNDING_WALLET', 'SPOT_WALLET'],
  transferType: ['TO_MAIN', 'TO_PAY'],
  transferStatus: ['SUCCESS', 'FAILURE', 'PROCESS'],
} as const;

/** Every code of fact sheet §6 (and §1.6); a FAIL answer with another code is reported. */
export const KNOWN_CODES: Readonly<Record<string, string>> = {
  '000000': 'SUCCESS',
  '000001': 'REPEAT_REQ_SUCCESS',
  '400000': 'UNKNOWN_ERROR',
  '400001': 'INVALID_REQUEST',
  '400002': 'INVALID_SIGNATURE',
  '400003': 'INVALID_TIMESTAMP',
  '400004': 'INVALID_API_KEY_OR_IP',
  '400005': 'BAD_API_KEY_FMT',
  '400006': 'BAD_HTTP_METHOD',
  '400007': 'MEDIA_TYPE_NOT_SUPPORTED',
  '400008': 'INVALID_REQUEST_BODY',
  '400100': 'MANDATORY_PARAM_EMPTY_OR_MALFORMED',
  '400101': 'INVALID_PARAM_WRONG_LENGTH',
  '400102': 'INVALID_PARAM_WRONG_VALUE',
  '400103': 'INVALID_PARAM_ILLEGAL_CHAR',
  '400104': 'INVALID_REQUEST_TOO_LARGE',
  '400201': 'INVALID_MERCHANT_TRADE_NO',
  '400202': 'ORDER_NOT_FOUND',
  '400203': 'INVALID_ACCOUNT_STATUS',
  '400204': 'INVALID_ORDER_STATUS',
  '400205': 'SUB_MERCHANT_EXISTS',
  '400206': 'SUB_MERCHANT_INVALID',
  '400209': 'ORDER_NOT_SUCCESS',
  '400301': 'INVALID_PREPAY_ID',
  '400302': 'TOO_MANY_REFUND_ATTEMPTS',
  '400303': 'INVALID_REFUND_AMOUNT',
  '400304': 'ACCOUNT_REMAINING_AMOUNT_NOT_ENOUGH',
  '400601': 'ACCOUNT_NOT_FOUND',
  '400606': 'MERCHANT_ACCESS_FORBIDDEN',
  '406108': 'FAIL_RATE_HIGH',
  '406207': 'DIRECT_DEBIT_CONTRACT_NOT_FOUND',
  '406212': 'DIRECT_DEBIT_CONTRACT_NOT_SIGNED',
  '345231': 'TIME_OUT',
  '100001001': 'SYSTEM_ABNORMALITY',
};

/**
 * Codes that say "this account may not use this function" (partner-only or whitelisted endpoints,
 * fact sheet §3.10, §3.13, §3.14): the kit reports such a step as unavailable, not as a difference.
 */
export const NOT_AVAILABLE_CODES: readonly string[] = ['400203', '400606'];

/**
 * Envelope members a server may add that Binance does not send, and that a client must be able to
 * ignore: this server's `hint` and `signatureDebug` (absent in strict mode, docs/errors.md) and the
 * `params` list one SDK models (fact sheet §2). Reported as extensions, not differences.
 */
export const ENVELOPE_EXTENSIONS: readonly string[] = ['hint', 'signatureDebug', 'params'];

// ── envelopes (fact sheet §2) ──────────────────────────────────────────────────────────────────

/** `errorMessage` on success: `""`, `null` or absent in Binance's samples (§2). */
const successMessage = anyOf(string(), nil);

export function successEnvelope(data: Shape, statuses: readonly string[] = ['SUCCESS']): Shape {
  return object({
    status: req(oneOf(statuses)),
    code: req(statuses.includes('REPEAT_REQ_SUCCESS') ? oneOf(['000000', '000001']) : literal('000000')),
    data: req(data),
    errorMessage: opt(successMessage),
  });
}

export const FAILURE_ENVELOPE: Shape = object({
  status: req(literal('FAIL')),
  code: req(string({ format: 'code' })),
  errorMessage: req(string({ maxLength: 256 })),
  ...Object.fromEntries(ENVELOPE_EXTENSIONS.map((name) => [name, opt(any)])),
});

/** Binance's gateway answer for a wrong method, no content type or no body (§1.6, FAQ). */
export const GATEWAY_ERROR: Shape = object({
  status: req(literal('ERROR')),
  type: req(literal('SYS')),
  code: req(literal('100001001')),
  errorData: req(string()),
});

// ── reusable pieces ────────────────────────────────────────────────────────────────────────────

const currency = string({ format: 'currency' });
/** Request amounts: JSON numbers in samples, numeric strings in community code (§7.2). */
const amountIn = anyOf(number('amount'), string({ format: 'amount' }));
/** Request ids some clients send unquoted (prepayId, subMerchantId). */
const idIn = (maxLength: number) => anyOf(string({ maxLength }), number('integer'));
const tradeNo = string({ format: 'lettersDigits', maxLength: 32 });
const epochMs = number('epochMs');

const goods = object({
  goodsType: req(oneOf(ENUMS.goodsType)),
  goodsCategory: req(oneOf(ENUMS.goodsCategory)),
  referenceGoodsId: req(string({ maxLength: 32 })),
  goodsName: req(string({ maxLength: 256 })),
  goodsDetail: opt(string({ maxLength: 256 })),
  goodsUnitAmount: opt(object({ currency: req(currency), amount: req(amountIn) })),
  goodsQuantity: opt(anyOf(string(), number('integer'))),
});

const personName = object({ firstName: req(string()), middleName: opt(string()), lastName: req(string()) });

/** Fields v2 and v3 share (§3.1, §3.2). */
const createOrderCommon = {
  merchant: opt(object({ subMerchantId: opt(idIn(19)) })),
  env: req(object({ terminalType: req(oneOf(ENUMS.terminalType)), osType: opt(oneOf(ENUMS.osType)), orderClientIp: opt(string()), cookieId: opt(string()) })),
  merchantTradeNo: req(tradeNo),
  orderAmount: opt(amountIn),
  currency: opt(currency),
  fiatAmount: opt(amountIn),
  fiatCurrency: opt(currency),
  shipping: opt(
    object({
      shippingName: opt(personName),
      shippingAddress: opt(openObject({ region: req(string({ maxLength: 2 })) })),
      shippingPhoneNo: opt(string()),
    }),
  ),
  buyer: opt(
    object({
      referenceBuyerId: opt(string()),
      buyerName: opt(personName),
      buyerPhoneCountryCode: opt(string()),
      buyerPhoneNo: opt(string()),
      buyerEmail: opt(string()),
      buyerRegistrationTime: opt(number('integer')),
      buyerBrowserLanguage: opt(string()),
    }),
  ),
  returnUrl: opt(string({ maxLength: 256 })),
  cancelUrl: opt(string({ maxLength: 256 })),
  orderExpireTime: opt(number('integer')),
  supportPayCurrency: opt(string({ maxLength: 1024 })),
  appId: opt(string()),
  universalUrlAttach: opt(string({ maxLength: 120 })),
  passThroughInfo: opt(string({ maxLength: 512 })),
  webhookUrl: opt(string({ format: 'url', maxLength: 256 })),
  orderTags: opt(object({ ifProfitSharing: opt(boolean()) })),
  directDebitContract: opt(openObject()),
  voucherCode: opt(string()),
  qrCodeReferId: opt(string()),
};

/** Create-order answer of v1/v2 (§3.1, §3.2: "response unchanged" from v2 to v1). */
const createOrderData = {
  prepayId: req(string({ format: 'digits', maxLength: 19 })),
  terminalType: req(oneOf(ENUMS.tradeTypeV1)),
  expireTime: req(epochMs),
  qrcodeLink: req(string({ format: 'url' })),
  qrContent: req(string()),
  checkoutUrl: req(string({ format: 'url' })),
  deeplink: req(string({ format: 'link' })),
  universalUrl: req(string({ format: 'url' })),
};

const orderLookup = object({ prepayId: opt(idIn(19)), merchantTradeNo: opt(string({ maxLength: 32 })) });

const paymentInfo = object({
  // "string here; long in webhook" (§3.3)
  payerId: req(anyOf(string(), number('integer'))),
  payMethod: req(string()),
  paymentInstructions: req(array(object({ currency: req(currency), amount: req(string({ format: 'decimal' })), price: req(string({ format: 'decimal' })) }))),
  channel: opt(string()),
  subChannel: opt(string()),
  payerDetail: opt(string()),
});

const refundCommon = {
  // newest doc revision only (§3.5)
  refundId: opt(number('integer')),
  refundRequestId: req(string({ maxLength: 64 })),
  prepayId: req(string({ format: 'digits' })),
  orderAmount: req(string({ format: 'decimal' })),
  refundedAmount: req(string({ format: 'decimal' })),
  refundAmount: req(string({ format: 'decimal' })),
  remainingAttempts: req(number('integer')),
  payerOpenId: req(string()),
};

const subMerchantFields = {
  merchantName: opt(string({ maxLength: 128 })),
  storeType: opt(anyOf(number('integer'), string({ format: 'integer' }))),
  merchantMcc: opt(string({ format: 'digits', maxLength: 4 })),
  merchantType: opt(anyOf(number('integer'), string({ format: 'integer' }))),
  country: opt(string({ maxLength: 1024 })),
  siteUrl: opt(string({ maxLength: 256 })),
  address: opt(string({ maxLength: 1024 })),
  payIndustryDescription: opt(string({ maxLength: 500 })),
  subPayMccCode: opt(string({ maxLength: 4 })),
  subPayIndustryDescription: opt(string({ maxLength: 500 })),
  brandLogo: opt(string({ maxLength: 256 })),
  companyName: opt(string({ maxLength: 64 })),
  registrationNumber: opt(string({ maxLength: 64 })),
  registrationCountry: opt(string({ maxLength: 2 })),
  registrationAddress: opt(string({ maxLength: 1024 })),
  incorporationDate: opt(number('integer')),
  certificateType: opt(anyOf(number('integer'), string())),
  certificateCountry: opt(string({ maxLength: 2 })),
  certificateNumber: opt(string({ maxLength: 64 })),
  certificateValidDate: opt(number('integer')),
  contractTimeIsv: opt(number('integer')),
  blockPayerKycCountries: opt(array(string())),
};

const split = object({
  splitOrderNo: req(string()),
  merchantRequestId: req(string()),
  prepayOrderId: req(string()),
  status: req(number('integer')),
  receiverOrderDetails: req(
    array(
      object({
        account: req(string()),
        amount: req(string({ format: 'decimal' })),
        failReason: opt(anyOf(string(), nil)),
        detailId: req(string()),
        status: req(number('integer')),
        // unix seconds (§3.14); null while processing
        finishTime: opt(anyOf(number('epochSeconds'), nil)),
      }),
    ),
  ),
});

// ── endpoints ──────────────────────────────────────────────────────────────────────────────────

export type Family = 'orders' | 'refunds' | 'payouts' | 'balances' | 'transfers' | 'certificates' | 'submerchants' | 'profitsharing';
export const FAMILIES: readonly Family[] = ['orders', 'refunds', 'payouts', 'balances', 'transfers', 'certificates', 'submerchants', 'profitsharing'];

export interface EndpointShape {
  /** stable name used in reports and flows */
  name: string;
  /** full path, e.g. /binancepay/openapi/v3/order */
  path: string;
  family: Family;
  /** fact sheet section */
  source: string;
  /** the request body; `undefined` for body-less endpoints ("", {}, [], null: §1.3) */
  request: Shape | undefined;
  /** `data` of a SUCCESS answer */
  data: Shape;
  /** envelope statuses a success may carry (Transfer Fund repeats: REPEAT_REQ_SUCCESS, §3.12) */
  statuses?: readonly string[];
  /** codes the fact sheet names for this endpoint, beyond the authentication ones of §1.6 */
  errors: readonly string[];
}

const P = (path: string) => `${API_PREFIX}${path}`;

export const ENDPOINTS: readonly EndpointShape[] = [
  {
    name: 'createOrderV3',
    path: P('/v3/order'),
    family: 'orders',
    source: '§3.1',
    request: object({ ...createOrderCommon, description: req(string({ maxLength: 256 })), goodsDetails: req(array(goods)) }),
    data: object({
      ...createOrderData,
      terminalType: req(oneOf(ENUMS.terminalType)),
      // v3 only; the real sample writes totalFee as a string ("1.5")
      currency: req(currency),
      totalFee: req(string({ format: 'decimal' })),
      fiatCurrency: opt(currency),
      fiatAmount: opt(string({ format: 'decimal' })),
    }),
    errors: ['400100', '400101', '400102', '400103', '400201', '400206'],
  },
  {
    name: 'createOrderV2',
    path: P('/v2/order'),
    family: 'orders',
    source: '§3.2',
    request: object({ ...createOrderCommon, description: opt(string({ maxLength: 256 })), goods: req(goods) }),
    data: object({ ...createOrderData, terminalType: req(oneOf(ENUMS.terminalType)) }),
    errors: ['400100', '400101', '400102', '400103', '400201', '400206'],
  },
  {
    name: 'createOrderV1',
    path: P('/order'),
    family: 'orders',
    source: '§3.2',
    request: object({
      merchantId: opt(idIn(19)),
      subMerchantId: opt(idIn(19)),
      merchantTradeNo: req(tradeNo),
      tradeType: req(oneOf(ENUMS.tradeTypeV1)),
      totalFee: req(amountIn),
      currency: req(currency),
      productType: req(string({ maxLength: 16 })),
      productName: req(string({ maxLength: 256 })),
      productDetail: opt(string({ maxLength: 256 })),
      returnUrl: opt(string({ maxLength: 256 })),
      cancelUrl: opt(string({ maxLength: 256 })),
      orderExpireTime: opt(number('integer')),
      supportPayCurrency: opt(string({ maxLength: 1024 })),
      universalUrlAttach: opt(string({ maxLength: 120 })),
      passThroughInfo: opt(string({ maxLength: 512 })),
      webhookUrl: opt(string({ format: 'url', maxLength: 256 })),
    }),
    data: object(createOrderData),
    errors: ['400100', '400101', '400102', '400103', '400201'],
  },
  {
    name: 'queryOrderV2',
    path: P('/v2/order/query'),
    family: 'orders',
    source: '§3.3',
    request: orderLookup,
    data: object({
      merchantId: req(number('integer')),
      prepayId: req(string({ format: 'digits' })),
      transactionId: opt(string()),
      merchantTradeNo: req(string()),
      status: req(oneOf(ENUMS.orderStatus)),
      currency: req(currency),
      orderAmount: req(string({ format: 'decimal8' })),
      openUserId: opt(string()),
      passThroughInfo: opt(string()),
      // "Transaction fees charged" (docs/api-coverage.md): once paid
      commission: opt(string({ format: 'decimal' })),
      transactTime: opt(epochMs),
      createTime: req(epochMs),
      paymentInfo: opt(paymentInfo),
    }),
    errors: ['400202'],
  },
  {
    name: 'queryOrderV1',
    path: P('/order/query'),
    family: 'orders',
    source: '§3.3',
    request: orderLookup,
    data: object({
      merchantId: req(number('integer')),
      subMerchantId: opt(number('integer')),
      merchantTradeNo: req(string()),
      tradeType: req(oneOf(ENUMS.tradeTypeV1)),
      totalFee: req(string({ format: 'decimal8' })),
      currency: req(currency),
      productName: opt(string()),
      productDetail: opt(string()),
      openUserId: opt(string()),
      passThroughInfo: opt(string()),
      transactTime: opt(epochMs),
      createTime: req(epochMs),
      prepayId: req(string({ format: 'digits' })),
      transactionId: opt(string()),
      status: req(oneOf(ENUMS.orderStatus)),
      // whitelisted merchants only: KYC fields (§3.3)
      payerInfo: opt(openObject()),
    }),
    errors: ['400202'],
  },
  {
    name: 'closeOrder',
    path: P('/order/close'),
    family: 'orders',
    source: '§3.4',
    request: orderLookup,
    // true = close request accepted (§3.4)
    data: boolean(true),
    errors: ['400202', '400204'],
  },
  {
    name: 'refundOrder',
    path: P('/order/refund'),
    family: 'refunds',
    source: '§3.5',
    request: object({
      refundRequestId: req(string({ maxLength: 64 })),
      prepayId: req(idIn(19)),
      refundAmount: req(amountIn),
      refundReason: opt(string({ maxLength: 256 })),
      webhookUrl: opt(string({ format: 'url', maxLength: 256 })),
    }),
    data: object({ ...refundCommon, duplicateRequest: req(oneOf(ENUMS.yesNo)) }),
    errors: ['400301', '400302', '400303', '400304'],
  },
  {
    name: 'queryRefund',
    path: P('/order/refund/query'),
    family: 'refunds',
    source: '§3.6',
    request: object({ refundRequestId: req(string({ maxLength: 64 })) }),
    data: object({ ...refundCommon, refundStatus: req(oneOf(ENUMS.refundStatus)) }),
    errors: [],
  },
  {
    name: 'certificates',
    path: P('/certificates'),
    family: 'certificates',
    source: '§3.7',
    request: undefined,
    data: array(object({ certSerial: req(string({ format: 'hex' })), certPublic: req(string({ format: 'pem' })) })),
    errors: [],
  },
  {
    name: 'batchPayout',
    path: P('/payout/transfer'),
    family: 'payouts',
    source: '§3.8',
    request: object({
      requestId: req(string({ maxLength: 32 })),
      bizScene: opt(oneOf(ENUMS.bizScene)),
      batchName: req(string({ maxLength: 32 })),
      currency: req(currency),
      totalAmount: req(amountIn),
      totalNumber: req(number('integer')),
      transferDetailList: req(
        array(
          object({
            merchantSendId: req(string({ maxLength: 32 })),
            receiveType: req(oneOf(ENUMS.receiveType)),
            receiver: req(anyOf(string(), number('integer'))),
            transferAmount: req(amountIn),
            transferMethod: req(oneOf(ENUMS.transferMethod)),
            remark: opt(string({ maxLength: 128 })),
            registrationEmail: opt(string()),
            registrationMobileNumber: opt(string()),
            registrationMobileCode: opt(string()),
          }),
          500,
        ),
      ),
      webhookUrl: opt(string({ format: 'url', maxLength: 256 })),
      subMerchantId: opt(idIn(19)),
    }),
    data: object({ requestId: req(string()), status: req(oneOf(['ACCEPTED'])) }),
    errors: ['400100', '400102'],
  },
  {
    name: 'queryPayout',
    path: P('/payout/query'),
    family: 'payouts',
    source: '§3.9',
    request: object({ requestId: req(string({ maxLength: 32 })), detailStatus: opt(anyOf(oneOf(ENUMS.detailStatusFilter), array(oneOf(ENUMS.detailStatusFilter)))) }),
    data: object({
      requestId: req(string()),
      batchStatus: req(oneOf(ENUMS.batchStatus)),
      merchantId: req(number('integer')),
      currency: req(currency),
      totalAmount: req(number('decimal')),
      totalNumber: req(number('integer')),
      transferDetailList: req(
        array(
          object({
            orderId: req(number('integer')),
            merchantSendId: req(string()),
            payerId: req(number('integer')),
            amount: req(string({ format: 'decimal' })),
            receiveType: req(oneOf(ENUMS.receiveType)),
            receiver: req(string()),
            payeeId: opt(number('integer')),
            transferMethod: req(oneOf(ENUMS.transferMethod)),
            status: req(oneOf(ENUMS.detailStatus)),
            remark: opt(string()),
          }),
        ),
      ),
    }),
    errors: [],
  },
  {
    name: 'checkPayoutReceiver',
    path: P('/payout/receiver/check'),
    family: 'payouts',
    source: '§3.10',
    request: object({
      receiveType: req(oneOf(['BINANCE_ID', 'PAY_ID'])),
      receiverId: req(anyOf(string(), number('integer'))),
      registrationEmail: opt(string()),
      registrationMobileNumber: opt(string()),
      registrationMobileCode: opt(string()),
      openUserId: opt(string()),
    }),
    data: boolean(),
    errors: ['406108'],
  },
  {
    name: 'balanceV1',
    path: P('/balance'),
    family: 'balances',
    source: '§3.11',
    request: object({ wallet: req(oneOf(ENUMS.wallet)), currency: req(currency) }),
    data: object({
      balance: req(number('decimal')),
      asset: req(currency),
      fiat: req(string()),
      availableFiatValuation: req(number('decimal')),
      availableBtcValuation: req(number('decimal')),
    }),
    errors: [],
  },
  {
    name: 'balanceV2',
    path: P('/v2/balance'),
    family: 'balances',
    source: '§3.11',
    request: object({ wallet: req(oneOf(ENUMS.wallet)), currency: opt(currency) }),
    data: object({
      balance: req(
        array(
          object({
            available: req(number('decimal')),
            freeze: req(number('decimal')),
            asset: req(currency),
            availableFiatValuation: req(number('decimal')),
            availableBtcValuation: req(number('decimal')),
          }),
        ),
      ),
      wallet: req(oneOf(ENUMS.wallet)),
      // the table says string, the sample prints a number (§3.11)
      updateTime: req(anyOf(epochMs, string())),
      fiat: req(string()),
    }),
    errors: [],
  },
  {
    name: 'transferFund',
    path: P('/wallet/transfer'),
    family: 'transfers',
    source: '§3.12',
    request: object({
      requestId: req(string({ maxLength: 32 })),
      currency: req(currency),
      // a JSON string per the docs (§3.12)
      amount: req(string({ format: 'amount' })),
      transferType: req(oneOf(ENUMS.transferType)),
    }),
    data: object({
      tranId: req(string()),
      status: req(oneOf(ENUMS.transferStatus)),
      currency: req(currency),
      amount: req(string({ format: 'decimal' })),
      transferType: req(oneOf(ENUMS.transferType)),
    }),
    statuses: ['SUCCESS', 'REPEAT_REQ_SUCCESS'],
    errors: [],
  },
  {
    name: 'queryTransferFund',
    path: P('/wallet/transfer/query'),
    family: 'transfers',
    source: '§3.12',
    request: object({ tranId: req(string({ maxLength: 32 })) }),
    data: object({ tranId: req(string()), status: req(oneOf(ENUMS.transferStatus)) }),
    errors: [],
  },
  {
    name: 'addSubMerchant',
    path: P('/submerchant/add'),
    family: 'submerchants',
    source: '§3.13',
    request: object({ ...subMerchantFields, merchantName: req(string({ maxLength: 128 })), storeType: req(anyOf(number('integer'), string({ format: 'integer' }))), merchantMcc: req(string({ format: 'digits', maxLength: 4 })) }),
    data: object({ subMerchantId: req(number('integer')) }),
    errors: ['400205', '400206'],
  },
  {
    name: 'modifySubMerchant',
    path: P('/submerchant/modify'),
    family: 'submerchants',
    source: '§3.13',
    request: object({ ...subMerchantFields, subMerchantId: req(idIn(128)) }),
    // Binance does not document the answer (§3.13)
    data: any,
    errors: ['400205', '400206'],
  },
  {
    name: 'addReceiver',
    path: P('/profitsharing/v1/add-receiver'),
    family: 'profitsharing',
    source: '§3.14',
    request: object({ account: req(anyOf(string(), number('integer'))) }),
    data: object({ account: req(string()) }),
    errors: ['400601'],
  },
  {
    name: 'queryReceiver',
    path: P('/profitsharing/v1/query-receiver'),
    family: 'profitsharing',
    source: '§3.14',
    request: object({ pageNum: req(number('integer')), pageSize: req(number('integer')) }),
    data: object({
      accountList: req(array(any)),
      totalPageNum: req(number('integer')),
      totalRecordNum: req(number('integer')),
      currentPageNum: req(number('integer')),
      currentPageSize: req(number('integer')),
    }),
    errors: [],
  },
  {
    name: 'deleteReceiver',
    path: P('/profitsharing/v1/del-receiver'),
    family: 'profitsharing',
    source: '§3.14',
    request: object({ account: req(anyOf(string(), number('integer'))) }),
    data: object({ account: req(string()) }),
    errors: [],
  },
  {
    name: 'submitSplit',
    path: P('/profitsharing/v1/submit-split'),
    family: 'profitsharing',
    source: '§3.14',
    request: object({
      merchantRequestId: req(string({ maxLength: 32 })),
      prepayOrderId: req(idIn(19)),
      receiverList: req(array(object({ account: req(anyOf(string(), number('integer'))), amount: req(amountIn), description: opt(string({ maxLength: 128 })), webhookUrl: opt(string({ format: 'url', maxLength: 256 })) }), 100)),
    }),
    data: split,
    errors: ['400209'],
  },
  {
    name: 'querySplit',
    path: P('/profitsharing/v1/query-split'),
    family: 'profitsharing',
    source: '§3.14',
    request: object({ merchantRequestId: req(string({ maxLength: 32 })), prepayOrderId: req(idIn(19)) }),
    data: split,
    errors: ['400209'],
  },
  {
    name: 'returnSplit',
    path: P('/profitsharing/v1/return'),
    family: 'profitsharing',
    source: '§3.14',
    request: object({
      prepayOrderId: req(idIn(19)),
      splitOrderNo: opt(string()),
      originMerchantRequestId: opt(string()),
      merchantReturnNo: req(string({ maxLength: 32 })),
      transferOutAccount: req(anyOf(string(), number('integer'))),
      returnAmount: req(amountIn),
      description: req(string({ maxLength: 128 })),
      webhookUrl: opt(string({ format: 'url', maxLength: 256 })),
    }),
    data: object({
      prepayOrderId: req(string()),
      splitOrderNo: opt(anyOf(string(), nil)),
      originMerchantRequestId: opt(anyOf(string(), nil)),
      merchantReturnNo: req(string()),
      transferOutAccount: req(string()),
      returnAmount: req(string({ format: 'decimal' })),
      returnOrderNo: req(string()),
      status: req(number('integer')),
      failReason: opt(anyOf(string(), nil)),
      finishTime: opt(anyOf(number('epochSeconds'), nil)),
    }),
    errors: ['400209'],
  },
];

const BY_PATH = new Map(ENDPOINTS.map((e) => [e.path, e]));
const BY_NAME = new Map(ENDPOINTS.map((e) => [e.name, e]));

/** The endpoint of a request path (query string and trailing slash ignored), if it is one we know. */
export function endpointOfPath(path: string): EndpointShape | undefined {
  return BY_PATH.get((path.split('?')[0] ?? path).replace(/\/+$/, ''));
}

export function endpoint(name: string): EndpointShape {
  const found = BY_NAME.get(name);
  if (!found) throw new Error(`no endpoint shape named ${name}`);
  return found;
}
