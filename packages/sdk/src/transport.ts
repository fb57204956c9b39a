/**
 * One signed HTTP exchange. Knows headers, signing and timeouts; knows nothing about endpoints.
 * Every computed part can be overridden so the server's test-suite can send deliberately wrong
 * requests (bad signature, stale timestamp, missing header, wrong method or media type — §1.6).
 */
import { parseEnvelope, type RawResponse } from './envelope.ts';
import { BinancePayTransportError } from './errors.ts';
import { buildSignaturePayload, signRequest } from './signing.ts';

export interface RequestOptions {
  /** Exact body string to send and sign, instead of `JSON.stringify(body)`. */
  rawBody?: string;
  timestamp?: string | number;
  nonce?: string;
  /** Sent as-is instead of the computed HMAC. */
  signature?: string;
  /** Extra/replacement headers (case-insensitive); a value of `undefined` removes the header. */
  headers?: Record<string, string | undefined>;
  /** Default `POST`. With `GET`/`HEAD` no body is sent (fetch forbids one); it is still signed. */
  method?: string;
  /** Replaces `application/json`; `null` removes the content-type header. */
  contentType?: string | null;
}

export interface TransportConfig {
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  now: () => number;
  nonce: () => string;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** Body text per the client contract: the raw override, else JSON, else empty (§1.3 empty-body rule). */
export function serializeBody(body: unknown, rawBody: string | undefined): string {
  if (rawBody !== undefined) return rawBody;
  return body === undefined ? '' : JSON.stringify(body);
}

function setHeader(headers: Record<string, string>, name: string, value: string | undefined | null): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) delete headers[key];
  if (value != null) headers[name] = value;
}

/** fact sheet §1.2: the five headers, signature over the exact body string (§1.3). */
export function buildHeaders(config: TransportConfig, bodyText: string, opts: RequestOptions): Record<string, string> {
  const timestamp = String(opts.timestamp ?? config.now());
  const nonce = opts.nonce ?? config.nonce();
  const signature = opts.signature ?? signRequest(config.apiSecret, buildSignaturePayload(timestamp, nonce, bodyText));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'BinancePay-Timestamp': timestamp,
    'BinancePay-Nonce': nonce,
    'BinancePay-Certificate-SN': config.apiKey,
    'BinancePay-Signature': signature,
  };
  if (opts.contentType !== undefined) setHeader(headers, 'content-type', opts.contentType);
  for (const [name, value] of Object.entries(opts.headers ?? {})) setHeader(headers, name, value);
  return headers;
}

function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

/** Never throws on an HTTP answer, whatever its status or body; only on transport failure. */
export async function send<T>(config: TransportConfig, path: string, body: unknown, opts: RequestOptions = {}): Promise<RawResponse<T>> {
  const bodyText = serializeBody(body, opts.rawBody);
  const headers = buildHeaders(config, bodyText, opts);
  const method = (opts.method ?? 'POST').toUpperCase();
  const url = joinUrl(config.baseUrl, path);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), config.timeoutMs);
  try {
    const res = await config.fetch(url, {
      method,
      headers,
      // Bytes, not a string: fetch would otherwise add `text/plain` when contentType is null.
      body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.from(bodyText, 'utf8'),
      signal: controller.signal,
    });
    const rawText = await res.text();
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    return { httpStatus: res.status, headers: responseHeaders, rawText, envelope: parseEnvelope<T>(rawText) };
  } catch (err) {
    if (controller.signal.aborted) {
      throw new BinancePayTransportError('TIMEOUT', `${method} ${url} timed out after ${config.timeoutMs} ms`, { cause: err });
    }
    throw new BinancePayTransportError('NETWORK', `${method} ${url} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
