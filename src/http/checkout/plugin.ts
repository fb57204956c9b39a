/**
 * Hosted checkout: the page behind checkoutUrl, the QR image behind qrcodeLink, and redirects for
 * qrContent and the universal/deep links (fact sheet §3.1), all on this server — plus the small JSON
 * API the page uses to act as a sandbox payer (docs/checkout.md).
 *
 * These endpoints need no admin token: whoever holds the link may pay the order, as at Binance. They
 * only ever act on the order behind the link token in their path. The payer's sign-in is an
 * HttpOnly, SameSite=Strict cookie scoped to that one checkout path and sealed (AES-GCM) with the
 * server's master key, binding the Binance ID to the link token; every POST must come from a page
 * of this server (Origin check) and carry JSON.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { z } from 'zod';
import { AppError, Errors } from '../../domain/errors.ts';
import type { Payer } from '../../domain/payer.ts';
import { formatAmountTrimmed } from '../../lib/amount.ts';
import { checkoutView, createSandboxPayer, findCheckoutPayer, getCheckoutPayer, linkTokenOfTempToken, payCheckoutOrder, payOptions, type CheckoutView } from '../../services/checkout.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { page } from './html.ts';
import { checkoutPage } from './page.ts';
import { clearCookie, htmlHeaders, isHttps, isHttpUrl, newNonce, readCookie, requireSameOrigin, sendData, sendFailure, setCookie } from './web.ts';

const PAYER_COOKIE = 'bpay_payer';
/** how long a payer stays signed in to one checkout (wall clock) */
const PAYER_SESSION_MS = 2 * 3600_000;

type LinkParams = { Params: { linkToken: string } };

/** What the page shows and polls: GET <checkoutUrl>/state and the answer of every action. */
export interface CheckoutState {
  prepayId: string;
  status: string;
  /** can still be paid (INITIAL or PENDING, not past expireTime) */
  open: boolean;
  expireTime: number;
  /** the server's business clock: the countdown runs on it, so time control shows at once */
  serverTime: number;
  /** only http(s) URLs; anything else the merchant sent is never followed */
  returnUrl: string | null;
  cancelUrl: string | null;
  payer: { binanceId: string; email: string | null } | null;
  options: Array<{ currency: string; amount: string; available?: string; enough?: boolean }>;
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).type('text/html; charset=utf-8').send(page('Order not found', '<main><h1>Order not found</h1><p>This payment link does not exist on this server.</p></main>'));
}

function basePath(linkToken: string): string {
  return `/checkout/${linkToken}`;
}

export function checkoutPlugin(deps: ServiceDeps) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler((error, request, reply) => sendFailure(request, reply, error));

    const requireView = async (linkToken: string): Promise<CheckoutView> => {
      const view = await checkoutView(deps, linkToken);
      if (!view) throw new AppError(Errors.NOT_FOUND, 'This payment link does not exist on this server.');
      return view;
    };

    /** The signed-in payer of this checkout, if the cookie is ours, for this link, unexpired, and the payer exists. */
    const payerOf = async (request: FastifyRequest, linkToken: string): Promise<Payer | undefined> => {
      const sealed = readCookie(request, PAYER_COOKIE);
      if (!sealed) return undefined;
      let claim: { l?: unknown; b?: unknown; x?: unknown };
      try {
        claim = JSON.parse(deps.secrets.open(sealed)) as typeof claim;
      } catch {
        return undefined;
      }
      if (claim.l !== linkToken || typeof claim.b !== 'string' || typeof claim.x !== 'number' || claim.x <= deps.clock.wall.now()) return undefined;
      return getCheckoutPayer(deps, claim.b);
    };

    const signIn = (request: FastifyRequest, reply: FastifyReply, linkToken: string, payer: Payer): void => {
      const value = deps.secrets.seal(JSON.stringify({ l: linkToken, b: payer.binanceId, x: deps.clock.wall.now() + PAYER_SESSION_MS }));
      setCookie(reply, PAYER_COOKIE, value, { path: basePath(linkToken), maxAgeSeconds: PAYER_SESSION_MS / 1000, secure: isHttps(request) });
    };

    const signOut = (request: FastifyRequest, reply: FastifyReply, linkToken: string): void => {
      clearCookie(reply, PAYER_COOKIE, basePath(linkToken), isHttps(request));
    };

    const stateOf = async (view: CheckoutView, payer: Payer | undefined): Promise<CheckoutState> => {
      const o = view.order;
      const open = o.status === 'INITIAL' || o.status === 'PENDING';
      const options = await payOptions(deps, o, payer?.binanceId);
      return {
        prepayId: o.prepayId,
        status: o.status,
        open,
        expireTime: o.expireTimeMs,
        serverTime: view.nowMs,
        returnUrl: isHttpUrl(o.returnUrl) ? o.returnUrl : null,
        cancelUrl: isHttpUrl(o.cancelUrl) ? o.cancelUrl : null,
        payer: payer ? { binanceId: payer.binanceId, email: payer.email } : null,
        options: options.map((opt) => ({
          currency: opt.currency,
          amount: formatAmountTrimmed(opt.amount),
          ...(opt.available === undefined ? {} : { available: formatAmountTrimmed(opt.available), enough: opt.available >= opt.amount }),
        })),
      };
    };

    /** Every action: same origin, JSON, an order behind the link. */
    const guardPost = async (request: FastifyRequest<LinkParams>): Promise<CheckoutView> => {
      requireSameOrigin(request, deps.settings.publicUrl);
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        throw new AppError(Errors.BAD_ADMIN_REQUEST, 'Send a JSON body (content-type: application/json).');
      }
      return requireView(request.params.linkToken);
    };

    app.get<LinkParams>('/checkout/:linkToken', async (request, reply) => {
      const view = await checkoutView(deps, request.params.linkToken);
      if (!view) return notFound(reply);
      const nonce = newNonce();
      const state = await stateOf(view, await payerOf(request, view.order.linkToken));
      return htmlHeaders(reply, nonce).send(checkoutPage({ view, state, nonce, basePath: basePath(view.order.linkToken) }));
    });

    app.get<LinkParams>('/checkout/:linkToken/state', async (request, reply) => {
      const view = await requireView(request.params.linkToken);
      return sendData(reply, await stateOf(view, await payerOf(request, view.order.linkToken)));
    });

    // sign in as an existing sandbox payer, by Binance ID or email
    app.post<LinkParams>('/checkout/:linkToken/session', async (request, reply) => {
      const view = await guardPost(request);
      const parsed = z.object({ payer: z.string().trim().min(1).max(128) }).safeParse(request.body);
      if (!parsed.success) throw new AppError(Errors.BAD_ADMIN_REQUEST, 'payer: a Binance ID or an email');
      const payer = await findCheckoutPayer(deps, parsed.data.payer);
      if (!payer) throw new AppError(Errors.SIGN_IN_REQUIRED, `No sandbox payer has the Binance ID or email "${parsed.data.payer}". Create one with the button below, or with \`bpay payer create\`.`);
      signIn(request, reply, view.order.linkToken, payer);
      return sendData(reply, await stateOf(view, payer));
    });

    // sandbox only: a new payer, funded from the platform issuer, signed in at once
    app.post<LinkParams>('/checkout/:linkToken/session/sandbox', async (request, reply) => {
      const view = await guardPost(request);
      if (view.order.status !== 'INITIAL' && view.order.status !== 'PENDING') throw new AppError(Errors.CONFLICT, `This order is ${view.order.status}: it can no longer be paid.`);
      const payer = await createSandboxPayer(deps, view.order);
      signIn(request, reply, view.order.linkToken, payer);
      return sendData(reply, await stateOf(view, payer), 201);
    });

    app.post<LinkParams>('/checkout/:linkToken/session/end', async (request, reply) => {
      const view = await guardPost(request);
      signOut(request, reply, view.order.linkToken);
      return sendData(reply, await stateOf(view, undefined));
    });

    app.post<LinkParams>('/checkout/:linkToken/pay', async (request, reply) => {
      const view = await guardPost(request);
      const parsed = z.object({ currency: z.string().regex(/^[A-Z0-9]{2,10}$/).optional() }).safeParse(request.body ?? {});
      if (!parsed.success) throw new AppError(Errors.BAD_ADMIN_REQUEST, 'currency: an upper-case asset such as USDT');
      const payer = await payerOf(request, view.order.linkToken);
      if (!payer) throw new AppError(Errors.SIGN_IN_REQUIRED, 'Sign in as a sandbox payer first.');
      const paid = await payCheckoutOrder(deps, view.order.linkToken, payer.binanceId, parsed.data.currency);
      if (!paid) throw new AppError(Errors.NOT_FOUND, 'This payment link does not exist on this server.');
      return sendData(reply, await stateOf({ ...view, order: paid, nowMs: deps.clock.now() }, payer));
    });

    /**
     * The payer abandons the payment. Like cancelling in the Binance app, this does not close the
     * order: it stays INITIAL (no PAY_CLOSED webhook) until it expires or the merchant closes it,
     * and the link can still pay it. The payer is signed out; the answer names cancelUrl, if any.
     */
    app.post<LinkParams>('/checkout/:linkToken/cancel', async (request, reply) => {
      const view = await guardPost(request);
      signOut(request, reply, view.order.linkToken);
      const state = await stateOf(view, undefined);
      return sendData(reply, { state, redirectUrl: state.cancelUrl });
    });

    app.get<LinkParams>('/checkout/:linkToken/qr.png', async (request, reply) => {
      const view = await checkoutView(deps, request.params.linkToken);
      if (!view) return notFound(reply);
      const png = await QRCode.toBuffer(view.urls.qrContent, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 320 });
      return reply.type('image/png').header('cache-control', 'public, max-age=3600').send(png);
    });

    // qrContent: what a phone camera opens
    app.get<{ Params: { code: string } }>('/qr/:code', async (request, reply) => {
      const token = request.params.code.startsWith('dplk') ? request.params.code.slice(4) : request.params.code;
      const view = await checkoutView(deps, token);
      if (!view) return notFound(reply);
      return reply.redirect(view.urls.checkoutUrl, 302);
    });

    // universal link (linkToken) and the deep link with its scheme swapped for http(s) (tempToken)
    app.get<{ Querystring: { linkToken?: string; tempToken?: string } }>('/payment/secpay', async (request, reply) => {
      const { linkToken, tempToken } = request.query;
      const token = typeof linkToken === 'string' ? linkToken : typeof tempToken === 'string' ? linkTokenOfTempToken(deps, tempToken) : undefined;
      const view = await checkoutView(deps, token ?? '');
      if (!view) return notFound(reply);
      return reply.redirect(view.urls.checkoutUrl, 302);
    });
  };
}
