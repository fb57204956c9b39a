/**
 * Exact JSON: the Binance surface parses the very bytes it verified, keeps number literals as text
 * (amounts are parsed exactly later, ids above 2^53 survive) and writes number literals exactly
 * (webhook `totalFee` as 0.88000000, `bizId` above 2^53). fact sheet §1.3, §5.3, §7.2.
 */
import { LosslessNumber, parse, stringify } from 'lossless-json';

/** A JSON number kept as its literal text. */
export type JsonNumber = LosslessNumber;

export function jsonNumber(literal: string | bigint | number): JsonNumber {
  return new LosslessNumber(typeof literal === 'string' ? literal : literal.toString());
}

export function isJsonNumber(value: unknown): value is JsonNumber {
  return value instanceof LosslessNumber;
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Parses JSON keeping every number as a JsonNumber. Rejects a duplicate key whose values differ
 * (`{"a":1,"a":2}`, `{"a":1,"a":1.0}`); an exact repeat (`{"a":1,"a":1}`) is unambiguous and kept
 * once (lossless-json's rule). Never throws: nesting deeper than the stack is an error result.
 */
export function parseJsonExact(text: string): JsonParse {
  try {
    return { ok: true, value: parse(text, null, (literal) => new LosslessNumber(literal)) };
  } catch (error) {
    // RangeError: nesting deeper than the stack; SyntaxError/Error: malformed or duplicate key
    const message = error instanceof RangeError ? 'nesting too deep' : error instanceof Error ? error.message : String(error);
    return { ok: false, message };
  }
}

/** Serialises JSON; JsonNumber and bigint values are written as bare number literals. */
export function stringifyJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new TypeError('value is not serialisable to JSON');
  return text;
}

/** Turns JsonNumbers back into plain JS values for storage of free-form echo fields. */
export function toPlainJson(value: unknown): unknown {
  if (isJsonNumber(value)) return value.toString();
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlainJson(v);
    return out;
  }
  return value;
}
