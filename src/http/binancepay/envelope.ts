/**
 * The Binance response envelope (fact sheet §2): key order status, code, data, errorMessage.
 * FAIL answers carry HTTP 400 for every 4xxxxx code (the mapping a working client confirms).
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

/** Only Binance's own codes (and the JSON 404) may leave the Binance surface; anything else is 400000. */
function publicSpec(spec: ErrorSpec): boolean {
  return spec.origin !== 'sandbox' || spec === Errors.PATH_NOT_FOUND;
}

export function failureOf(error: unknown): Failure {
  if (error instanceof AppError && publicSpec(error.spec)) {
    const body = { status: 'FAIL', code: error.spec.code, errorMessage: error.message, ...(error.extra ?? {}) };
    return { httpStatus: error.spec.httpStatus, body: stringifyJson(body), unexpected: false };
  }
  const spec = Errors.UNKNOWN_ERROR;
  return { httpStatus: spec.httpStatus, body: stringifyJson({ status: 'FAIL', code: spec.code, errorMessage: spec.message }), unexpected: true };
}
