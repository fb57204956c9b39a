/**
 * The dashboard's sign-in and its security on both dialects, through real HTTP (docs/checkout.md):
 * admin token or merchant API key + secret, a merchant sees only its own data, CSRF and Origin on
 * every POST, sign-out ends the session for good, actions land in the audit log as `dashboard:<who>`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type BuiltApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../helpers/dialects.ts';
import { createOrder, paidOrder } from '../helpers/endpoints.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';
import { csrfOf, WebClient } from '../helpers/web.ts';

const SESSION_COOKIE = 'bpay_dash';

describeEachDialect('dashboard sign-in and security', (dialect) => {
  let server: TestServer;
  let shopA: MerchantCredentials;
  let shopB: MerchantCredentials;
  let orderA: string;
  let orderB: string;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer(dialect);
    shopA = await server.createMerchant({ name: 'Shop Alpha', webhookUrl: receiver.url });
    shopB = await server.createMerchant({ name: 'Shop Bravo' });
    orderA = await paidOrder(server, shopA, '3');
    orderB = await createOrder(server, shopB, { merchantTradeNo: 'BRAVO0001' });
    await server.built.workers.runAll();
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const web = () => new WebClient(server.baseUrl);

  async function signInAdmin(): Promise<WebClient> {
    const c = web();
    const r = await c.postForm('/dashboard/login', { mode: 'admin', adminToken: server.adminToken, next: '/dashboard/orders' });
    expect(r.status).toBe(303);
    expect(r.location).toBe('/dashboard/orders');
    return c;
  }

  async function signInMerchant(m: MerchantCredentials): Promise<WebClient> {
    const c = web();
    const r = await c.postForm('/dashboard/login', { mode: 'merchant', apiKey: m.apiKey, apiSecret: m.apiSecret });
    expect(r.status).toBe(303);
    return c;
  }

  describe('signing in', () => {
    it('without a session, pages redirect to the sign-in form (keeping where you were going)', async () => {
      const r = await web().get('/dashboard/orders?status=PAID');
      expect(r.status).toBe(303);
      expect(r.location).toBe(`/dashboard/login?next=${encodeURIComponent('/dashboard/orders?status=PAID')}`);
      expect((await web().get('/dashboard')).location).toBe('/dashboard/login');
      const login = await web().get('/dashboard/login');
      expect(login.status).toBe(200);
      expect(login.text).toContain('<label for="admin-token">Admin token</label>');
      expect(login.text).toContain('<label for="api-secret">API secret</label>');
    });

    it('the admin token opens an HttpOnly, SameSite=Strict session cookie scoped to /dashboard', async () => {
      const c = web();
      const r = await c.postForm('/dashboard/login', { mode: 'admin', adminToken: server.adminToken, next: '/dashboard/orders?status=PAID' });
      expect(r.status).toBe(303);
      expect(r.location).toBe('/dashboard/orders?status=PAID');
      const cookie = r.setCookies.find((s) => s.startsWith(`${SESSION_COOKIE}=`)) ?? '';
      for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/dashboard']) expect(cookie).toContain(attr);
      expect(cookie).not.toContain(server.adminToken);
      const page = await c.get('/dashboard/orders');
      expect(page.status).toBe(200);
      expect(page.text).toContain('Operator (admin token)');
      // the admin sees every merchant
      expect(page.text).toContain(orderA);
      expect(page.text).toContain(orderB);
    });

    it('a wrong admin token, wrong secret or revoked key is refused', async () => {
      const wrongToken = await web().postForm('/dashboard/login', { mode: 'admin', adminToken: 'nope' });
      expect(wrongToken.status).toBe(401);
      expect(wrongToken.text).toContain('Wrong admin token.');
      expect(wrongToken.setCookies).toEqual([]);
      const wrongSecret = await web().postForm('/dashboard/login', { mode: 'merchant', apiKey: shopA.apiKey, apiSecret: shopB.apiSecret });
      expect(wrongSecret.status).toBe(401);
      expect(wrongSecret.text).toContain('Wrong API key or secret');
      const unknownKey = await web().postForm('/dashboard/login', { mode: 'merchant', apiKey: 'x'.repeat(64), apiSecret: shopA.apiSecret });
      expect(unknownKey.status).toBe(401);
      const extra = await server.adminOk<{ apiKey: string; apiSecret: string }>('POST', `/merchants/${shopB.merchantId}/keys`, { label: 'to revoke' });
      await server.adminOk('POST', `/merchants/${shopB.merchantId}/keys/${extra.apiKey}/revoke`);
      const revoked = await web().postForm('/dashboard/login', { mode: 'merchant', apiKey: extra.apiKey, apiSecret: extra.apiSecret });
      expect(revoked.status).toBe(401);
    });

    it('an open redirect through next= is impossible', async () => {
      for (const next of ['https://evil.example.com', '//evil.example.com', '/dashboard/../admin/v1/merchants', 'javascript:alert(1)']) {
        const c = web();
        const r = await c.postForm('/dashboard/login', { mode: 'admin', adminToken: server.adminToken, next });
        expect(r.location, next).toBe('/dashboard/orders');
      }
    });
  });

  describe('a merchant session', () => {
    it('sees only its own orders, whatever the filter says', async () => {
      const c = await signInMerchant(shopA);
      const page = await c.get('/dashboard/orders');
      expect(page.text).toContain('Merchant Shop Alpha');
      expect(page.text).toContain(orderA);
      expect(page.text).not.toContain(orderB);
      const forced = await c.get(`/dashboard/orders?merchantId=${shopB.merchantId}`);
      expect(forced.status).toBe(200);
      expect(forced.text).not.toContain(orderB);
      expect(forced.text).toContain(orderA);
      const byTradeNo = await c.get('/dashboard/orders?merchantTradeNo=BRAVO0001');
      expect(byTradeNo.text).not.toContain(orderB);
      const webhooks = await c.get(`/dashboard/webhooks?merchantId=${shopB.merchantId}`);
      expect(webhooks.text).toContain(orderA);
    });

    it("another merchant's order, merchant page, events and balances are 404; the audit log is admin-only", async () => {
      const c = await signInMerchant(shopA);
      expect((await c.get(`/dashboard/orders/${orderA}`)).status).toBe(200);
      expect((await c.get(`/dashboard/orders/${orderB}`)).status).toBe(404);
      expect((await c.get(`/dashboard/merchants/${shopB.merchantId}`)).status).toBe(404);
      expect((await c.get(`/dashboard/balances?merchantId=${shopB.merchantId}`)).text).not.toContain('Shop Bravo');
      expect((await c.get('/dashboard/audit')).status).toBe(404);
      expect((await c.get('/dashboard/merchants')).location).toBe(`/dashboard/merchants/${shopA.merchantId}`);
      const events = await server.adminOk<Array<{ eventId: string }>>('GET', `/webhooks?merchantId=${shopA.merchantId}`);
      const eventA = events[0]?.eventId ?? '';
      const otherEvent = await server.adminOk<{ event: { eventId: string } }>('POST', `/merchants/${shopB.merchantId}/webhooks/test`, { url: receiver.url });
      expect((await c.get(`/dashboard/webhooks/${eventA}`)).status).toBe(200);
      expect((await c.get(`/dashboard/webhooks/${otherEvent.event.eventId}`)).status).toBe(404);
      const page = await c.get(`/dashboard/merchants/${shopA.merchantId}`);
      const refused = await c.postForm(`/dashboard/webhooks/${otherEvent.event.eventId}/redeliver`, { _csrf: csrfOf(page.text) });
      expect(refused.status).toBe(404);
      const keyOfB = await c.postForm(`/dashboard/merchants/${shopB.merchantId}/keys`, { _csrf: csrfOf(page.text), label: 'steal' });
      expect(keyOfB.status).toBe(404);
      expect(await server.adminOk<unknown[]>('GET', `/merchants/${shopB.merchantId}/keys`)).toHaveLength(2);
    });

    it('creates an API key (secret shown once) and changes webhook settings, audited as dashboard:merchant:<id>', async () => {
      const c = await signInMerchant(shopA);
      const page = await c.get(`/dashboard/merchants/${shopA.merchantId}`);
      const created = await c.postForm(`/dashboard/merchants/${shopA.merchantId}/keys`, { _csrf: csrfOf(page.text), label: 'from the dashboard' });
      expect(created.status).toBe(200);
      expect(created.headers.get('cache-control')).toBe('no-store');
      const apiKey = /id="new-api-key">([A-Za-z0-9]{64})</.exec(created.text)?.[1];
      const apiSecret = /id="new-api-secret">([A-Za-z0-9]{64})</.exec(created.text)?.[1];
      expect(apiKey).toMatch(/^[A-Za-z0-9]{64}$/);
      expect(apiSecret).toMatch(/^[A-Za-z0-9]{64}$/);
      // the new pair works on the Binance API, and the secret is never shown again
      const works = await server.client({ merchantId: shopA.merchantId, apiKey: apiKey ?? '', apiSecret: apiSecret ?? '' }).call('/binancepay/openapi/v2/order/query', { prepayId: orderA });
      expect(works).toMatchObject({ prepayId: orderA });
      expect((await c.get(`/dashboard/merchants/${shopA.merchantId}`)).text).not.toContain(apiSecret);

      const saved = await c.postForm(`/dashboard/merchants/${shopA.merchantId}/settings`, { _csrf: csrfOf(page.text), webhookUrl: receiver.url });
      expect(saved.status).toBe(303);
      const merchant = await server.adminOk<{ webhookUrl: string; payClosedNotify: boolean }>('GET', `/merchants/${shopA.merchantId}`);
      expect(merchant).toMatchObject({ webhookUrl: receiver.url, payClosedNotify: false });
      const bad = await c.postForm(`/dashboard/merchants/${shopA.merchantId}/settings`, { _csrf: csrfOf(page.text), webhookUrl: 'ftp://x', payClosedNotify: 'on' });
      expect(bad.status).toBe(400);

      const audit = await server.adminOk<Array<{ actor: string; action: string; merchantId: number }>>('GET', `/audit?merchantId=${shopA.merchantId}`);
      expect(audit.find((e) => e.action === 'apikey.create')?.actor).toBe(`dashboard:merchant:${shopA.merchantId}`);
      expect(audit.find((e) => e.action === 'merchant.update')?.actor).toBe(`dashboard:merchant:${shopA.merchantId}`);
      // restore for the other tests
      await server.adminOk('PATCH', `/merchants/${shopA.merchantId}`, { payClosedNotify: true });
    });

    it('revoking the key it signed in with ends the session', async () => {
      const extra = await server.adminOk<{ apiKey: string; apiSecret: string }>('POST', `/merchants/${shopA.merchantId}/keys`, { label: 'short-lived' });
      const c = await signInMerchant({ merchantId: shopA.merchantId, ...extra });
      const page = await c.get(`/dashboard/merchants/${shopA.merchantId}`);
      expect(page.text).toContain('(this session)');
      const r = await c.postForm(`/dashboard/merchants/${shopA.merchantId}/keys/${extra.apiKey}/revoke`, { _csrf: csrfOf(page.text) });
      expect(r.status).toBe(303);
      expect((await c.get(`/dashboard/merchants/${shopA.merchantId}`)).location).toMatch(/^\/dashboard\/login/);
      const audit = await server.adminOk<Array<{ actor: string; action: string; detail: { apiKey?: string } }>>('GET', `/audit?merchantId=${shopA.merchantId}`);
      expect(audit.find((e) => e.action === 'apikey.revoke' && e.detail.apiKey === extra.apiKey)?.actor).toBe(`dashboard:merchant:${shopA.merchantId}`);
    });
  });

  describe('CSRF and sign-out', () => {
    it('every POST needs this origin and the session CSRF token', async () => {
      const c = await signInAdmin();
      const page = await c.get(`/dashboard/merchants/${shopB.merchantId}`);
      const csrf = csrfOf(page.text);
      const path = `/dashboard/merchants/${shopB.merchantId}/keys`;
      for (const [fields, origin] of [
        [{ label: 'x' }, undefined],
        [{ label: 'x', _csrf: 'f'.repeat(48) }, undefined],
        [{ label: 'x', _csrf: csrf }, 'https://evil.example.com'],
        [{ label: 'x', _csrf: csrf }, null],
      ] as Array<[Record<string, string>, string | null | undefined]>) {
        const r = await c.postForm(path, fields, origin === undefined ? {} : { origin });
        expect(r.status, JSON.stringify([fields, origin])).toBe(403);
      }
      // JSON is not accepted at all
      expect((await c.postJson(path, { label: 'x', _csrf: csrf })).status).toBe(415);
      // another session's token does not work either
      const other = await signInAdmin();
      const otherCsrf = csrfOf((await other.get('/dashboard/orders')).text);
      expect(otherCsrf).not.toBe(csrf);
      expect((await c.postForm(path, { label: 'x', _csrf: otherCsrf })).status).toBe(403);
      expect(await server.adminOk<unknown[]>('GET', `/merchants/${shopB.merchantId}/keys`)).toHaveLength(2);
      // sign-in from another site is refused too (login CSRF)
      expect((await web().postForm('/dashboard/login', { mode: 'admin', adminToken: server.adminToken }, { origin: 'https://evil.example.com' })).status).toBe(403);
    });

    it('signing out ends the session on the server: the old cookie no longer opens anything', async () => {
      const c = await signInAdmin();
      const token = c.cookie(SESSION_COOKIE)?.value ?? '';
      expect(token).toMatch(/^[0-9a-f]{64}$/);
      const page = await c.get('/dashboard/orders');
      const out = await c.postForm('/dashboard/logout', { _csrf: csrfOf(page.text) });
      expect(out.status).toBe(303);
      expect(out.location).toBe('/dashboard/login?signedOut=1');
      expect(out.setCookies.some((s) => s.startsWith(`${SESSION_COOKIE}=;`) && s.includes('Max-Age=0'))).toBe(true);
      expect(c.cookie(SESSION_COOKIE)).toBeUndefined();
      const replay = await web().get('/dashboard/orders', { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
      expect(replay.status).toBe(303);
      expect(replay.location).toMatch(/^\/dashboard\/login/);
      const replayPost = await web().postForm('/dashboard/logout', { _csrf: 'x' }, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
      expect(replayPost.status).toBe(401);
    });

    it('a session outlives sandbox time travel (sessions run on the wall clock)', async () => {
      const c = await signInAdmin();
      server.built.businessClock.advance(24 * 3600_000);
      expect((await c.get('/dashboard/orders')).status).toBe(200);
    });
  });

  describe('admin actions', () => {
    it('redelivers a webhook event: a new MANUAL attempt, audit-free, visible on the event page', async () => {
      const c = await signInAdmin();
      const [event] = await server.adminOk<Array<{ eventId: string; attempts: number }>>('GET', `/webhooks?prepayId=${orderA}`);
      expect(event?.eventId).toMatch(/^\d+$/);
      const before = receiver.countFor(orderA);
      const page = await c.get(`/dashboard/webhooks/${event?.eventId}`);
      expect(page.status).toBe(200);
      const r = await c.postForm(`/dashboard/webhooks/${event?.eventId}/redeliver`, { _csrf: csrfOf(page.text), url: '' });
      expect(r.status).toBe(303);
      expect(r.location).toBe(`/dashboard/webhooks/${event?.eventId}?redelivered=${(event?.attempts ?? 0) + 1}`);
      expect(receiver.countFor(orderA)).toBe(before + 1);
      const after = await c.get(r.location ?? '');
      expect(after.text).toContain(`attempt #${(event?.attempts ?? 0) + 1} recorded below`);
      expect(after.text).toContain('MANUAL');
    });

    it('settings changed by the admin are audited as dashboard:admin', async () => {
      const c = await signInAdmin();
      const page = await c.get(`/dashboard/merchants/${shopB.merchantId}`);
      await c.postForm(`/dashboard/merchants/${shopB.merchantId}/settings`, { _csrf: csrfOf(page.text), webhookUrl: 'https://bravo.example.com/hook', payClosedNotify: 'on' });
      const audit = await server.adminOk<Array<{ actor: string; action: string }>>('GET', `/audit?merchantId=${shopB.merchantId}`);
      expect(audit[0]).toMatchObject({ actor: 'dashboard:admin', action: 'merchant.update' });
      const auditPage = await c.get('/dashboard/audit');
      expect(auditPage.status).toBe(200);
      expect(auditPage.text).toContain('dashboard:admin');
    });

    it('every page renders for the admin', async () => {
      const c = await signInAdmin();
      const [anEvent] = await server.adminOk<Array<{ eventId: string }>>('GET', `/webhooks?prepayId=${orderA}`);
      for (const path of ['/dashboard/orders', `/dashboard/orders/${orderA}`, `/dashboard/orders/${orderB}`, '/dashboard/refunds', '/dashboard/payouts', '/dashboard/balances', '/dashboard/merchants', `/dashboard/merchants/${shopA.merchantId}`, '/dashboard/webhooks', `/dashboard/webhooks/${anEvent?.eventId}`, '/dashboard/audit']) {
        const r = await c.get(path);
        expect(r.status, path).toBe(200);
        expect(r.headers.get('content-security-policy'), path).toContain("default-src 'none'");
      }
      expect((await c.get('/dashboard/orders/123')).status).toBe(404);
      expect((await c.get('/dashboard/nope')).status).toBe(404);
      expect((await c.get('/dashboard/orders?status=NOPE')).status).toBe(400);
    });
  });

  describe('throttling', () => {
    it('10 failed sign-ins from one address within 5 minutes answer 429, even with the right token', async () => {
      for (let i = 0; i < 10; i++) expect((await web().postForm('/dashboard/login', { mode: 'admin', adminToken: `wrong${i}` })).status).toBe(401);
      const r = await web().postForm('/dashboard/login', { mode: 'admin', adminToken: server.adminToken });
      expect(r.status).toBe(429);
      expect(r.setCookies).toEqual([]);
    });
  });
});

describeEachDialect('dashboard sign-in throttle across nodes', (dialect) => {
  // two nodes on one database behind a proxy (client addresses from X-Forwarded-For), on a wall clock the test moves
  const clock = new ManualClock(Date.UTC(2026, 10, 1));
  let db: TestDatabase;
  let nodes: Array<{ built: BuiltApp; url: string }> = [];
  let adminToken = '';

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    const config = loadConfig({ BPAY_DATA_DIR: db.dataDir, LOG_LEVEL: 'silent', BPAY_DEMO: 'false', BPAY_ADMIN_TOKEN: 'test-admin-token-0123456789', BPAY_TRUST_PROXY: 'true' }, { port: 0 });
    for (const store of [db.store, db.openAnother()]) {
      const built = await buildApp({ config, store, logger: false, clock });
      await built.app.listen({ port: 0, host: '127.0.0.1' });
      const address = built.app.server.address();
      if (typeof address !== 'object' || address === null) throw new Error('no address');
      nodes.push({ built, url: `http://127.0.0.1:${address.port}` });
      adminToken = built.adminToken;
    }
  });
  afterAll(async () => {
    for (const node of nodes) await node.built.close();
    await nodes[1]?.built.deps.store.close();
    nodes = [];
    await db?.drop();
  });

  const signIn = (node: number, address: string, token: string) => new WebClient(nodes[node]!.url).postForm('/dashboard/login', { mode: 'admin', adminToken: token }, { headers: { 'x-forwarded-for': address } });
  const fail = async (address: string, times: number) => {
    for (let i = 0; i < times; i++) expect((await signIn(i % 2, address, `wrong${i}`)).status).toBe(401);
  };

  it('counts failures from one address on every node together, and blocks no other address', async () => {
    await fail('203.0.113.7', 10);
    expect((await signIn(0, '203.0.113.7', adminToken)).status).toBe(429);
    expect((await signIn(1, '203.0.113.7', adminToken)).status).toBe(429);
    expect((await signIn(1, '203.0.113.8', adminToken)).status).toBe(303);
    // whatever a client puts in the header counts as its address, however long
    const junk = randomBytes(6000).toString('base64');
    await fail(junk, 10);
    expect((await signIn(0, junk, adminToken)).status).toBe(429);
  });

  it('starts counting again after a successful sign-in, and once the 5-minute window is over', async () => {
    await fail('203.0.113.9', 9);
    expect((await signIn(1, '203.0.113.9', adminToken)).status).toBe(303);
    await fail('203.0.113.9', 9);
    expect((await signIn(0, '203.0.113.9', adminToken)).status).toBe(303);

    await fail('203.0.113.10', 10);
    clock.advance(5 * 60_000 - 1);
    expect((await signIn(0, '203.0.113.10', adminToken)).status).toBe(429);
    clock.advance(2);
    expect((await signIn(1, '203.0.113.10', 'wrong')).status).toBe(401); // a new window: this is its first failure
    expect((await signIn(0, '203.0.113.10', adminToken)).status).toBe(303);
  });

  it('forgets windows that are over when the pruner runs', async () => {
    await fail('203.0.113.11', 3);
    const rows = () => db.store.db.selectFrom('sign_in_failures').select('address').where('address', '=', '203.0.113.11').execute();
    expect(await rows()).toHaveLength(1);
    clock.advance(5 * 60_000 + 1);
    await nodes[0]!.built.workers.runAll();
    expect(await rows()).toHaveLength(0);
  });
});
