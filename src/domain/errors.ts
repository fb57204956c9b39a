/**
 * The one error catalog (ARCHITECTURE.md principle 2): code, name, default message, HTTP status.
 * Binance codes and texts follow fact sheet §6 and §1.6; `origin` records how sure we are, and
 * docs/errors.md is generated from this table (npm run docs:errors).
 */

export type ErrorOrigin = 'binance' | 'inferred' | 'sandbox';

export interface ErrorSpec {
  readonly code: string;
  readonly name: string;
  readonly message: string;
  readonly httpStatus: number;
  readonly origin: ErrorOrigin;
  /** Where this server returns it; shown in docs/errors.md. */
  readonly when: string;
  /**
   * `message` is Binance's text word for word (a sample, a result-code table or an official SDK):
   * `errorMessage` then always carries it, and any detail goes to `hint` (envelope.ts). Otherwise
   * Binance's wording is unknown and the default mode answers a message naming the field.
   */
  readonly verbatim: boolean;
}

function spec(code: string, name: string, message: string, origin: ErrorOrigin, when: string, httpStatus = 400, verbatim = origin === 'binance'): ErrorSpec {
  return { code, name, message, httpStatus, origin, when, verbatim };
}

/** A Binance code whose wording Binance does not publish: the default mode names the field in `errorMessage`. */
function described(code: string, name: string, message: string, when: string): ErrorSpec {
  return spec(code, name, message, 'binance', when, 400, false);
}

export const Errors = {
  // --- request authentication and envelope (fact sheet §1.6, §6) ---
  UNKNOWN_ERROR: spec('400000', 'UNKNOWN_ERROR', 'An unknown error occurred while processing the request.', 'binance', 'An unexpected failure; the server logs the cause with the request id.'),
  INVALID_REQUEST: spec('400001', 'INVALID_REQUEST', "Parameter format is wrong or parameter transferring doesn't follow the rules.", 'binance', 'A request rule that no more specific code covers, e.g. a nonce reused within the timestamp window (replay).'),
  INVALID_SIGNATURE: spec('400002', 'INVALID_SIGNATURE', 'Signature for this request is not valid.', 'binance', '`BinancePay-Signature` is not the upper-case hex HMAC-SHA512 of `timestamp\\nnonce\\nbody\\n` under the API secret.'),
  INVALID_TIMESTAMP: spec('400003', 'INVALID_TIMESTAMP', 'Timestamp for this request is outside of the recvWindow.', 'binance', '`BinancePay-Timestamp` missing its millisecond precision, not a number, or outside the configured window.'),
  INVALID_API_KEY_OR_IP: spec('400004', 'INVALID_API_KEY_OR_IP', 'API identity key not found or invalid.', 'binance', 'Unknown or revoked API key, an old key past its rotation overlap, or a caller IP outside the merchant\'s IP allow-list.'),
  BAD_API_KEY_FMT: spec('400005', 'BAD_API_KEY_FMT', 'API identity key format invalid.', 'binance', '`BinancePay-Certificate-SN` is not 64 letters/digits.'),
  BAD_HTTP_METHOD: spec('400006', 'BAD_HTTP_METHOD', 'Request method not supported.', 'binance', 'Any method but POST on an API path (strict mode: `100001001`).'),
  MEDIA_TYPE_NOT_SUPPORTED: spec('400007', 'MEDIA_TYPE_NOT_SUPPORTED', 'Media type not supported.', 'binance', '`content-type` missing or not `application/json` (parameters such as `charset=utf-8` are accepted; strict mode: a missing one is `100001001`).'),
  INVALID_REQUEST_BODY: spec('400008', 'INVALID_REQUEST_BODY', 'Request body is not a valid json object.', 'binance', 'Body is not JSON, not an object, has a duplicate key (also one repeated with the same value), or a field has the wrong JSON type (Binance answers shape mismatches with this code too, fact sheet §8); an empty body (strict mode: `100001001`).'),
  MANDATORY_PARAM_EMPTY_OR_MALFORMED: described('400100', 'MANDATORY_PARAM_EMPTY_OR_MALFORMED', 'A parameter was missing, empty or null, or malformed.', 'A required header or field is missing, empty or null.'),
  INVALID_PARAM_WRONG_LENGTH: described('400101', 'INVALID_PARAM_WRONG_LENGTH', 'A parameter is too long or too short.', 'A string or list outside its length limits.'),
  INVALID_PARAM_WRONG_VALUE: described('400102', 'INVALID_PARAM_WRONG_VALUE', 'A parameter value is out of range.', 'A value outside its enum or range: amount below 0.00000001 or with more than 8 decimals, unknown currency, expiry beyond 1 hour, totals that do not add up.'),
  INVALID_PARAM_ILLEGAL_CHAR: described('400103', 'INVALID_PARAM_ILLEGAL_CHAR', 'A parameter contains illegal characters.', 'A field outside its character set, e.g. `merchantTradeNo` with a symbol; or any string of the body (or a key) holding a control character (U+0000–U+001F but TAB, LF and CR; U+007F–U+009F) or an unpaired surrogate, checked for every endpoint after authentication.'),
  SYSTEM_ABNORMALITY: spec('100001001', 'SYSTEM_ABNORMALITY', 'System abnormality', 'binance', 'Strict mode only: a method other than POST, no `content-type` header, or no body on an endpoint that takes one. The answer is Binance\'s gateway shape, `{"status":"ERROR","type":"SYS","code":"100001001","errorData":"System abnormality"}` (fact sheet §1.6, Binance FAQ); the default mode answers 400006, 400007 and 400008 instead.'),
  INVALID_REQUEST_TOO_LARGE: spec('400104', 'INVALID_REQUEST_TOO_LARGE', 'Content length too large.', 'binance', 'Body larger than `BPAY_BODY_LIMIT` (default 1 MiB).'),
  // --- orders (fact sheet §3.1–3.4) ---
  INVALID_MERCHANT_TRADE_NO: spec('400201', 'INVALID_MERCHANT_TRADE_NO', 'merchantTradeNo is invalid or duplicated', 'binance', 'A `merchantTradeNo` this merchant already used, whatever the rest of the request (fact sheet §7.7).'),
  ORDER_NOT_FOUND: spec('400202', 'ORDER_NOT_FOUND', 'Order not found.', 'binance', 'No order with that `prepayId`/`merchantTradeNo` for this merchant (another merchant\'s orders are invisible).'),
  INVALID_ACCOUNT_STATUS: described('400203', 'INVALID_ACCOUNT_STATUS', 'Not supported for this account, please check account status.', 'The merchant account is suspended (admin API `status: SUSPENDED`) or may not use this function.'),
  INVALID_ORDER_STATUS: spec('400204', 'INVALID_ORDER_STATUS', 'The Order is not applicable to close as it was paid or has any payment activity on the way.', 'binance', 'Close on an order that is not INITIAL (PENDING, PAID, refunded, CANCELED, EXPIRED, ERROR).'),
  SUB_MERCHANT_EXISTS: spec('400205', 'SUB_MERCHANT_EXISTS', 'Sub merchant already exists, please check the merchant name.', 'binance', 'Duplicate sub-merchant name under one partner.'),
  SUB_MERCHANT_INVALID: spec('400206', 'SUB_MERCHANT_INVALID', 'The sub merchant does not exist or is not available.', 'binance', 'Unknown sub-merchant, or one belonging to another partner.'),
  ORDER_NOT_SUCCESS: spec('400209', 'ORDER_NOT_SUCCESS', 'order not found or order status is not success', 'binance', 'Profit sharing on an order that is not paid or was not created with `orderTags.ifProfitSharing=true`.'),
  // --- refunds (fact sheet §3.5) ---
  INVALID_PREPAY_ID: spec('400301', 'INVALID_PREPAY_ID', 'Invalid prepayId.', 'binance', 'Refund of an order that does not exist or cannot be refunded (not paid).'),
  TOO_MANY_REFUND_ATTEMPTS: spec('400302', 'TOO_MANY_REFUND_ATTEMPTS', 'Refund attempts more than 10 times.', 'binance', 'An 11th refund of one order, or any refund after the order is fully refunded.'),
  INVALID_REFUND_AMOUNT: spec('400303', 'INVALID_REFUND_AMOUNT', 'Refund amount is greater than remaining amount.', 'binance', 'Refunds would exceed the order amount.'),
  ACCOUNT_REMAINING_AMOUNT_NOT_ENOUGH: spec('400304', 'ACCOUNT_REMAINING_AMOUNT_NOT_ENOUGH', 'merchant account remaining amount is not enough to do refund', 'binance', 'The merchant wallet cannot cover the refund.'),
  // --- payer verification / payouts (fact sheet §3.10, §3.18) ---
  ACCOUNT_NOT_FOUND: spec('400601', 'ACCOUNT_NOT_FOUND', 'account not found', 'binance', 'A Binance ID that no sandbox payer has.'),
  // --- throttling (fact sheet §7.6: Binance documents no rate limit; 406108 is its only throttling-like code) ---
  FAIL_RATE_HIGH: spec('406108', 'FAIL_RATE_HIGH', 'Fail rate is high, please try again later', 'inferred', 'An API key sent more requests than `BPAY_RATE_LIMIT` allows (off by default; one budget per key for every node, counted after authentication). HTTP 400 like every Binance error, with a `Retry-After` header in seconds.', 400, true),
  // --- this server's own (never sent by Binance) ---
  PATH_NOT_FOUND: spec('404000', 'PATH_NOT_FOUND', 'No such API path.', 'sandbox', 'Unknown path under `/binancepay/openapi` (Binance answers with a CloudFront HTML 403 page; this server answers JSON with a hint).', 404),
  ADMIN_UNAUTHORIZED: spec('900401', 'ADMIN_UNAUTHORIZED', 'Missing or wrong admin token.', 'sandbox', 'Admin API without `Authorization: Bearer <admin token>`.', 401),
  NOT_FOUND: spec('900404', 'NOT_FOUND', 'Not found.', 'sandbox', 'Admin API: the merchant, key, payer, order or event does not exist.', 404),
  CONFLICT: spec('900409', 'CONFLICT', 'Conflict with the current state.', 'sandbox', 'Admin API: the action does not fit the resource\'s state (e.g. revoking a revoked key, paying a paid order).', 409),
  BAD_ADMIN_REQUEST: spec('900400', 'BAD_ADMIN_REQUEST', 'Invalid request.', 'sandbox', 'Admin API, checkout and dashboard: invalid body or query, including a control character in any string of the path, query or body.', 400),
  PAYER_INSUFFICIENT_BALANCE: spec('900402', 'PAYER_INSUFFICIENT_BALANCE', 'Payer balance is not enough to pay this order.', 'sandbox', 'Simulated payer: the wallet cannot cover the payment; nothing moves.', 409),
  PAY_CURRENCY_NOT_SUPPORTED: spec('900403', 'PAY_CURRENCY_NOT_SUPPORTED', 'This order cannot be paid in that currency.', 'sandbox', 'Simulated payer: currency outside the order\'s `supportPayCurrency` or without a conversion rate.', 409),
  SIGN_IN_REQUIRED: spec('900406', 'SIGN_IN_REQUIRED', 'Sign in first.', 'sandbox', 'Checkout: paying without a payer session, or an unknown payer; dashboard: no valid session, or wrong sign-in credentials.', 401),
  CROSS_SITE_REQUEST: spec('900405', 'CROSS_SITE_REQUEST', 'Cross-site request refused.', 'sandbox', 'Checkout and dashboard: a POST whose `Origin` is not this server, or a dashboard form without the session\'s CSRF token.', 403),
  TOO_MANY_SIGN_IN_ATTEMPTS: spec('900429', 'TOO_MANY_SIGN_IN_ATTEMPTS', 'Too many failed sign-in attempts; wait a few minutes.', 'sandbox', 'Dashboard: 10 failed sign-ins from one address within 5 minutes.', 429),
  LEDGER_INVARIANT: spec('900500', 'LEDGER_INVARIANT', 'Ledger invariant violated.', 'sandbox', 'Internal: a transfer would break double entry; nothing was written.', 500),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof Errors;

/**
 * A failure with a public message. Services throw it; the HTTP layer turns it into the envelope.
 * `extra` adds envelope fields (the signature debugger); internal detail belongs in `cause` and logs.
 */
export class AppError extends Error {
  readonly spec: ErrorSpec;
  readonly extra: Record<string, unknown> | undefined;

  constructor(spec: ErrorSpec, message?: string, options?: { extra?: Record<string, unknown>; cause?: unknown }) {
    super(message ?? spec.message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = `AppError(${spec.code})`;
    this.spec = spec;
    this.extra = options?.extra;
  }

  get code(): string {
    return this.spec.code;
  }
}

export function fail(spec: ErrorSpec, message?: string, extra?: Record<string, unknown>): never {
  throw new AppError(spec, message, extra === undefined ? undefined : { extra });
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export const allErrorSpecs: readonly ErrorSpec[] = Object.values(Errors);
