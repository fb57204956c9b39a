/**
 * The management API under /admin/v1: bearer admin token, JSON in and out, errors from the one
 * catalog in the same envelope shape as the Binance surface ({status, code, data, errorMessage}).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError, Errors, isAppError } from '../../domain/errors.ts';
import { isJsonNumber, parseJsonExact, stringifyJson } from '../../lib/json.ts';
import { constantTimeEqual } from '../../lib/signature.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { positiveId } from '../shared/cursors.ts';

export const ADMIN_PREFIX = '/admin/v1';

export interface AdminContext {
  deps: ServiceDeps;
}

export type AdminRoutes = (app: FastifyInstance, ctx: AdminContext) => void;

/** Exact JSON with numbers made friendly: safe integers become numbers, any other literal a string. */
function adminJson(value: unknown): unknown {
  if (isJsonNumber(value)) {
    const text = value.toString();
    return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
  }
  if (Array.isArray(value)) return value.map(adminJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, adminJson(v)]));
  }
  return value;
}

export function sendOk(reply: FastifyReply, data: unknown, httpStatus = 200): FastifyReply {
  return reply.code(httpStatus).type('application/json; charset=utf-8').send(stringifyJson({ status: 'SUCCESS', code: '000000', data, errorMessage: '' }));
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  let spec = Errors.UNKNOWN_ERROR as (typeof Errors)[keyof typeof Errors];
  let message: string = spec.message;
  let httpStatus = 500;
  if (isAppError(error)) {
    spec = error.spec as typeof spec;
    message = error.message;
    httpStatus = error.spec.httpStatus === 400 && error.spec.origin !== 'sandbox' ? 400 : error.spec.httpStatus;
  } else {
    const fe = error as { statusCode?: number; message?: string; code?: string };
    if (fe.statusCode !== undefined && fe.statusCode < 500) {
      spec = Errors.BAD_ADMIN_REQUEST;
      message = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'Request body too large.' : (fe.message ?? spec.message);
      httpStatus = fe.statusCode;
    } else {
      request.log.error({ err: error }, 'unexpected failure on the admin API');
    }
  }
  const extra = isAppError(error) ? (error.extra ?? {}) : {};
  return reply.code(httpStatus).type('application/json; charset=utf-8').send(stringifyJson({ status: 'FAIL', code: spec.code, errorMessage: message, ...extra }));
}

type Issue = z.core.$ZodIssue;

/** A union's "Invalid input" says nothing: the branch that got furthest (not a type mismatch) says why. */
function explained(issue: Issue | undefined, path: PropertyKey[] = []): (Issue & { path: PropertyKey[] }) | undefined {
  if (issue === undefined) return undefined;
  const at = [...path, ...issue.path];
  if (issue.code !== 'invalid_union') return { ...issue, path: at };
  const reasons = issue.errors.flat().filter((i) => i.code !== 'invalid_type');
  return reasons[0] ? explained(reasons[0], at) : { ...issue, path: at };
}

/** Validates admin input; the first issue becomes a 400 with the field named. */
export function parseAdmin<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const first = explained(result.error.issues[0]);
  const field = first?.path.map(String).join('.') || 'body';
  throw new AppError(Errors.BAD_ADMIN_REQUEST, `${field}: ${first?.message ?? 'invalid'}`);
}

export function adminPlugin(deps: ServiceDeps, adminToken: string, routes: AdminRoutes[], bodyLimit: number) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, {});
      const parsed = parseJsonExact(text);
      if (!parsed.ok) return done(new AppError(Errors.BAD_ADMIN_REQUEST, `body is not valid JSON: ${parsed.message}`), undefined);
      let value: unknown;
      try {
        value = adminJson(parsed.value);
      } catch (error) {
        // nesting the parser survived can still exhaust the stack here: a bad request, not a 500
        if (error instanceof RangeError) return done(new AppError(Errors.BAD_ADMIN_REQUEST, 'body is not valid JSON: nesting too deep'), undefined);
        throw error;
      }
      done(null, value);
    });

    app.addHook('onRequest', async (request, reply) => {
      const auth = request.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
      if (!token || !constantTimeEqual(token, adminToken)) {
        return sendError(request, reply, new AppError(Errors.ADMIN_UNAUTHORIZED, 'Missing or wrong admin token: send Authorization: Bearer <token> (see <data>/admin-token or BPAY_ADMIN_TOKEN).'));
      }
    });

    app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
    app.setNotFoundHandler((request, reply) => sendError(request, reply, new AppError(Errors.NOT_FOUND, `No admin route ${request.method} ${request.url.split('?')[0]}.`)));

    for (const register of routes) register(app, { deps });
  };
}

/**
 * Who is acting, for the audit log: `X-Bpay-Actor` when the caller names itself (the CLI sends
 * cli:<user>@<host>, the dashboard its session), else `admin`. Anyone holding the admin token may
 * name themselves; the log records what the token holder claimed.
 */
export function actorOf(request: FastifyRequest): string {
  const claimed = request.headers['x-bpay-actor'];
  const value = Array.isArray(claimed) ? claimed[0] : claimed;
  return value && /^[\x21-\x7e][\x20-\x7e]{0,63}$/.test(value) ? value : 'admin';
}

/** Route params that are numeric ids. */
export const idParam = positiveId;
