/**
 * The validation proxy (`bpay proxy`): forwards every request to the upstream (Binance Pay or this
 * server) and its answer back unchanged — same method, path, headers, body bytes, status — and,
 * after the answer has left, judges the exchange with the conformance kit's checks
 * (conformance/inspect.ts): signature (when the merchant's secret is given), headers and body
 * fields of the request, envelope and `data` of the answer. Violations go to the log and to the
 * dashboard page at /_bpay/proxy; with a cassette, exchanges are recorded (redacted) for replay.
 *
 * The only paths it does not forward are its own, under /_bpay/proxy. Paths outside the Binance API
 * (a sandbox's admin API, checkout pages) are forwarded too, but neither judged nor recorded.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { request as upstreamRequest } from 'undici';
import { CassetteWriter, redactBody, redactRequestHeaders, redactResponseHeaders } from '../../conformance/cassette.ts';
import { checkRequest, checkResponse } from '../../conformance/inspect.ts';
import type { Difference } from '../../conformance/shape.ts';
import { API_PREFIX, endpointOfPath } from '../../conformance/shapes.ts';
import { htmlHeaders, newNonce } from '../checkout/web.ts';
import { proxyPage } from '../dashboard/proxy.ts';

export const PROXY_PREFIX = '/_bpay/proxy';

export interface ProxyOptions {
  /** where requests go, e.g. https://bpay.binanceapi.com */
  upstream: string;
  /** API key → secret, to verify signatures; the key `*` verifies every key with one secret */
  secrets?: ReadonlyMap<string, string>;
  /** cassette file to record exchanges to */
  record?: string | undefined;
  /** accepted BinancePay-Timestamp skew (default 60 s; Binance documents 1 s) */
  windowMs?: number;
  /** exchanges kept for the dashboard (default 500) */
  keep?: number;
  /** one line per exchange (and the exchange) */
  log?: (line: string, exchange: ProxyExchange | undefined) => void;
  now?: () => number;
  /** upstream timeout per exchange (default 60 s) */
  timeoutMs?: number;
}

export interface ProxyExchange {
  seq: number;
  atMs: number;
  durationMs: number;
  method: string;
  path: string;
  endpoint: string | undefined;
  httpStatus: number;
  status: string | undefined;
  code: string | undefined;
  signature: 'valid' | 'invalid' | 'unchecked';
  violations: Difference[];
  /** the cassette entry, when recording */
  recorded: number | undefined;
}

export interface ProxyStats {
  upstream: string;
  recording: string | undefined;
  verifiesSignatures: boolean;
  exchanges: number;
  withViolations: number;
  errors: number;
  warnings: number;
  signaturesValid: number;
  signaturesInvalid: number;
}

export interface ProxyServer {
  app: FastifyInstance;
  /** newest first */
  exchanges(): ProxyExchange[];
  stats(): ProxyStats;
  /** resolves when every exchange answered so far has been judged (and recorded) */
  settled(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** The answer's text for judging; the bytes forwarded stay as the upstream sent them. */
function decoded(body: Buffer, encoding: string | undefined): string {
  try {
    switch (encoding?.trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(body).toString('utf8');
      case 'br':
        return brotliDecompressSync(body).toString('utf8');
      case 'deflate':
        return inflateSync(body).toString('utf8');
      default:
        return body.toString('utf8');
    }
  } catch {
    return body.toString('utf8');
  }
}

function logLine(e: ProxyExchange): string {
  const head = `${e.method} ${e.path} → ${e.httpStatus || 'no answer'} ${e.status ?? ''} ${e.code ?? ''}`.replace(/\s+/g, ' ').trim();
  const sig = e.signature === 'unchecked' ? '' : ` signature ${e.signature}`;
  if (e.violations.length === 0) return `${head} (${e.durationMs} ms)${sig} ok`;
  return `${head} (${e.durationMs} ms)${sig} ${e.violations.length} violation(s): ${e.violations.map((v) => `${v.severity === 'warning' ? '[warning] ' : ''}${v.path} ${v.kind}: expected ${v.expected}, got ${v.actual}`).join('; ')}`;
}

export async function buildProxy(options: ProxyOptions): Promise<ProxyServer> {
  const upstream = new URL(options.upstream);
  const now = options.now ?? Date.now;
  const keep = options.keep ?? 500;
  const recorder = options.record ? new CassetteWriter(options.record, upstream.origin, now()) : undefined;
  const recent: ProxyExchange[] = [];
  const totals = { exchanges: 0, withViolations: 0, errors: 0, warnings: 0, signaturesValid: 0, signaturesInvalid: 0 };
  let seq = 0;
  let pending = Promise.resolve();
  // nonces seen per API key, for as long as a timestamp stays acceptable (twice the window, as the server keeps them)
  const windowMs = options.windowMs ?? 60_000;
  const nonces = new Map<string, number>();
  const MAX_NONCES = 100_000;
  const replayedNonce = (apiKey: string | undefined, nonce: string | undefined, atMs: number): boolean => {
    if (!apiKey || !nonce) return false;
    const key = `${apiKey}\n${nonce}`;
    const seen = nonces.get(key);
    if (nonces.size >= MAX_NONCES) {
      for (const [k, t] of nonces) if (atMs - t > 2 * windowMs) nonces.delete(k);
      // still full: forget the oldest (Map keeps insertion order)
      while (nonces.size >= MAX_NONCES) nonces.delete(nonces.keys().next().value as string);
    }
    nonces.set(key, atMs);
    return seen !== undefined && atMs - seen <= 2 * windowMs;
  };

  const secretOf = (apiKey: string) => options.secrets?.get(apiKey) ?? options.secrets?.get('*');

  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024, routerOptions: { maxParamLength: 500 } });
  // the bytes as they came: signatures cover them and they are forwarded as is
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const stats = (): ProxyStats => ({ upstream: upstream.origin, recording: options.record, verifiesSignatures: (options.secrets?.size ?? 0) > 0, ...totals });

  app.get(PROXY_PREFIX, async (_request, reply) => {
    const nonce = newNonce();
    return htmlHeaders(reply, nonce).send(proxyPage({ stats: stats(), exchanges: [...recent].reverse(), nonce }));
  });
  app.get(`${PROXY_PREFIX}/exchanges`, async (_request, reply) => reply.type('application/json; charset=utf-8').header('cache-control', 'no-store').send(JSON.stringify({ stats: stats(), exchanges: [...recent].reverse() })));

  const judge = (input: { method: string; path: string; headers: Record<string, string>; body: Buffer; atMs: number; durationMs: number; httpStatus: number; responseHeaders: Record<string, string>; responseText: string; transportError: string | undefined }) => {
    // other paths (a sandbox's admin API, its checkout pages) are forwarded but not judged or listed
    if (!input.path.startsWith(API_PREFIX)) return;
    const endpoint = endpointOfPath(input.path);
    const violations: Difference[] = [];
    let status: string | undefined;
    let code: string | undefined;
    const req = checkRequest({ method: input.method, path: input.path, headers: input.headers, body: input.body, endpoint, secretOf, nowMs: input.atMs, windowMs });
    violations.push(...req.differences);
    if (replayedNonce(input.headers['binancepay-certificate-sn'], input.headers['binancepay-nonce'], input.atMs)) {
      violations.push({ path: 'request.header.BinancePay-Nonce', kind: 'value', expected: 'a nonce not used before by this API key', actual: 'a nonce this key already sent (a replay, or a nonce generator that repeats)', severity: 'error' });
    }
    const signature: ProxyExchange['signature'] = req.signatureValid === undefined ? 'unchecked' : req.signatureValid ? 'valid' : 'invalid';
    if (input.transportError !== undefined) {
      violations.push({ path: 'transport', kind: 'transport', expected: 'an answer from the upstream', actual: input.transportError, severity: 'error' });
    } else {
      const res = checkResponse(endpoint, input.httpStatus, input.responseText);
      violations.push(...res.differences.map((d) => ({ ...d, path: d.path === 'http' || d.path === 'body' ? `response.${d.path}` : `response${d.path ? `.${d.path}` : ''}` })));
      status = res.status;
      code = res.code;
    }
    let recorded: number | undefined;
    if (recorder && input.transportError === undefined) {
      recorded = recorder.add({
        atMs: input.atMs,
        durationMs: input.durationMs,
        request: { method: input.method, path: input.path, headers: redactRequestHeaders(input.headers), body: redactBody(input.body.toString('utf8')) },
        response: { status: input.httpStatus, headers: redactResponseHeaders(input.responseHeaders), body: redactBody(input.responseText) },
      }).seq;
    }
    const exchange: ProxyExchange = { seq: ++seq, atMs: input.atMs, durationMs: input.durationMs, method: input.method, path: input.path, endpoint: endpoint?.name, httpStatus: input.httpStatus, status, code, signature, violations, recorded };
    totals.exchanges++;
    if (violations.length > 0) totals.withViolations++;
    totals.errors += violations.filter((v) => v.severity === 'error').length;
    totals.warnings += violations.filter((v) => v.severity === 'warning').length;
    if (signature === 'valid') totals.signaturesValid++;
    if (signature === 'invalid') totals.signaturesInvalid++;
    recent.push(exchange);
    if (recent.length > keep) recent.shift();
    options.log?.(logLine(exchange), exchange);
  };

  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const atMs = now();
    const started = performance.now();
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const headers = flatHeaders(request.headers);
    const outgoing = Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k)));
    const target = new URL(request.url, upstream);
    let httpStatus = 0;
    let responseHeaders: Record<string, string> = {};
    let responseBody = Buffer.alloc(0);
    let transportError: string | undefined;
    try {
      const answer = await upstreamRequest(target, {
        method: request.method as (typeof METHODS)[number],
        headers: outgoing,
        ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body }),
        headersTimeout: options.timeoutMs ?? 60_000,
        bodyTimeout: options.timeoutMs ?? 60_000,
      });
      httpStatus = answer.statusCode;
      responseHeaders = flatHeaders(answer.headers);
      responseBody = Buffer.from(await answer.body.arrayBuffer());
    } catch (error) {
      transportError = error instanceof Error ? error.message : String(error);
    }
    const durationMs = Math.round(performance.now() - started);
    const judged = () =>
      judge({ method: request.method, path: request.url, headers, body, atMs, durationMs, httpStatus, responseHeaders, responseText: transportError === undefined ? decoded(responseBody, responseHeaders['content-encoding']) : '', transportError });
    // judged after the answer is on its way: checking never delays or alters the traffic
    pending = pending.then(
      () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            try {
              judged();
            } catch (error) {
              options.log?.(`bpay proxy: could not judge ${request.method} ${request.url}: ${(error as Error).message}`, undefined);
            } finally {
              resolve();
            }
          }),
        ),
    );
    if (transportError !== undefined) {
      return reply.code(502).type('application/json; charset=utf-8').send(JSON.stringify({ status: 'FAIL', code: '400000', errorMessage: `bpay proxy: the upstream ${upstream.origin} did not answer: ${transportError}` }));
    }
    reply.code(httpStatus);
    for (const [k, v] of Object.entries(responseHeaders)) if (!HOP_BY_HOP.has(k)) reply.header(k, v);
    return reply.send(responseBody);
  };

  app.route({ method: [...METHODS], url: '/*', exposeHeadRoute: false, handler: forward });
  app.route({ method: [...METHODS], url: '/', exposeHeadRoute: false, handler: forward });

  return {
    app,
    exchanges: () => [...recent].reverse(),
    stats,
    settled: () => pending,
  };
}
