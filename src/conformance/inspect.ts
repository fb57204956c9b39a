/**
 * Checks one exchange against the shapes: the request (method, media type, the four Binance
 * headers, the signature when the secret is known, the body's fields) and the answer (envelope,
 * `data` of a known endpoint, HTTP status, code). The conformance kit and the validation proxy
 * both call these, so they judge traffic by the same rules.
 */
import { isJsonNumber, parseJsonExact } from '../lib/json.ts';
import { constantTimeEqual, hmacSha512UpperHex, signaturePayloadBytes } from '../lib/signature.ts';
import { checkShape, describeValue, type Difference } from './shape.ts';
import { ENVELOPE_EXTENSIONS, FAILURE_ENVELOPE, GATEWAY_ERROR, KNOWN_CODES, successEnvelope, type EndpointShape } from './shapes.ts';

export interface ResponseCheck {
  differences: Difference[];
  /** the parsed envelope (numbers as JsonNumber), undefined when the body is not JSON */
  envelope: Record<string, unknown> | undefined;
  status: string | undefined;
  code: string | undefined;
  errorMessage: string | undefined;
  /** envelope members that are extensions (ENVELOPE_EXTENSIONS) */
  extensions: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !isJsonNumber(v);

/**
 * The answer on its own: a JSON envelope of the right shape, `data` as the endpoint documents,
 * HTTP 200 for success and 400 for FAIL (the mapping a working client relies on, fact sheet §2:
 * inferred, so a different status is a warning).
 */
export function checkResponse(endpoint: EndpointShape | undefined, httpStatus: number, bodyText: string): ResponseCheck {
  const result: ResponseCheck = { differences: [], envelope: undefined, status: undefined, code: undefined, errorMessage: undefined, extensions: [] };
  const parsed = parseJsonExact(bodyText);
  if (!parsed.ok || !isRecord(parsed.value)) {
    result.differences.push({ path: 'body', kind: 'type', expected: 'a JSON envelope object', actual: parsed.ok ? describeValue(parsed.value) : `not JSON (${bodyText.slice(0, 60).replace(/\s+/g, ' ')})`, severity: 'error' });
    return result;
  }
  const envelope = parsed.value;
  result.envelope = envelope;
  result.status = typeof envelope.status === 'string' ? envelope.status : undefined;
  result.code = typeof envelope.code === 'string' ? envelope.code : isJsonNumber(envelope.code) ? String(envelope.code) : undefined;
  result.errorMessage = typeof envelope.errorMessage === 'string' ? envelope.errorMessage : undefined;
  const statuses = endpoint?.statuses ?? ['SUCCESS'];
  if (result.status === 'SUCCESS' || result.status === 'REPEAT_REQ_SUCCESS') {
    result.differences.push(...checkShape(envelope, successEnvelope(endpoint?.data ?? { kind: 'any' }, statuses), ''));
    if (httpStatus !== 200) result.differences.push({ path: 'http', kind: 'status', expected: 'HTTP 200', actual: `HTTP ${httpStatus}`, severity: 'error' });
  } else if (result.status === 'FAIL') {
    result.differences.push(...checkShape(envelope, FAILURE_ENVELOPE, ''));
    result.extensions = Object.keys(envelope).filter((k) => ENVELOPE_EXTENSIONS.includes(k));
    if (result.code !== undefined && !(result.code in KNOWN_CODES)) {
      result.differences.push({ path: 'code', kind: 'code', expected: 'a code of the fact sheet (§6)', actual: result.code, severity: 'warning' });
    }
    if (httpStatus !== 400) result.differences.push({ path: 'http', kind: 'status', expected: 'HTTP 400', actual: `HTTP ${httpStatus}`, severity: 'warning' });
  } else if (result.status === 'ERROR') {
    result.differences.push(...checkShape(envelope, GATEWAY_ERROR, ''));
  } else {
    result.differences.push({ path: 'status', kind: 'enum', expected: 'SUCCESS | FAIL (or REPEAT_REQ_SUCCESS, ERROR)', actual: describeValue(envelope.status), severity: 'error' });
  }
  return result;
}

export interface RequestCheckInput {
  method: string;
  path: string;
  /** header names in lower case */
  headers: Record<string, string | undefined>;
  body: Buffer;
  endpoint: EndpointShape | undefined;
  /** the secret of an API key, when known: the signature is then verified */
  secretOf?: ((apiKey: string) => string | undefined) | undefined;
  /** clock for the timestamp window check; omitted = no window check */
  nowMs?: number | undefined;
  /** accepted skew of BinancePay-Timestamp (fact sheet §1.4: 1 s documented; default 60 s) */
  windowMs?: number | undefined;
}

export interface RequestCheck {
  differences: Difference[];
  apiKey: string | undefined;
  /** true verified, false mismatched, undefined not checked (no secret) */
  signatureValid: boolean | undefined;
}

const at = (path: string) => `request.${path}`;

/** A request as Binance's gateway would judge it (fact sheet §1), before any business rule. */
export function checkRequest(input: RequestCheckInput): RequestCheck {
  const out: Difference[] = [];
  const h = input.headers;
  if (input.method !== 'POST') out.push({ path: at('method'), kind: 'value', expected: 'POST', actual: input.method, severity: 'error' });
  const media = h['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (media !== 'application/json') out.push({ path: at('header.content-type'), kind: 'value', expected: 'application/json', actual: h['content-type'] ?? 'absent', severity: 'error' });

  const timestamp = h['binancepay-timestamp'];
  const nonce = h['binancepay-nonce'];
  const apiKey = h['binancepay-certificate-sn'];
  const signature = h['binancepay-signature'];
  const header = (name: string, value: string | undefined, expected: string, ok: (v: string) => boolean, severity: 'error' | 'warning' = 'error') => {
    if (value === undefined || value === '') out.push({ path: at(`header.${name}`), kind: 'missing', expected, actual: 'absent', severity: 'error' });
    else if (!ok(value)) out.push({ path: at(`header.${name}`), kind: 'format', expected, actual: describeValue(value), severity });
  };
  header('BinancePay-Timestamp', timestamp, 'epoch milliseconds (13 digits)', (v) => /^\d{13}$/.test(v));
  header('BinancePay-Nonce', nonce, '32 letters or digits', (v) => /^[A-Za-z0-9]{32}$/.test(v));
  // 64 lower-case letters/digits in every example (§1.2, inferred): another format is a warning
  header('BinancePay-Certificate-SN', apiKey, 'the API key (64 letters/digits)', (v) => /^[A-Za-z0-9]{64}$/.test(v), 'warning');
  header('BinancePay-Signature', signature, 'upper-case hex HMAC-SHA512 (128 characters)', (v) => /^[0-9A-F]{128}$/.test(v));

  if (timestamp !== undefined && /^\d+$/.test(timestamp) && input.nowMs !== undefined) {
    const skew = Math.abs(input.nowMs - Number(timestamp));
    const window = input.windowMs ?? 60_000;
    if (skew > window) out.push({ path: at('header.BinancePay-Timestamp'), kind: 'value', expected: `within ${window} ms of now (Binance documents 1 s)`, actual: `${skew} ms away`, severity: 'error' });
  }

  let signatureValid: boolean | undefined;
  const secret = apiKey ? input.secretOf?.(apiKey) : undefined;
  if (secret !== undefined && timestamp !== undefined && nonce !== undefined && signature !== undefined) {
    const expected = hmacSha512UpperHex(secret, signaturePayloadBytes(timestamp, nonce, input.body));
    signatureValid = constantTimeEqual(expected, signature);
    if (!signatureValid) {
      const hint = constantTimeEqual(expected, signature.toUpperCase()) ? 'the right HMAC in lower case (Binance wants upper case)' : 'another value: the body signed is not the body sent, or another secret';
      out.push({ path: at('header.BinancePay-Signature'), kind: 'value', expected: 'HMAC-SHA512 of timestamp\\nnonce\\nbody\\n under the secret', actual: hint, severity: 'error' });
    }
  }

  const text = input.body.toString('utf8');
  if (input.endpoint && input.endpoint.request === undefined) {
    // body-less endpoints take "", {}, [] or null (§1.3)
    if (!['', '{}', '[]', 'null'].includes(text.trim())) out.push({ path: at('body'), kind: 'value', expected: 'no parameters ("", {}, [] or null)', actual: describeValue(text), severity: 'warning' });
  } else if (input.endpoint?.request) {
    const parsed = parseJsonExact(text);
    if (!parsed.ok || !isRecord(parsed.value)) {
      out.push({ path: at('body'), kind: 'type', expected: 'a JSON object', actual: parsed.ok ? describeValue(parsed.value) : 'not JSON', severity: 'error' });
    } else {
      out.push(...checkShape(parsed.value, input.endpoint.request, at('body'), { mode: 'request' }));
    }
  }
  return { differences: out, apiKey, signatureValid };
}

/** The value at a dotted path (`data.status`, `data.balance[0].asset`) of a parsed envelope. */
export function valueAt(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const part of path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter(Boolean))) {
    if (current === null || current === undefined) return undefined;
    if (Array.isArray(current)) current = current[Number(part)];
    else if (typeof current === 'object') current = (current as Record<string, unknown>)[part];
    else return undefined;
  }
  return current;
}

/** A JSON value as plain JS for chaining flows (numbers as their literal text). */
export function plain(value: unknown): unknown {
  if (isJsonNumber(value)) return String(value);
  if (Array.isArray(value)) return value.map(plain);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
