/**
 * Idempotency is a key plus a hash of the request (ARCHITECTURE.md principle 6): a retry with the
 * same key and the same request gets the stored answer; the same key with a different request is
 * refused, never replayed. The hash covers the whole validated input (as Formance's
 * ComputeIdempotencyHash does), so a field added to a request is covered without anyone listing it.
 */
import { Errors, fail } from '../domain/errors.ts';
import { sha256Hex } from '../lib/signature.ts';
import { isUniqueViolation } from '../store/db.ts';

/** A canonical text of a value: keys sorted, absent (undefined) and null alike, bigints exact. */
function canonical(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

/** The hash of a whole validated request (v2: the whole input; hashes stored before named fields). */
export function inputHash(input: object): string {
  return `v2:${sha256Hex(JSON.stringify(canonical(input)))}`;
}

export interface Once<S extends { requestHash: string }, R> {
  /** what the key means, for the refusal: "refundRequestId R1" */
  key: string;
  hash: string;
  /** the request stored under the key, if any */
  find(): Promise<S | undefined>;
  /** the first time; a unique violation means another request with the key won a race */
  create(): Promise<R>;
  /** the same request again: its stored answer */
  replay(stored: S): R | Promise<R>;
  /** look before creating (default true); false when `create` itself looks, under its lock */
  lookFirst?: boolean;
}

/** The stored request, when it is this one; refused (400001) when the key was used for another. */
export function sameRequest<S extends { requestHash: string }>(stored: S, hash: string, key: string): S {
  if (stored.requestHash !== hash) fail(Errors.INVALID_REQUEST, `${key} was already used for a different request; use a new one for a new request`);
  return stored;
}

/** The one idempotency path: look (or let `create` look), create, and on a lost race re-read the winner. */
export async function once<S extends { requestHash: string }, R>(spec: Once<S, R>): Promise<R> {
  if (spec.lookFirst ?? true) {
    const seen = await spec.find();
    if (seen) return spec.replay(sameRequest(seen, spec.hash, spec.key));
  }
  try {
    return await spec.create();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await spec.find();
    if (!winner) throw error;
    return spec.replay(sameRequest(winner, spec.hash, spec.key));
  }
}
