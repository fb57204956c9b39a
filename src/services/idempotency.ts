/**
 * Idempotency is a key plus a hash of the request (ARCHITECTURE.md principle 6): a retry with the
 * same key and the same request gets the stored answer; the same key with a different request is
 * refused, never replayed.
 */
import { sha256Hex } from '../lib/signature.ts';

/** Hash of the fields that define a request, in a fixed order (undefined and null hash alike). */
export function requestHash(fields: Array<[string, string | bigint | number | null | undefined]>): string {
  return sha256Hex(JSON.stringify(fields.map(([k, v]) => [k, v === undefined || v === null ? null : String(v)])));
}
