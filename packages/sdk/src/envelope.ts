/** The response envelope every Binance Pay endpoint answers with (fact sheet §2). */
import { parseJsonLossless } from './json-scan.ts';

export type EnvelopeStatus = 'SUCCESS' | 'FAIL' | 'REPEAT_REQ_SUCCESS';

export interface Envelope<T = unknown> {
  /** `SUCCESS` | `FAIL`, plus `REPEAT_REQ_SUCCESS` for an idempotent Transfer Fund repeat (§2, §7.7). */
  status: EnvelopeStatus | (string & {});
  /** Six-digit string, `"000000"` on success (§2). */
  code: string;
  data?: T;
  errorMessage?: string | null;
  [extra: string]: unknown;
}

/** What `BinancePayClient.request` resolves to: everything the server said, nothing thrown. */
export interface RawResponse<T = unknown> {
  httpStatus: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
  rawText: string;
  /** The parsed body when it is a JSON object, else null (e.g. CloudFront's HTML 403, §1.6). */
  envelope: Envelope<T> | null;
}

/**
 * Parses a response body. Integers beyond 2^53 (long ids such as payout `orderId`) come back as
 * exact digit strings rather than rounded numbers — see json-scan.ts.
 */
export function parseEnvelope<T>(rawText: string): Envelope<T> | null {
  try {
    const value = parseJsonLossless(rawText);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
    return value as Envelope<T>;
  } catch {
    return null;
  }
}

/** `REPEAT_REQ_SUCCESS` carries the original `data` and counts as success (§2, §3.12). */
export function isSuccessStatus(status: unknown): boolean {
  return status === 'SUCCESS' || status === 'REPEAT_REQ_SUCCESS';
}
