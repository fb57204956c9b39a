/**
 * Turns the first zod issue into a Binance error: missing → 400100, length → 400101,
 * range/enum → 400102, charset → 400103, wrong JSON type → 400008. errorMessage names the field.
 */
import type { z } from 'zod';
import { AppError, Errors, type ErrorSpec } from '../../domain/errors.ts';

const BY_CODE: Record<string, ErrorSpec> = {
  '400008': Errors.INVALID_REQUEST_BODY,
  '400100': Errors.MANDATORY_PARAM_EMPTY_OR_MALFORMED,
  '400101': Errors.INVALID_PARAM_WRONG_LENGTH,
  '400102': Errors.INVALID_PARAM_WRONG_VALUE,
  '400103': Errors.INVALID_PARAM_ILLEGAL_CHAR,
};

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

function toAppError(first: z.core.$ZodIssue): AppError {
  const field = fieldPath(first.path) || 'body';
  const binanceCode = (first as { params?: { binanceCode?: string } }).params?.binanceCode;
  const missing = first.code === 'invalid_type' && !('input' in first && first.input !== undefined);
  let spec: ErrorSpec;
  let message: string;
  if (binanceCode && BY_CODE[binanceCode]) {
    spec = BY_CODE[binanceCode];
    message = `${field} ${first.message}`;
  } else if (missing) {
    spec = Errors.MANDATORY_PARAM_EMPTY_OR_MALFORMED;
    message = `${field} is mandatory`;
  } else if (first.code === 'invalid_type') {
    spec = Errors.INVALID_REQUEST_BODY;
    message = `${field} must be of type ${first.expected}`;
  } else if (first.code === 'too_big' || first.code === 'too_small') {
    spec = first.origin === 'string' || first.origin === 'array' ? Errors.INVALID_PARAM_WRONG_LENGTH : Errors.INVALID_PARAM_WRONG_VALUE;
    message = `${field} ${first.message}`;
  } else if (first.code === 'invalid_format') {
    spec = Errors.INVALID_PARAM_ILLEGAL_CHAR;
    message = `${field} contains illegal characters`;
  } else {
    spec = Errors.INVALID_PARAM_WRONG_VALUE;
    message = `${field}: ${first.message}`;
  }
  return new AppError(spec, message);
}

/** Parses a request body with a schema; throws the Binance error of the first failing rule. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const first = result.error.issues[0];
  if (!first) throw new AppError(Errors.INVALID_REQUEST_BODY);
  throw toAppError(first);
}
