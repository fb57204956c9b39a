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
 * Parses JSON keeping every number as a JsonNumber. Rejects every duplicate key, also an exact
 * repeat (`{"a":1,"a":1}`, which lossless-json alone would keep once): two parsers may disagree on
 * which of two members wins, and the signature covers the text, not the object. Never throws:
 * nesting deeper than the stack is an error result.
 */
export function parseJsonExact(text: string): JsonParse {
  try {
    const value = parse(text, null, (literal) => new LosslessNumber(literal));
    const duplicate = firstDuplicateKey(text);
    if (duplicate !== undefined) return { ok: false, message: `Duplicate key '${duplicate.slice(0, 60)}'` };
    return { ok: true, value };
  } catch (error) {
    // RangeError: nesting deeper than the stack; SyntaxError/Error: malformed or duplicate key
    const message = error instanceof RangeError ? 'nesting too deep' : error instanceof Error ? error.message : String(error);
    return { ok: false, message };
  }
}

/**
 * The first key that appears twice in one object of a valid JSON text (keys compared after
 * unescaping, so `"a"` and `"\u0061"` are the same key); undefined when there is none.
 */
function firstDuplicateKey(text: string): string | undefined {
  // one entry per open container: the keys seen so far in an object, null for an array
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          escaped = true;
          j += 2;
        } else if (d === 0x22) break;
        else j++;
      }
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = (stack[stack.length - 1] ?? null) !== null;
    }
  }
  return undefined;
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
