/**
 * Cassettes: exchanges the validation proxy recorded, for replay offline (`bpay serve --replay`).
 *
 * What is kept: method, path, the body texts, the answer's status and content type, timings. What
 * is not: the signature (redacted), the API key (a fingerprint: the first 16 hex of its SHA-256,
 * enough to tell keys apart), every other header (cookies, authorization, user agents), and
 * personal data in bodies — buyer and shipping blocks, client IPs, payer and receiver ids, emails
 * and phone numbers, KYC blocks — whose values become `"REDACTED"` (strings) or `0` (numbers), so
 * the shapes survive and a redacted cassette still passes the conformance checks. A body with
 * nothing to redact is stored byte for byte.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isJsonNumber, jsonNumber, parseJsonExact, stringifyJson } from '../lib/json.ts';
import { sha256Hex } from '../lib/signature.ts';

export const CASSETTE_FORMAT = 'bpay-cassette';
export const REDACTED = 'REDACTED';

/** Members whose whole subtree is personal data (fact sheet §3.1 buyer/shipping, §3.3 payerInfo). */
const PERSONAL_BLOCKS = new Set(['buyer', 'shipping', 'payerInfo']);
/** Members that identify a person, a device or a payer. */
const PERSONAL_FIELDS = new Set([
  'orderClientIp',
  'cookieId',
  'openUserId',
  'payerOpenId',
  'payerId',
  'payeeId',
  'payerDetail',
  'receiver',
  'receiverId',
  'registrationEmail',
  'registrationMobileNumber',
  'registrationMobileCode',
  'referenceBuyerId',
  'account',
  'transferOutAccount',
  'userBinanceId',
  'userName',
  'email',
]);

export const REDACTION_RULES = [
  'BinancePay-Signature: redacted',
  'BinancePay-Certificate-SN: sha256 fingerprint (16 hex)',
  'other headers: dropped (only content-type, BinancePay-Timestamp, BinancePay-Nonce kept)',
  `personal blocks (${[...PERSONAL_BLOCKS].join(', ')}): every value redacted`,
  `personal fields (${[...PERSONAL_FIELDS].join(', ')}): value redacted`,
];

/**
 * Request members whose value depends on when the request was made (absolute times): ignored
 * when a replayed request is matched to a recorded one (fact sheet §3.1 orderExpireTime, §3.16).
 */
const VOLATILE_REQUEST_FIELDS = new Set(['orderExpireTime', 'requestExpireTime', 'contractEndTime', 'firstDeductTime']);

export interface CassetteExchange {
  seq: number;
  atMs: number;
  durationMs: number;
  request: { method: string; path: string; headers: Record<string, string>; body: string };
  response: { status: number; headers: Record<string, string>; body: string };
}

export interface Cassette {
  format: typeof CASSETTE_FORMAT;
  version: 1;
  recordedAt: string;
  upstream: string;
  redaction: string[];
  exchanges: CassetteExchange[];
}

function redactLeaf(value: unknown): unknown {
  if (typeof value === 'string') return value === '' ? value : REDACTED;
  if (isJsonNumber(value)) return jsonNumber('0');
  return value;
}

function redactAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactAll);
  if (value !== null && typeof value === 'object' && !isJsonNumber(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactAll(v)]));
  }
  return redactLeaf(value);
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object' && !isJsonNumber(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (PERSONAL_BLOCKS.has(k)) out[k] = redactAll(v);
      else if (PERSONAL_FIELDS.has(k) && (v === null || typeof v !== 'object' || isJsonNumber(v))) out[k] = redactLeaf(v);
      else if (PERSONAL_FIELDS.has(k)) out[k] = redactAll(v);
      else out[k] = redactValue(v);
    }
    return out;
  }
  return value;
}

/** A JSON body with personal data redacted; unchanged (same bytes) when there is none or it is not JSON. */
export function redactBody(text: string): string {
  const parsed = parseJsonExact(text);
  if (!parsed.ok) return text;
  const redacted = redactValue(parsed.value);
  const out = stringifyJson(redacted);
  return out === stringifyJson(parsed.value) ? text : out;
}

export function keyFingerprint(apiKey: string): string {
  return `sha256:${sha256Hex(apiKey).slice(0, 16)}`;
}

const KEPT_REQUEST_HEADERS = ['content-type', 'binancepay-timestamp', 'binancepay-nonce'];

export function redactRequestHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_REQUEST_HEADERS) {
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  const key = headers['binancepay-certificate-sn'];
  if (key !== undefined) out['binancepay-certificate-sn'] = keyFingerprint(key);
  if (headers['binancepay-signature'] !== undefined) out['binancepay-signature'] = REDACTED;
  return out;
}

export function redactResponseHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['content-type', 'retry-after']) {
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object' && !isJsonNumber(value)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([k, v]) => !VOLATILE_REQUEST_FIELDS.has(k) && v !== null && v !== '');
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

/**
 * What makes two requests "the same" for replay: the path and the redacted body, with members in
 * any order, nulls and empty strings dropped (absent, as Binance reads them), absolute times
 * ignored, and the body-less forms ("", {}, [], null) equal.
 */
export function requestKey(path: string, bodyText: string): string {
  const cleanPath = (path.split('?')[0] ?? path).replace(/\/+$/, '');
  const trimmed = bodyText.trim();
  if (trimmed === '' || trimmed === '{}' || trimmed === '[]' || trimmed === 'null') return `${cleanPath}\n`;
  const parsed = parseJsonExact(redactBody(bodyText));
  return `${cleanPath}\n${parsed.ok ? stringifyJson(canonical(parsed.value)) : trimmed}`;
}

export function newCassette(upstream: string, nowMs: number): Cassette {
  return { format: CASSETTE_FORMAT, version: 1, recordedAt: new Date(nowMs).toISOString(), upstream, redaction: REDACTION_RULES, exchanges: [] };
}

/** Appends exchanges to a cassette file, rewritten whole (to a temporary file, then renamed) each time. */
export class CassetteWriter {
  readonly cassette: Cassette;

  constructor(
    readonly path: string,
    upstream: string,
    nowMs: number,
  ) {
    this.cassette = newCassette(upstream, nowMs);
    this.flush();
  }

  add(exchange: Omit<CassetteExchange, 'seq'>): CassetteExchange {
    const entry: CassetteExchange = { seq: this.cassette.exchanges.length + 1, ...exchange };
    this.cassette.exchanges.push(entry);
    this.flush();
    return entry;
  }

  private flush(): void {
    const temporary = `${this.path}.tmp-${process.pid}`;
    writeFileSync(temporary, JSON.stringify(this.cassette, null, 2) + '\n');
    renameSync(temporary, this.path);
  }
}

export class CassetteError extends Error {
  override name = 'CassetteError';
}

/** Reads and checks a cassette file (or its text). */
export function parseCassette(text: string): Cassette {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CassetteError(`not a cassette: ${(error as Error).message}`);
  }
  const c = value as Partial<Cassette>;
  if (c === null || typeof c !== 'object' || c.format !== CASSETTE_FORMAT) throw new CassetteError(`not a cassette: "format" must be "${CASSETTE_FORMAT}"`);
  if (c.version !== 1) throw new CassetteError(`cassette version ${String(c.version)} is not supported (1 is)`);
  if (!Array.isArray(c.exchanges)) throw new CassetteError('not a cassette: "exchanges" must be a list');
  c.exchanges.forEach((e, i) => {
    const ok = e && typeof e === 'object' && typeof e.request?.path === 'string' && typeof e.request?.body === 'string' && typeof e.response?.status === 'number' && typeof e.response?.body === 'string';
    if (!ok) throw new CassetteError(`exchange ${i + 1}: needs request.path, request.body, response.status and response.body`);
  });
  return c as Cassette;
}

export function readCassette(path: string): Cassette {
  return parseCassette(readFileSync(path, 'utf8'));
}
