/**
 * The admin API (/admin/v1) on both dialects: bearer token, validation that names the field,
 * merchants, and API keys whose effects are checked on the Binance Pay surface itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

interface MerchantView {
  merchantId: number;
  name: string;
  status: string;
  webhookUrl: string | null;
  ipAllowlist: string[] | null;
  payClosedNotify: boolean;
}

interface KeyView {
  apiKey: string;
  merchantId: number;
  status: string;
  expiresAtMs: number | null;
  revokedAtMs: number | null;
}

describeEachDialect('admin API', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => server?.close());

  /** Raw admin call with full control over headers and body text. */
  async function raw(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
    const response = await fetch(`${server.baseUrl}/admin/v1${path}`, { method, headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }) });
    const text = await response.text();
    expect(response.headers.get('content-type') ?? '').toMatch(/^application\/json/);
    return { status: response.status, text, body: JSON.parse(text) as { status: string; code: string; errorMessage?: string; data?: unknown } };
  }

  /** The Binance code one signed /certificates call answers with for these credentials. */
  async function binanceCode(creds: MerchantCredentials): Promise<string | undefined> {
    const r = await server.client(creds).request('/binancepay/openapi/certificates', undefined, { rawBody: '' });
    return r.envelope?.code;
  }

  function expectBadRequest(r: { httpStatus: number; body: { status: string; code: string; errorMessage?: string } }, field: string): void {
    expect(r.httpStatus, JSON.stringify(r.body)).toBe(400);
    expect(r.body.status).toBe('FAIL');
    expect(r.body.code).toBe('900400');
    expect(r.body.errorMessage).toContain(field);
  }

  describe('authentication', () => {
    it('answers 401 / 900401 without the right bearer token', async () => {
      const headersList: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer wrong-token-0123456789' },
        { authorization: `Bearer ${server.adminToken}x` },
        { authorization: `Bearer ${server.adminToken.slice(0, -1)}` },
        { authorization: `Basic ${Buffer.from(`admin:${server.adminToken}`).toString('base64')}` },
        { authorization: server.adminToken },
        { authorization: 'Bearer ' },
        { authorization: `bearer ${server.adminToken}` },
      ];
      for (const headers of headersList) {
        for (const [method, path] of [['GET', '/merchants'], ['POST', '/merchants'], ['GET', '/merchants/1/keys'], ['GET', '/no/such/route']] as const) {
          const r = await raw(method, path, { headers: { ...headers, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{"name":"X"}' } : {}) });
          expect(r.status, `${JSON.stringify(headers)} ${method} ${path}`).toBe(401);
          expect(r.body).toMatchObject({ status: 'FAIL', code: '900401' });
          expect(typeof r.body.errorMessage).toBe('string');
        }
      }
      // nothing was created by the rejected POSTs
      const list = await server.adminOk<MerchantView[]>('GET', '/merchants');
      expect(list.filter((m) => m.name === 'X')).toEqual([]);
    });

    it('accepts the right token', async () => {
      const r = await raw('GET', '/merchants', { headers: { authorization: `Bearer ${server.adminToken}` } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'SUCCESS', code: '000000' });
    });
  });

  describe('merchants', () => {
    it('creates a merchant whose key works on the Binance surface at once', async () => {
      const r = await server.admin<{ merchantId: number; apiKey: string; apiSecret: string; merchant: MerchantView }>('POST', '/merchants', {
        name: 'Ice Cream Shop',
        webhookUrl: 'https://shop.example/webhook',
        ipAllowlist: ['127.0.0.1', '10.0.0.0/8', '::1'],
        payClosedNotify: false,
      });
      expect(r.httpStatus).toBe(201);
      const data = r.body.data;
      if (!data) throw new Error(JSON.stringify(r.body));
      expect(data.apiKey).toMatch(/^[a-z0-9]{64}$/);
      expect(data.apiSecret).toMatch(/^[a-z0-9]{64}$/);
      expect(data.merchant).toMatchObject({ merchantId: data.merchantId, name: 'Ice Cream Shop', status: 'ACTIVE', webhookUrl: 'https://shop.example/webhook', ipAllowlist: ['127.0.0.1', '10.0.0.0/8', '::1'], payClosedNotify: false });
      expect(await binanceCode(data)).toBe('000000');
    });

    it('validates the body and names the field', async () => {
      expectBadRequest(await server.admin('POST', '/merchants', {}), 'name');
      expectBadRequest(await server.admin('POST', '/merchants', { name: '   ' }), 'name');
      expectBadRequest(await server.admin('POST', '/merchants', { name: 42 }), 'name');
      expectBadRequest(await server.admin('POST', '/merchants', { name: 'x'.repeat(129) }), 'name');
      for (const webhookUrl of ['ftp://shop.example/hook', 'not a url', 'https://', 'javascript:alert(1)', 42]) {
        expectBadRequest(await server.admin('POST', '/merchants', { name: 'Shop', webhookUrl }), 'webhookUrl');
      }
      for (const entry of ['300.1.1.1', '10.0.0.0/33', 'abc', '10.0.0.1/8/1', '::1/129', '', '10.0.0.0/-1', '1.2.3.4/ 8']) {
        expectBadRequest(await server.admin('POST', '/merchants', { name: 'Shop', ipAllowlist: ['127.0.0.1', entry] }), 'ipAllowlist');
      }
      expectBadRequest(await server.admin('POST', '/merchants', { name: 'Shop', ipAllowlist: '127.0.0.1' }), 'ipAllowlist');
      expectBadRequest(await server.admin('POST', '/merchants', { name: 'Shop', payClosedNotify: 'yes' }), 'payClosedNotify');
    });

    it('answers a malformed or non-object JSON body with 400, never 500', async () => {
      const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
      for (const body of ['{"name":', 'not json', '{"name":"a","name":"b"}', '[1,2', '"just a string"', '[]', 'null', '42', '{"name":' + '['.repeat(200_000)]) {
        const r = await raw('POST', '/merchants', { headers: auth, body });
        expect(r.status, `${body.slice(0, 30)} → ${r.text.slice(0, 200)}`).toBe(400);
        expect(r.body).toMatchObject({ status: 'FAIL', code: '900400' });
      }
      for (const depth of [1000, 2000, 3000, 4000, 6000, 10_000]) {
        const body = `{"name":"Deep","webhookUrl":${'['.repeat(depth)}${']'.repeat(depth)}}`;
        const r = await raw('POST', '/merchants', { headers: auth, body });
        expect(r.status, `depth ${depth} → ${r.text.slice(0, 200)}`).toBe(400);
      }
      const wrongType = await raw('POST', '/merchants', { headers: { ...auth, 'content-type': 'text/plain' }, body: '{"name":"Shop"}' });
      expect(wrongType.status).toBeGreaterThanOrEqual(400);
      expect(wrongType.status).toBeLessThan(500);
      expect(wrongType.body.status).toBe('FAIL');
    });

    it('lists, gets and patches merchants', async () => {
      const m = await server.createMerchant({ name: 'Patchable' });
      const list = await server.adminOk<MerchantView[]>('GET', '/merchants');
      expect(list.map((x) => x.merchantId)).toContain(m.merchantId);
      expect(JSON.stringify(list)).not.toMatch(/secret/i);
      expect(await server.adminOk<MerchantView>('GET', `/merchants/${m.merchantId}`)).toMatchObject({ merchantId: m.merchantId, name: 'Patchable', status: 'ACTIVE', webhookUrl: null, ipAllowlist: null, payClosedNotify: true });

      const patched = await server.adminOk<MerchantView>('PATCH', `/merchants/${m.merchantId}`, { webhookUrl: 'http://127.0.0.1:9/hook', ipAllowlist: ['127.0.0.0/8'], payClosedNotify: false, name: 'Patched' });
      expect(patched).toMatchObject({ merchantId: m.merchantId, name: 'Patched', webhookUrl: 'http://127.0.0.1:9/hook', ipAllowlist: ['127.0.0.0/8'], payClosedNotify: false });
      expect(await server.adminOk<MerchantView>('GET', `/merchants/${m.merchantId}`)).toEqual(patched);
      expect(await binanceCode(m)).toBe('000000');

      // an allow-list without the caller locks the key out on the Binance surface; null opens it again
      await server.adminOk('PATCH', `/merchants/${m.merchantId}`, { ipAllowlist: ['10.9.9.9'] });
      expect(await binanceCode(m)).toBe('400004');
      const cleared = await server.adminOk<MerchantView>('PATCH', `/merchants/${m.merchantId}`, { ipAllowlist: null, webhookUrl: null });
      expect(cleared).toMatchObject({ ipAllowlist: null, webhookUrl: null, payClosedNotify: false, name: 'Patched' });
      expect(await binanceCode(m)).toBe('000000');

      expectBadRequest(await server.admin('PATCH', `/merchants/${m.merchantId}`, { status: 'DELETED' }), 'status');
      expectBadRequest(await server.admin('PATCH', `/merchants/${m.merchantId}`, { webhookUrl: 'mailto:x@y.z' }), 'webhookUrl');
      expectBadRequest(await server.admin('PATCH', `/merchants/${m.merchantId}`, { ipAllowlist: ['1.2.3.4/40'] }), 'ipAllowlist');
      expectBadRequest(await server.admin('GET', '/merchants?limit=0'), 'limit');
    });

    it('pages the merchant list', async () => {
      for (let i = 0; i < 3; i++) await server.createMerchant({ name: `Paged ${i}` });
      const first = await server.adminOk<MerchantView[]>('GET', '/merchants?limit=2');
      expect(first).toHaveLength(2);
      const last = first[1];
      if (!last) throw new Error('no page');
      const next = await server.adminOk<MerchantView[]>('GET', `/merchants?limit=2&after=${last.merchantId}`);
      expect(next.length).toBeGreaterThan(0);
      expect(next.map((m) => m.merchantId)).not.toContain(last.merchantId);
      expect(next.map((m) => m.merchantId)).not.toContain(first[0]?.merchantId);
    });

    it('a SUSPENDED merchant gets 400203 on the Binance surface until reactivated', async () => {
      const m = await server.createMerchant({ name: 'Suspended Co' });
      expect(await binanceCode(m)).toBe('000000');
      expect(await server.adminOk<MerchantView>('PATCH', `/merchants/${m.merchantId}`, { status: 'SUSPENDED' })).toMatchObject({ status: 'SUSPENDED' });
      const r = await server.client(m).request('/binancepay/openapi/certificates', undefined, { rawBody: '' });
      expect(r.httpStatus).toBe(400);
      expect(r.envelope).toMatchObject({ status: 'FAIL', code: '400203' });
      await server.adminOk('PATCH', `/merchants/${m.merchantId}`, { status: 'ACTIVE' });
      expect(await binanceCode(m)).toBe('000000');
    });

    it('answers 404 / 900404 for an unknown merchant', async () => {
      const unknown = 123_456_789_012;
      const calls: Array<[string, string, unknown?]> = [
        ['GET', `/merchants/${unknown}`],
        ['PATCH', `/merchants/${unknown}`, { name: 'Ghost' }],
        ['GET', `/merchants/${unknown}/keys`],
        ['POST', `/merchants/${unknown}/keys`, {}],
        ['POST', `/merchants/${unknown}/keys/${'a'.repeat(64)}/revoke`, {}],
        ['POST', `/merchants/${unknown}/keys/${'a'.repeat(64)}/rotate`, {}],
      ];
      for (const [method, path, body] of calls) {
        const r = await server.admin(method, path, body);
        expect(r.httpStatus, `${method} ${path}`).toBe(404);
        expect(r.body).toMatchObject({ status: 'FAIL', code: '900404' });
      }
      const notANumber = await server.admin('GET', '/merchants/abc');
      expect(notANumber.httpStatus).toBe(400);
      expect(notANumber.body.code).toBe('900400');
    });
  });

  describe('API keys', () => {
    let merchant: MerchantCredentials;

    beforeAll(async () => {
      merchant = await server.createMerchant({ name: 'Key Holder' });
    });

    it('creates keys that sign at once, and lists keys without any secret', async () => {
      const created = await server.admin<{ apiKey: string; apiSecret: string; key: KeyView }>('POST', `/merchants/${merchant.merchantId}/keys`, { label: 'backend' });
      expect(created.httpStatus).toBe(201);
      const key = created.body.data;
      if (!key) throw new Error(JSON.stringify(created.body));
      expect(key.key).toMatchObject({ apiKey: key.apiKey, merchantId: merchant.merchantId, status: 'ACTIVE' });
      expect(await binanceCode({ merchantId: merchant.merchantId, apiKey: key.apiKey, apiSecret: key.apiSecret })).toBe('000000');
      // the first key still works too
      expect(await binanceCode(merchant)).toBe('000000');

      const listed = await server.admin<KeyView[]>('GET', `/merchants/${merchant.merchantId}/keys`);
      const text = JSON.stringify(listed.body);
      expect(listed.body.data?.map((k) => k.apiKey).sort()).toEqual([merchant.apiKey, key.apiKey].sort());
      expect(text).not.toMatch(/secret/i);
      expect(text).not.toContain(key.apiSecret);
      expect(text).not.toContain(merchant.apiSecret);
      for (const k of listed.body.data ?? []) for (const field of Object.keys(k)) expect(field.toLowerCase()).not.toContain('secret');
      expectBadRequest(await server.admin('POST', `/merchants/${merchant.merchantId}/keys`, { label: 'x'.repeat(65) }), 'label');
    });

    it('revokes a key: 400004 on the Binance surface, 409 the second time', async () => {
      const key = await server.adminOk<{ apiKey: string; apiSecret: string }>('POST', `/merchants/${merchant.merchantId}/keys`, {});
      const creds = { merchantId: merchant.merchantId, ...key };
      expect(await binanceCode(creds)).toBe('000000');
      const revoked = await server.admin<KeyView>('POST', `/merchants/${merchant.merchantId}/keys/${key.apiKey}/revoke`, {});
      expect(revoked.httpStatus).toBe(200);
      expect(revoked.body.data).toMatchObject({ apiKey: key.apiKey, status: 'REVOKED' });
      expect(typeof revoked.body.data?.revokedAtMs).toBe('number');
      expect(await binanceCode(creds)).toBe('400004');
      const again = await server.admin('POST', `/merchants/${merchant.merchantId}/keys/${key.apiKey}/revoke`, {});
      expect(again.httpStatus).toBe(409);
      expect(again.body).toMatchObject({ status: 'FAIL', code: '900409' });
      // rotating a revoked key is a conflict too
      const rotate = await server.admin('POST', `/merchants/${merchant.merchantId}/keys/${key.apiKey}/rotate`, {});
      expect(rotate.httpStatus).toBe(409);
      // other keys are untouched
      expect(await binanceCode(merchant)).toBe('000000');
    });

    it("does not let one merchant's id reach another merchant's key", async () => {
      const other = await server.createMerchant({ name: 'Other' });
      const r = await server.admin('POST', `/merchants/${other.merchantId}/keys/${merchant.apiKey}/revoke`, {});
      expect(r.httpStatus).toBe(404);
      expect(await binanceCode(merchant)).toBe('000000');
    });

    it('rotates a key: the old one works until the overlap ends on the business clock, the new one at once', async () => {
      const m = await server.createMerchant({ name: 'Rotator' });
      const overlapSeconds = 600;
      const before = server.built.businessClock.now();
      const r = await server.admin<{ apiKey: string; apiSecret: string; key: KeyView; previous: KeyView }>('POST', `/merchants/${m.merchantId}/keys/${m.apiKey}/rotate`, { overlapSeconds });
      expect(r.httpStatus).toBe(201);
      const data = r.body.data;
      if (!data) throw new Error(JSON.stringify(r.body));
      expect(data.apiKey).not.toBe(m.apiKey);
      expect(data.previous).toMatchObject({ apiKey: m.apiKey, status: 'ACTIVE' });
      expect(data.previous.expiresAtMs).toBeGreaterThanOrEqual(before + overlapSeconds * 1000);
      expect(data.previous.expiresAtMs).toBeLessThanOrEqual(server.built.businessClock.now() + overlapSeconds * 1000);
      const fresh = { merchantId: m.merchantId, apiKey: data.apiKey, apiSecret: data.apiSecret };
      expect(await binanceCode(fresh)).toBe('000000');
      expect(await binanceCode(m)).toBe('000000');

      server.built.businessClock.advance(overlapSeconds * 1000 - 5_000);
      expect(await binanceCode(m)).toBe('000000');
      server.built.businessClock.advance(5_000);
      expect(await binanceCode(m)).toBe('400004');
      expect(await binanceCode(fresh)).toBe('000000');

      expectBadRequest(await server.admin('POST', `/merchants/${m.merchantId}/keys/${data.apiKey}/rotate`, { overlapSeconds: -1 }), 'overlapSeconds');
      expectBadRequest(await server.admin('POST', `/merchants/${m.merchantId}/keys/${data.apiKey}/rotate`, { overlapSeconds: '60' }), 'overlapSeconds');
      expect(await binanceCode(fresh)).toBe('000000');
    });
  });
});
