/**
 * The Binance response envelope (fact sheet §2): key order status, code, data, errorMessage.
 * FAIL answers carry HTTP 400 for every 4xxxxx code (the mapping a working client confirms), and
 * the strict mode's gateway error 100001001 its own shape (HTTP 400 too).
 */
import { AppError, Errors, type ErrorSpec } from '../../domain/errors.ts';
import { stringifyJson } from '../../lib/json.ts';

/** Returned by a handler to answer an idempotent repeat (Transfer Fund, fact sheet §3.12). */
export class RepeatedRequest {
  constructor(readonly data: unknown) {}
}

export function successBody(result: unknown): string {
  if (result instanceof RepeatedRequest) {
    return stringifyJson({ status: 'REPEAT_REQ_SUCCESS', code: '000001', data: result.data, errorMessage: '' });
  }
  return stringifyJson({ status: 'SUCCESS', code: '000000', data: result, errorMessage: '' });
}

export interface Failure {
  httpStatus: number;
  body: string;
  /** true when the cause was unexpected and must be logged with its stack */
  unexpected: boolean;
}

export interface FailureOptions {
  /** strict fidelity: `errorMessage` is the catalog's text and nothing else is added */
  strict: boolean;
  /** extra envelope fields (`hint`, `signatureDebug`) in the default mode (BPAY_SIGNATURE_DEBUG) */
  extraFields: boolean;
}

/** Only Binance's own codes (and the JSON 404) may leave the Binance surface; anything else is 400000. */
function publicSpec(spec: ErrorSpec): boolean {
  return spec.origin !== 'sandbox' || spec === Errors.PATH_NOT_FOUND;
}

/** Binance's gateway answer (fact sheet §1.6): not the envelope, and no `errorMessage`. */
export function systemAbnormalityBody(): string {
  const spec = Errors.SYSTEM_ABNORMALITY;
  return stringifyJson({ status: 'ERROR', type: 'SYS', code: spec.code, errorData: spec.message });
}

/**
 * The FAIL envelope. Strict mode answers exactly status, code and the catalog's `errorMessage`. The
 * default mode keeps Binance's words where they are known (`verbatim` codes) and moves this
 * server's more precise message to `hint`; for the other codes `errorMessage` names the field.
 */
export function failureOf(error: unknown, options: FailureOptions = { strict: false, extraFields: true }): Failure {
  if (error instanceof AppError && publicSpec(error.spec)) {
    const spec = error.spec;
    if (spec === Errors.SYSTEM_ABNORMALITY) return { httpStatus: spec.httpStatus, body: systemAbnormalityBody(), unexpected: false };
    if (options.strict) {
      return { httpStatus: spec.httpStatus, body: stringifyJson({ status: 'FAIL', code: spec.code, errorMessage: spec.message }), unexpected: false };
    }
    const extra: Record<string, unknown> = options.extraFields ? { ...(error.extra ?? {}) } : {};
    let errorMessage = error.message;
    if (spec.verbatim && error.message !== spec.message) {
      errorMessage = spec.message;
      if (options.extraFields && extra.hint === undefined) extra.hint = error.message;
    }
    const body = { status: 'FAIL', code: spec.code, errorMessage, ...extra };
    return { httpStatus: spec.httpStatus, body: stringifyJson(body), unexpected: false };
  }
  const spec = Errors.UNKNOWN_ERROR;
  return { httpStatus: spec.httpStatus, body: stringifyJson({ status: 'FAIL', code: spec.code, errorMessage: spec.message }), unexpected: true };
}
