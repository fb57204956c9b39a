/**
 * The checkout's JSON API on both dialects, through real HTTP (docs/checkout.md): the state the page
 * polls, a sandbox payer's sign-in, payment and cancel — and the guards: a payer acts only on the
 * order behind its link, unknown links are 404, every POST must be same-origin JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { v3OrderBody } from '../helpers/endpoints.ts';
import { createPayer, payerAvailable, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';
import { WebClient, type WebResponse } from '../helpers/web.ts';
import type { CheckoutState } from '../../src/http/checkout/plugin.ts';

interface CreateData {
  prepayId: string;
  checkoutUrl: string;
}


type Envelope<T> = { status: string; code: string; data: T; errorMessage: string };

const PAYER_COOKIE = 'bpay_payer';

describeEachDialect('checkout JSON API', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Checkout API Shop' });
  });
  afterAll(async () => server?.close());

  const create = async (overrides: Record<string, unknown> = {}) => {
    const o = await server.client(merchant).call<CreateData>('/binancepay/openapi/v3/order', v3OrderBody(overrides));
    return { ...o, base: new URL(o.checkoutUrl).pathname };
  };
  const query = (prepayId: string) => server.client(merchant).call<{ status: string }>('/binancepay/openapi/v2/order/query', { prepayId });
  const data = <T>(r: WebResponse) => r.json<Envelope<T>>().data;
  const web = () => new WebClient(server.baseUrl);

  describe('state', () => {
    it('answers what the page shows: status, expiry on the business clock, amounts per currency', async () => {
      const o = await create({ orderAmount: '10.5', supportPayCurrency: 'USDT,BNB', returnUrl: 'https://shop.example.com/thanks', cancelUrl: 'https://shop.example.com/cart' });
      const r = await web().get(`${o.base}/state`);
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('no-store');
      const s = data<CheckoutState>(r);
      expect(s).toMatchObject({ prepayId: o.prepayId, status: 'INITIAL', open: true, payer: null, returnUrl: 'https://shop.example.com/thanks', cancelUrl: 'https://shop.example.com/cart' });
      expect(s.expireTime - s.serverTime).toBeGreaterThan(3_500_000);
      expect(Math.abs(s.serverTime - server.built.businessClock.now())).toBeLessThan(5_000);
      expect(s.options.map((x) => x.currency)).toEqual(['USDT', 'BNB']);
      expect(s.options[0]).toEqual({ currency: 'USDT', amount: '10.5' });
    });

    it('never hands the page a returnUrl or cancelUrl that is not http(s)', async () => {
      const o = await create({ returnUrl: 'javascript:alert(1)', cancelUrl: 'data:text/html,hi' });
      const s = data<CheckoutState>(await web().get(`${o.base}/state`));
      expect(s.returnUrl).toBeNull();
      expect(s.cancelUrl).toBeNull();
    });

    it('unknown or malformed link tokens are 404 on every endpoint', async () => {
      const c = web();
      for (const token of ['ab'.repeat(16), 'not-a-token', 'AB'.repeat(16)]) {
        expect((await c.get(`/checkout/${token}/state`)).status).toBe(404);
        for (const action of ['session', 'session/sandbox', 'session/end', 'pay', 'cancel']) {
          const r = await c.postJson(`/checkout/${token}/${action}`, { payer: '1' });
          expect(r.status, action).toBe(404);
          expect(r.json().code).toBe('900404');
        }
      }
    });
  });

  describe('guards on every POST', () => {
    it('refuses a request without Origin, from another origin, or marked cross-site', async () => {
      const o = await create();
      const payer = await createPayer(server, ['100:USDT']);
      const c = web();
      for (const [origin, headers] of [
        [null, {}],
        ['https://evil.example.com', {}],
        ['null', {}],
        [c.origin.replace('127.0.0.1', 'localhost'), {}],
        [c.origin, { 'sec-fetch-site': 'cross-site' }],
      ] as Array<[string | null, Record<string, string>]>) {
        for (const action of ['session', 'session/sandbox', 'pay', 'cancel']) {
          const r = await c.postJson(`${o.base}/${action}`, { payer: payer.binanceId }, { origin, headers });
          expect(r.status, `${action} origin=${origin}`).toBe(403);
          expect(r.json().code).toBe('900405');
        }
      }
      expect(c.cookie(PAYER_COOKIE)).toBeUndefined();
      expect((await query(o.prepayId)).status).toBe('INITIAL');
    });

    it('refuses a form or text body even from the right origin (only JSON, which needs CORS cross-site)', async () => {
      const o = await create();
      const payer = await createPayer(server, ['100:USDT']);
      const r = await web().request('POST', `${o.base}/session`, { body: `payer=${payer.binanceId}`, contentType: 'text/plain' });
      expect(r.status).toBe(400);
    });

    it('paying needs a payer session', async () => {
      const o = await create();
      const r = await web().postJson(`${o.base}/pay`, { currency: 'USDT' });
      expect(r.status).toBe(401);
      expect(r.json().code).toBe('900406');
    });
  });

  describe('a sandbox payer', () => {
    it('signs in by Binance ID into an HttpOnly, SameSite=Strict cookie scoped to this checkout, and pays', async () => {
      const o = await create({ orderAmount: '10.5' });
      const payer = await createPayer(server, ['100:USDT']);
      const c = web();
      const signed = await c.postJson(`${o.base}/session`, { payer: payer.binanceId });
      expect(signed.status).toBe(200);
      expect(signed.setCookies).toHaveLength(1);
      const cookie = signed.setCookies[0] ?? '';
      expect(cookie).toMatch(new RegExp(`^${PAYER_COOKIE}=`));
      for (const attr of ['HttpOnly', 'SameSite=Strict', `Path=${o.base}`, 'Max-Age=7200']) expect(cookie).toContain(attr);
      expect(cookie).not.toContain(payer.binanceId);
      const s = data<CheckoutState>(signed);
      expect(s.payer).toEqual({ binanceId: payer.binanceId, email: null });
      expect(s.options[0]).toEqual({ currency: 'USDT', amount: '10.5', available: '100', enough: true });
      // the state endpoint knows the payer too (the page reloads signed in)
      expect(data<CheckoutState>(await c.get(`${o.base}/state`)).payer?.binanceId).toBe(payer.binanceId);

      const paid = await c.postJson(`${o.base}/pay`, { currency: 'USDT' });
      expect(paid.status).toBe(200);
      expect(data<CheckoutState>(paid)).toMatchObject({ status: 'PAID', open: false });
      expect((await query(o.prepayId)).status).toBe('PAID');
      expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('89.50000000');
      // paying twice is refused, and moves nothing
      const again = await c.postJson(`${o.base}/pay`, { currency: 'USDT' });
      expect(again.status).toBe(409);
      expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('89.50000000');
      expect((await verifyLedger(server)).ok).toBe(true);
    });

    it('signs in by email (any case); an unknown payer is refused', async () => {
      const o = await create();
      const email = `Payer.${Date.now()}@Example.com`;
      const payer = await createPayer(server, ['100:USDT'], email);
      const c = web();
      const s = data<CheckoutState>(await c.postJson(`${o.base}/session`, { payer: email.toUpperCase() }));
      expect(s.payer).toEqual({ binanceId: payer.binanceId, email: email.toLowerCase() });
      for (const unknown of ['999999999999999999', 'nobody@example.com', 'nonsense']) {
        const r = await web().postJson(`${o.base}/session`, { payer: unknown });
        expect(r.status, unknown).toBe(401);
        expect(r.json().code).toBe('900406');
      }
      expect((await web().postJson(`${o.base}/session`, {})).status).toBe(400);
    });

    it('acts only on the order behind its link: its cookie is worthless on another checkout', async () => {
      const a = await create();
      const b = await create();
      const payer = await createPayer(server, ['100:USDT']);
      const c = web();
      await c.postJson(`${a.base}/session`, { payer: payer.binanceId });
      const sealed = c.cookie(PAYER_COOKIE)?.value ?? '';
      expect(sealed).not.toBe('');
      // the browser never sends it to another checkout (Path), and forcing it there does not work either
      expect(c.cookieHeader(`${b.base}/pay`)).toBe('');
      const forced = await c.postJson(`${b.base}/pay`, { currency: 'USDT' }, { headers: { cookie: `${PAYER_COOKIE}=${sealed}` } });
      expect(forced.status).toBe(401);
      expect(data<CheckoutState>(await c.get(`${b.base}/state`, { headers: { cookie: `${PAYER_COOKIE}=${sealed}` } })).payer).toBeNull();
      expect((await query(b.prepayId)).status).toBe('INITIAL');
      expect((await query(a.prepayId)).status).toBe('INITIAL');
    });

    it('a tampered or foreign cookie is ignored', async () => {
      const o = await create();
      const payer = await createPayer(server, ['100:USDT']);
      const c = web();
      await c.postJson(`${o.base}/session`, { payer: payer.binanceId });
      const sealed = decodeURIComponent(c.cookie(PAYER_COOKIE)?.value ?? '');
      const parts = sealed.split(':');
      const body = Buffer.from(parts[4] ?? '', 'base64');
      body[0] = (body[0] ?? 0) ^ 1;
      const tampered = [...parts.slice(0, 4), body.toString('base64')].join(':');
      for (const value of [tampered, 'garbage', Buffer.from(JSON.stringify({ l: 'x', b: payer.binanceId })).toString('base64')]) {
        const r = await web().postJson(`${o.base}/pay`, {}, { headers: { cookie: `${PAYER_COOKIE}=${encodeURIComponent(value)}` } });
        expect(r.status).toBe(401);
      }
      expect((await query(o.prepayId)).status).toBe('INITIAL');
    });

    it('insufficient balance is refused clearly, nothing moves', async () => {
      const o = await create({ orderAmount: '10.5', supportPayCurrency: 'USDT' });
      const payer = await createPayer(server, ['1:USDT']);
      const c = web();
      const s = data<CheckoutState>(await c.postJson(`${o.base}/session`, { payer: payer.binanceId }));
      expect(s.options).toEqual([{ currency: 'USDT', amount: '10.5', available: '1', enough: false }]);
      const r = await c.postJson(`${o.base}/pay`, { currency: 'USDT' });
      expect(r.status).toBe(409);
      expect(r.json()).toMatchObject({ status: 'FAIL', code: '900402' });
      expect(r.json().errorMessage).toContain('1.00000000 USDT available');
      expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('1.00000000');
      expect((await query(o.prepayId)).status).toBe('INITIAL');
    });

    it('pays in another accepted currency: the amount shown is the amount debited; others are refused', async () => {
      const o = await create({ orderAmount: '10', supportPayCurrency: 'USDT,BNB' });
      const payer = await createPayer(server, ['10:BNB', '100:USDT']);
      const c = web();
      const s = data<CheckoutState>(await c.postJson(`${o.base}/session`, { payer: payer.binanceId }));
      const bnb = s.options.find((x) => x.currency === 'BNB');
      expect(bnb?.enough).toBe(true);
      expect((await c.postJson(`${o.base}/pay`, { currency: 'BTC' })).json().code).toBe('900403');
      expect((await c.postJson(`${o.base}/pay`, { currency: 'usdt' })).status).toBe(400);
      const paid = await c.postJson(`${o.base}/pay`, { currency: 'BNB' });
      expect(data<CheckoutState>(paid).status).toBe('PAID');
      const left = Number(await payerAvailable(server, payer.binanceId, 'BNB'));
      expect(left).toBeCloseTo(10 - Number(bnb?.amount), 8);
    });

    it('creates a funded sandbox payer on the spot, signed in at once', async () => {
      const o = await create({ orderAmount: '25000' });
      const c = web();
      const r = await c.postJson(`${o.base}/session/sandbox`, {});
      expect(r.status).toBe(201);
      const s = data<CheckoutState>(r);
      expect(s.payer?.binanceId).toMatch(/^\d{9}$/);
      // twice the order in its currency when that is more than the demo wallet's 10 000 USDT
      expect(s.options.find((x) => x.currency === 'USDT')).toMatchObject({ available: '50000', enough: true });
      expect(s.options.find((x) => x.currency === 'BNB')).toMatchObject({ available: '50' });
      expect(data<CheckoutState>(await c.postJson(`${o.base}/pay`, {})).status).toBe('PAID');
      // not for an order that can no longer be paid
      expect((await web().postJson(`${o.base}/session/sandbox`, {})).status).toBe(409);
    });

    it('switching payer ends the session', async () => {
      const o = await create();
      const payer = await createPayer(server, ['100:USDT']);
      const c = web();
      await c.postJson(`${o.base}/session`, { payer: payer.binanceId });
      const ended = await c.postJson(`${o.base}/session/end`, {});
      expect(data<CheckoutState>(ended).payer).toBeNull();
      expect(ended.setCookies[0]).toContain('Max-Age=0');
      expect(c.cookie(PAYER_COOKIE)).toBeUndefined();
      expect((await c.postJson(`${o.base}/pay`, {})).status).toBe(401);
    });
  });

  describe('cancel and expiry', () => {
    it('cancel leaves the order open (no close, no webhook), signs the payer out and names cancelUrl', async () => {
      const o = await create({ cancelUrl: 'https://shop.example.com/cart?x=1' });
      const payer = await createPayer(server, ['100:USDT']);
      const c = web();
      await c.postJson(`${o.base}/session`, { payer: payer.binanceId });
      const r = await c.postJson(`${o.base}/cancel`, {});
      expect(r.status).toBe(200);
      const d = data<{ state: CheckoutState; redirectUrl: string | null }>(r);
      expect(d.redirectUrl).toBe('https://shop.example.com/cart?x=1');
      expect(d.state).toMatchObject({ status: 'INITIAL', open: true, payer: null });
      expect(c.cookie(PAYER_COOKIE)).toBeUndefined();
      expect((await query(o.prepayId)).status).toBe('INITIAL');
      expect(await server.adminOk<unknown[]>('GET', `/webhooks?prepayId=${o.prepayId}`)).toEqual([]);
      // the merchant can still close it, the link can still pay it
      const again = web();
      await again.postJson(`${o.base}/session`, { payer: payer.binanceId });
      expect(data<CheckoutState>(await again.postJson(`${o.base}/pay`, {})).status).toBe('PAID');
    });

    it('without cancelUrl there is nowhere to go', async () => {
      const o = await create();
      const d = data<{ redirectUrl: string | null }>(await web().postJson(`${o.base}/cancel`, {}));
      expect(d.redirectUrl).toBeNull();
    });

    it('an expired order shows EXPIRED at once (business clock) and cannot be paid', async () => {
      const o = await create({ orderExpireTime: Date.now() + 120_000 });
      const payer = await createPayer(server, ['100:USDT']);
      const c = web();
      await c.postJson(`${o.base}/session`, { payer: payer.binanceId });
      server.built.businessClock.advance(121_000);
      const s = data<CheckoutState>(await c.get(`${o.base}/state`));
      expect(s).toMatchObject({ status: 'EXPIRED', open: false });
      expect(s.serverTime).toBeGreaterThan(s.expireTime);
      const r = await c.postJson(`${o.base}/pay`, {});
      expect(r.status).toBe(409);
      expect(r.json().errorMessage).toContain('expired');
      expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('100.00000000');
    });
  });

  describe('the page', () => {
    it('is served with a nonce CSP, no framing, no referrer, no caching', async () => {
      const o = await create();
      const r = await web().get(o.base);
      expect(r.status).toBe(200);
      const csp = r.headers.get('content-security-policy') ?? '';
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toMatch(/^[A-Za-z0-9+/=_-]{16,}$/);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(r.text).toContain(`<script nonce="${nonce}">`);
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('same-origin');
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.text).toContain('id="checkout-data"');
      // nothing loads from elsewhere: the machines may be offline
      expect(r.text).not.toMatch(/(src|href)="(https?:)?\/\/(?!127\.0\.0\.1)/);
    });
  });
});
