/**
 * The merchant dashboard under /dashboard: server-rendered HTML over the same services as the admin
 * API (docs/checkout.md "Dashboard").
 *
 * Sign-in with the admin token (every merchant) or one merchant's API key and secret (its own data
 * only). The session is a random token in an HttpOnly, SameSite=Strict cookie scoped to /dashboard;
 * the database keeps its hash (services/dashboard-sessions.ts), so signing out ends it everywhere.
 * Every POST must come from a page of this server (Origin) and carry the session's CSRF token.
 * Failed sign-ins are throttled per client address, for every node (services/sign-in-throttle.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, Errors, isAppError } from '../../domain/errors.ts';
import { constantTimeEqual } from '../../lib/signature.ts';
import { resumeSession, signInAdmin, signInMerchant, signOut, SESSION_LIFETIME_MS, type DashboardSession } from '../../services/dashboard-sessions.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { listMerchants } from '../../services/merchants.ts';
import { signInBlocked, signInFailed, signInSucceeded } from '../../services/sign-in-throttle.ts';
import { clearCookie, htmlHeaders, isHttps, newNonce, readCookie, requireSameOrigin, setCookie } from '../checkout/web.ts';
import { alertBox, frame, html, notice, type Content } from './layout.ts';
import { idFilter } from '../shared/cursors.ts';

export const DASHBOARD_PREFIX = '/dashboard';
const SESSION_COOKIE = 'bpay_dash';

export interface PageInput {
  title: string;
  active?: string;
  body: Content;
  status?: number;
}

export interface DashboardContext {
  deps: ServiceDeps;
  /** the signed-in session (the auth hook guarantees one on every route but sign-in) */
  session(request: FastifyRequest): DashboardSession;
  page(request: FastifyRequest, reply: FastifyReply, input: PageInput): FastifyReply;
  /**
   * The merchant filter a list may use: a merchant session always its own id, whatever was asked;
   * the admin what it asked for (undefined = all merchants).
   */
  scope(request: FastifyRequest, requested?: number): number | undefined;
  /** Another merchant's resource does not exist for a merchant session (404, like the Binance API). */
  requireVisible(request: FastifyRequest, merchantId: number): void;
  isAdmin(request: FastifyRequest): boolean;
  /** merchantId → name, for the admin's lists */
  merchantNames(request: FastifyRequest): Promise<Map<number, string>>;
}

export type DashboardRoutes = (app: FastifyInstance, ctx: DashboardContext) => void;

/** Parses a form or query; the first issue becomes a 400 naming the field. */
export function parseForm<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const first = result.error.issues[0];
  throw new AppError(Errors.BAD_ADMIN_REQUEST, `${first?.path.map(String).join('.') || 'form'}: ${first?.message ?? 'invalid'}`);
}

/** Empty form fields mean "not given". */
export const optionalText = (max: number) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v), z.string().max(max).optional());
export const optionalInt = idFilter;

/** Where to go after sign-in: only a path of the dashboard itself (no open redirect). */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/dashboard(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&_%.-]*)?$/.test(next) ? next : '/dashboard/orders';
}

export function dashboardPlugin(deps: ServiceDeps, adminToken: string, routes: DashboardRoutes[]) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const sessions = new WeakMap<FastifyRequest, DashboardSession>();

    // forms post urlencoded; nothing else is accepted here
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    const page = (request: FastifyRequest, reply: FastifyReply, input: PageInput): FastifyReply => {
      const nonce = newNonce();
      return htmlHeaders(reply.code(input.status ?? 200), nonce).send(frame({ title: input.title, nonce, session: sessions.get(request), ...(input.active ? { active: input.active } : {}), body: input.body }));
    };

    const ctx: DashboardContext = {
      deps,
      session(request) {
        const s = sessions.get(request);
        if (!s) throw new AppError(Errors.SIGN_IN_REQUIRED);
        return s;
      },
      page,
      scope(request, requested) {
        const p = ctx.session(request).principal;
        return p.kind === 'MERCHANT' ? p.merchantId : requested;
      },
      requireVisible(request, merchantId) {
        const p = ctx.session(request).principal;
        if (p.kind === 'MERCHANT' && p.merchantId !== merchantId) throw new AppError(Errors.NOT_FOUND, 'Not found.');
      },
      isAdmin: (request) => ctx.session(request).principal.kind === 'ADMIN',
      async merchantNames(request) {
        const p = ctx.session(request).principal;
        if (p.kind === 'MERCHANT') return new Map([[p.merchantId, p.merchantName]]);
        return new Map((await listMerchants(deps, { limit: 1000 })).map((m) => [m.merchantId, m.name]));
      },
    };

    const loginPage = (request: FastifyRequest, reply: FastifyReply, opts: { error?: string; info?: string; next?: string; status?: number }) => {
      const next = safeNext(opts.next);
      return page(request, reply, {
        title: 'Sign in',
        status: opts.status ?? 200,
        body: html`<div class="login">
<h1>Sign in to the dashboard</h1>
${notice(opts.info)}${alertBox(opts.error)}
<form class="stack" method="post" action="/dashboard/login" aria-labelledby="admin-title">
  <h2 id="admin-title">Operator</h2>
  <input type="hidden" name="mode" value="admin"><input type="hidden" name="next" value="${next}">
  <div><label for="admin-token">Admin token</label><input id="admin-token" name="adminToken" type="password" autocomplete="current-password" required aria-describedby="admin-token-hint"></div>
  <p class="hint" id="admin-token-hint">BPAY_ADMIN_TOKEN or the file <code>data/admin-token</code>. Sees every merchant.</p>
  <button type="submit" class="primary" id="admin-sign-in">Sign in as operator</button>
</form>
<form class="stack" method="post" action="/dashboard/login" aria-labelledby="merchant-title">
  <h2 id="merchant-title">Merchant</h2>
  <input type="hidden" name="mode" value="merchant"><input type="hidden" name="next" value="${next}">
  <div><label for="api-key">API key</label><input id="api-key" name="apiKey" autocomplete="username" autocapitalize="off" spellcheck="false" required></div>
  <div><label for="api-secret">API secret</label><input id="api-secret" name="apiSecret" type="password" autocomplete="current-password" required></div>
  <p class="hint">The pair that signs your Binance Pay API requests. Sees only this merchant.</p>
  <button type="submit" class="primary" id="merchant-sign-in">Sign in as merchant</button>
</form>
</div>`,
      });
    };

    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      if (path === '/dashboard/login') return;
      const token = readCookie(request, SESSION_COOKIE);
      const session = token ? await resumeSession(deps, token, adminToken) : undefined;
      if (session) {
        sessions.set(request, session);
        return;
      }
      if (token) clearCookie(reply, SESSION_COOKIE, DASHBOARD_PREFIX, isHttps(request));
      if (request.method === 'GET' || request.method === 'HEAD') {
        const next = path === '/dashboard' || path === '/dashboard/' ? '' : `?next=${encodeURIComponent(request.url)}`;
        return reply.redirect(`/dashboard/login${next}`, 303);
      }
      return loginPage(request, reply, { error: 'Your session has ended. Sign in again.', status: 401 });
    });

    // CSRF: every POST comes from our own page (Origin) and, once signed in, carries the session's token
    app.addHook('preHandler', async (request) => {
      if (request.method !== 'POST') return;
      requireSameOrigin(request, deps.settings.publicUrl);
      const session = sessions.get(request);
      if (!session) return;
      const presented = (request.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof presented !== 'string' || !constantTimeEqual(presented, session.csrfToken)) {
        throw new AppError(Errors.CROSS_SITE_REQUEST, 'This form is out of date or did not come from this dashboard (CSRF token missing or wrong). Reload the page and try again.');
      }
    });

    app.setErrorHandler((error, request, reply) => {
      const known = isAppError(error);
      const status = known ? error.spec.httpStatus : (error as { statusCode?: number }).statusCode ?? 500;
      if (!known && status >= 500) request.log.error({ err: error }, 'unexpected failure on the dashboard');
      const message = known || status < 500 ? (error as Error).message : 'Something went wrong; the server log has the details.';
      const title = status === 404 ? 'Not found' : status === 403 ? 'Refused' : status === 401 ? 'Sign in required' : 'Error';
      return page(request, reply, { title, status, body: html`<h1>${title}</h1>${alertBox(message)}<p><a href="/dashboard/orders">Back to the dashboard</a></p>` });
    });
    app.setNotFoundHandler((request, reply) => page(request, reply, { title: 'Not found', status: 404, body: html`<h1>Not found</h1><p>No dashboard page at ${request.url.split('?')[0] ?? ''}.</p><p><a href="/dashboard/orders">Back to the dashboard</a></p>` }));

    app.get('/', async (_request, reply) => reply.redirect('/dashboard/orders', 303));

    app.get('/login', async (request, reply) => {
      const q = (request.query ?? {}) as Record<string, unknown>;
      const token = readCookie(request, SESSION_COOKIE);
      if (token && (await resumeSession(deps, token, adminToken))) return reply.redirect(safeNext(q.next), 303);
      return loginPage(request, reply, { ...(q.signedOut === '1' ? { info: 'You are signed out.' } : {}), next: typeof q.next === 'string' ? q.next : '' });
    });

    app.post('/login', async (request, reply) => {
      const ip = request.ip;
      const body = (request.body ?? {}) as Record<string, unknown>;
      const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
      if (await signInBlocked(deps, ip)) {
        return loginPage(request, reply, { error: Errors.TOO_MANY_SIGN_IN_ATTEMPTS.message, next: text('next'), status: 429 });
      }
      try {
        const started = text('mode') === 'merchant' ? await signInMerchant(deps, text('apiKey'), text('apiSecret')) : await signInAdmin(deps, text('adminToken'), adminToken);
        await signInSucceeded(deps, ip);
        setCookie(reply, SESSION_COOKIE, started.token, { path: DASHBOARD_PREFIX, maxAgeSeconds: SESSION_LIFETIME_MS / 1000, secure: isHttps(request) });
        return reply.redirect(safeNext(text('next')), 303);
      } catch (error) {
        if (!isAppError(error) || error.spec !== Errors.SIGN_IN_REQUIRED) throw error;
        await signInFailed(deps, ip);
        return loginPage(request, reply, { error: error.message, next: text('next'), status: 401 });
      }
    });

    app.post('/logout', async (request, reply) => {
      const token = readCookie(request, SESSION_COOKIE);
      if (token) await signOut(deps, token);
      clearCookie(reply, SESSION_COOKIE, DASHBOARD_PREFIX, isHttps(request));
      return reply.redirect('/dashboard/login?signedOut=1', 303);
    });

    for (const register of routes) register(app, ctx);
  };
}
