/**
 * What the browser-facing pages (checkout and dashboard) share: cookies, the same-origin check that
 * guards every POST, security headers with a per-response CSP nonce, and the JSON envelope of their
 * small APIs. No framework plugins: the few lines here are all these pages need.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, Errors, isAppError, type ErrorSpec } from '../../domain/errors.ts';
import { stringifyJson } from '../../lib/json.ts';

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  /** omitted: a session cookie; 0: delete it */
  maxAgeSeconds?: number;
  secure: boolean;
}

/** HttpOnly and SameSite=Strict always: scripts never read these cookies and other sites never send them. */
export function setCookie(reply: FastifyReply, name: string, value: string, o: CookieOptions): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${o.path}`, 'HttpOnly', 'SameSite=Strict'];
  if (o.maxAgeSeconds !== undefined) parts.push(`Max-Age=${o.maxAgeSeconds}`);
  if (o.secure) parts.push('Secure');
  const previous = reply.getHeader('set-cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
  reply.header('set-cookie', [...list, parts.join('; ')]);
}

export function clearCookie(reply: FastifyReply, name: string, path: string, secure: boolean): void {
  setCookie(reply, name, '', { path, maxAgeSeconds: 0, secure });
}

export function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

/**
 * CSRF defence for every POST of the checkout and the dashboard: the browser must say the request
 * comes from a page of this server. Browsers send `Origin` on every POST (and `Sec-Fetch-Site`);
 * a request without `Origin` is refused too, so a client that is not a browser has to name itself
 * as this origin — which it can only do on purpose, not by being tricked.
 */
export function isSameOrigin(request: FastifyRequest, publicUrl: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || origin === '' || origin === 'null') return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.host === request.host && parsed.protocol === `${request.protocol}:`) return true;
  try {
    return parsed.origin === new URL(publicUrl).origin;
  } catch {
    return false;
  }
}

export function requireSameOrigin(request: FastifyRequest, publicUrl: string): void {
  if (!isSameOrigin(request, publicUrl)) {
    throw new AppError(Errors.CROSS_SITE_REQUEST, 'This request did not come from a page of this server (Origin header missing or foreign).');
  }
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Headers of every HTML page: a strict CSP (only this response's nonce may run scripts or styles,
 * nothing loads from elsewhere — the machines may be offline and pages must not leak), no framing,
 * no referrer to other sites (checkout URLs carry the link token; `same-origin`, not `no-referrer`,
 * because with `no-referrer` browsers send `Origin: null` on form POSTs and the origin check needs
 * the real one), no caching.
 */
export function htmlHeaders(reply: FastifyReply, nonce: string): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin');
}

/** JSON text safe inside a <script type="application/json"> element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Only http(s) URLs become links or redirects: a merchant's returnUrl must never run script. */
export function isHttpUrl(text: string | null | undefined): text is string {
  if (!text) return false;
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function sendData(reply: FastifyReply, data: unknown, httpStatus = 200): FastifyReply {
  return reply.code(httpStatus).type('application/json; charset=utf-8').header('cache-control', 'no-store').send(stringifyJson({ status: 'SUCCESS', code: '000000', data, errorMessage: '' }));
}

/** The admin API's error envelope, with the catalog's HTTP status; unexpected failures are logged, not shown. */
export function sendFailure(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  let spec: ErrorSpec = Errors.UNKNOWN_ERROR;
  let message: string = spec.message;
  let httpStatus = 500;
  if (isAppError(error)) {
    spec = error.spec;
    message = error.message;
    httpStatus = error.spec.httpStatus;
  } else {
    const fe = error as { statusCode?: number; message?: string };
    if (fe.statusCode !== undefined && fe.statusCode < 500) {
      spec = Errors.BAD_ADMIN_REQUEST;
      message = fe.message ?? spec.message;
      httpStatus = fe.statusCode;
    } else {
      request.log.error({ err: error }, 'unexpected failure on a browser page');
    }
  }
  return reply.code(httpStatus).type('application/json; charset=utf-8').header('cache-control', 'no-store').send(stringifyJson({ status: 'FAIL', code: spec.code, errorMessage: message }));
}
