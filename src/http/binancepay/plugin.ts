/**
 * The Binance Pay surface as one Fastify plugin: raw-body parsing, authentication in Binance's
 * order, the envelope, and JSON errors for everything (never an HTML page or a stack trace).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, Errors, fail } from '../../domain/errors.ts';
import type { Merchant } from '../../domain/merchant.ts';
import { controlCharacterMessage, findControlCharacter } from '../../lib/control-characters.ts';
import { isJsonNumber, parseJsonExact } from '../../lib/json.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { authenticateRequest } from '../../services/request-auth.ts';
import { failureOf, successBody } from './envelope.ts';
import { closestPath } from './paths.ts';

export const BINANCE_PREFIX = '/binancepay/openapi';

export interface BinanceContext {
  deps: ServiceDeps;
  merchant: Merchant;
  apiKey: string;
  /** The body parsed from the verified bytes; numbers are JsonNumber (exact). */
  body: Record<string, unknown>;
  requestId: string;
}

export type BinanceHandler = (ctx: BinanceContext) => Promise<unknown>;

export interface BinanceRouteOptions {
  /** Endpoints without parameters accept "", {}, [] and null (fact sheet §1.3). */
  bodyless?: boolean;
}

export interface BinanceRouter {
  post(path: string, handler: BinanceHandler, options?: BinanceRouteOptions): void;
}

export type BinanceRoutes = (router: BinanceRouter) => void;

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function checkContentType(value: string | undefined): void {
  if (value === undefined || value.trim() === '') fail(Errors.MEDIA_TYPE_NOT_SUPPORTED, 'Header content-type is missing: send application/json.');
  const media = value.split(';')[0]?.trim().toLowerCase();
  if (media !== 'application/json') fail(Errors.MEDIA_TYPE_NOT_SUPPORTED, `Media type ${value.slice(0, 80)} is not supported: send application/json.`);
}

function parseRequestBody(raw: Buffer, bodyless: boolean): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    fail(Errors.INVALID_REQUEST_BODY, 'Request body is not valid UTF-8.');
  }
  const trimmed = text.trim();
  if (bodyless && (trimmed === '' || trimmed === '{}' || trimmed === '[]' || trimmed === 'null')) return {};
  if (trimmed === '') fail(Errors.INVALID_REQUEST_BODY, 'Request body is empty: send a JSON object.');
  const parsed = parseJsonExact(text);
  if (!parsed.ok) fail(Errors.INVALID_REQUEST_BODY, `Request body is not a valid json object: ${parsed.message}.`);
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isJsonNumber(value)) fail(Errors.INVALID_REQUEST_BODY, 'Request body is not a valid json object: expected an object.');
  return value as Record<string, unknown>;
}

/**
 * Strict mode answers what Binance's gateway answers before any API check (fact sheet §1.6, FAQ):
 * 100001001 for a method other than POST, a missing content type, or a missing body.
 */
function gatewayCheck(request: FastifyRequest, raw: Buffer, bodyless: boolean): void {
  const contentType = header(request, 'content-type');
  if (request.method !== 'POST' || contentType === undefined || contentType.trim() === '' || (!bodyless && raw.toString('utf8').trim() === '')) {
    fail(Errors.SYSTEM_ABNORMALITY);
  }
}

/** The one control-character rule (lib/control-characters.ts) on the parsed body and the query: 400103, field named. */
function checkControlCharacters(body: unknown, query: unknown): void {
  const hit = findControlCharacter(body) ?? findControlCharacter(query, 'query');
  if (hit) fail(Errors.INVALID_PARAM_ILLEGAL_CHAR, controlCharacterMessage(hit));
}

function sendFailure(request: FastifyRequest, reply: FastifyReply, error: unknown, settings: ServiceDeps['settings']): FastifyReply {
  const failure = failureOf(error, { strict: settings.strict, extraFields: settings.signatureDebug });
  if (failure.unexpected) request.log.error({ err: error }, 'unexpected failure on the Binance Pay surface');
  else request.log.info({ code: (error as AppError).code, msg: (error as AppError).message }, 'request failed');
  return reply.code(failure.httpStatus).type('application/json; charset=utf-8').send(failure.body);
}

/** Framework errors raised before a handler runs (body limit, parser) in Binance terms. */
function frameworkError(error: { code?: string; statusCode?: number; message?: string }): unknown {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(Errors.INVALID_REQUEST_TOO_LARGE);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(Errors.MEDIA_TYPE_NOT_SUPPORTED);
    default:
      if (error.statusCode !== undefined && error.statusCode < 500) return new AppError(Errors.INVALID_REQUEST, error.message);
      return error;
  }
}

/** Recorded answers to replay before the simulation answers (replay.ts; `bpay serve --replay`). */
export interface RecordedAnswers {
  answer(merchantId: number, path: string, bodyText: string): { seq: number; status: number; contentType: string; body: string } | undefined;
}

export function binancePayPlugin(deps: ServiceDeps, routes: BinanceRoutes[], bodyLimit: number, recorded?: RecordedAnswers) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const paths: string[] = [];

    // Keep the raw bytes: the signature covers them and JSON is parsed from them (fact sheet §1.3).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));

    app.setErrorHandler((error, request, reply) => sendFailure(request, reply, frameworkError(error as { code?: string }), deps.settings));

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? request.url;
      const suggestion = closestPath(path, paths);
      const hint = suggestion ? ` Did you mean ${suggestion}?` : '';
      sendFailure(request, reply, new AppError(Errors.PATH_NOT_FOUND, `No API path ${path.slice(0, 200)} on this server.${hint}`), deps.settings);
    });

    const router: BinanceRouter = {
      post(path, handler, options = {}) {
        paths.push(BINANCE_PREFIX + path);
        app.route({
          method: [...ALL_METHODS],
          url: path,
          exposeHeadRoute: false,
          handler: async (request, reply) => {
            try {
              const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
              if (deps.settings.strict) gatewayCheck(request, raw, options.bodyless ?? false);
              if (request.method !== 'POST') fail(Errors.BAD_HTTP_METHOD, `Request method ${request.method} not supported: use POST.`);
              checkContentType(header(request, 'content-type'));
              const auth = await authenticateRequest(deps, {
                apiKey: header(request, 'binancepay-certificate-sn'),
                timestamp: header(request, 'binancepay-timestamp'),
                nonce: header(request, 'binancepay-nonce'),
                signature: header(request, 'binancepay-signature'),
                body: raw,
                clientIp: request.ip,
              });
              // optional per-key limit for the cluster, after authentication (docs/deployment.md, fact sheet §7.6)
              const retryAfterMs = (await deps.rateLimiter?.take(auth.apiKey)) ?? 0;
              if (retryAfterMs > 0) {
                reply.header('retry-after', String(Math.ceil(retryAfterMs / 1000)));
                fail(Errors.FAIL_RATE_HIGH, `${Errors.FAIL_RATE_HIGH.message} (this API key may send ${deps.rateLimiter?.describe() ?? ''}; retry in ${retryAfterMs} ms).`);
              }
              const body = parseRequestBody(raw, options.bodyless ?? false);
              checkControlCharacters(body, request.query);
              const replayed = recorded?.answer(auth.merchant.merchantId, BINANCE_PREFIX + path, raw.toString('utf8'));
              if (replayed) return reply.code(replayed.status).type(replayed.contentType).header('x-bpay-replay', String(replayed.seq)).send(replayed.body);
              const result = await handler({ deps, merchant: auth.merchant, apiKey: auth.apiKey, body, requestId: String(request.id) });
              return reply.code(200).type('application/json; charset=utf-8').send(successBody(result));
            } catch (error) {
              return sendFailure(request, reply, error, deps.settings);
            }
          },
        });
      },
    };
    for (const register of routes) register(router);
  };
}
