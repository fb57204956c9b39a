/** Error types thrown by the SDK. One class per way a caller may want to branch. */
import type { RawResponse } from './envelope.ts';

/** A FAIL envelope (or any non-success answer) from `BinancePayClient.call` and the typed methods. */
export class BinancePayError extends Error {
  override readonly name = 'BinancePayError';
  /** Binance result code, e.g. `"400002"` (fact sheet §6); `""` when the answer had no envelope. */
  readonly code: string;
  /** The server's `errorMessage` (or legacy `errorData` / `msg`, §1.6/§2). */
  readonly errorMessage: string;
  readonly httpStatus: number;
  /** Envelope `status` (`FAIL`, legacy `ERROR`, …); `""` when the answer had no envelope. */
  readonly status: string;
  /** The whole parsed envelope, or null when the body was not a JSON object. */
  readonly body: unknown;
  readonly rawText: string;

  constructor(response: RawResponse) {
    const env = response.envelope;
    const code = typeof env?.code === 'string' ? env.code : env?.code != null ? String(env.code) : '';
    const errorMessage = pickMessage(env) ?? (env ? '' : `non-JSON response (HTTP ${response.httpStatus})`);
    super(`Binance Pay ${code || `HTTP ${response.httpStatus}`}: ${errorMessage}`);
    this.code = code;
    this.errorMessage = errorMessage;
    this.httpStatus = response.httpStatus;
    this.status = typeof env?.status === 'string' ? env.status : '';
    this.body = env;
    this.rawText = response.rawText;
  }
}

// fact sheet §1.6/§2: current `errorMessage`, gateway `errorData`, legacy FAQ shape `msg`.
function pickMessage(env: RawResponse['envelope']): string | undefined {
  for (const key of ['errorMessage', 'errorData', 'msg'] as const) {
    const value = env?.[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** The request never got an HTTP answer: connection failure or `timeoutMs` elapsed. */
export class BinancePayTransportError extends Error {
  override readonly name = 'BinancePayTransportError';
  readonly reason: 'TIMEOUT' | 'NETWORK';
  constructor(reason: 'TIMEOUT' | 'NETWORK', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export type WebhookFailureReason = 'MISSING_HEADER' | 'UNKNOWN_CERTIFICATE' | 'BAD_SIGNATURE' | 'STALE_TIMESTAMP' | 'MALFORMED_BODY';

/** A webhook that must not be trusted. Answer it with a non-200 so Binance retries (fact sheet §5.1). */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  readonly reason: WebhookFailureReason;
  constructor(reason: WebhookFailureReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
