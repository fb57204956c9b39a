/**
 * Request authentication on every Binance endpoint, on both dialects: the exact HMAC rule
 * (fact sheet §1.3), the header/timestamp/nonce rules, and the order of checks (§1.6).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { AUTH_CODES, ENDPOINTS } from '../helpers/endpoints.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';
import { failureText } from '../helpers/envelope.ts';

function sign(secret: string, ts: string, nonce: string, body: string): string {
  return createHmac('sha512', secret).update(`${ts}\n${nonce}\n${body}\n`).digest('hex').toUpperCase();
}

function nonce(): string {
  return randomBytes(16).toString('hex');
}

describeEachDialect('request authentication', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant();
  });
  afterAll(async () => server?.close());

  for (const endpoint of ENDPOINTS) {
    describe(endpoint.path, () => {
      const send = async (opts: Parameters<ReturnType<TestServer['client']>['request']>[2] = {}, creds?: MerchantCredentials) => {
        // state the body refers to (an order to query…) always belongs to the valid merchant
        const body = await endpoint.sampleBody(server, merchant);
        return server.client(creds ?? merchant).request(endpoint.path, body, opts);
      };
      const expectFail = (r: Awaited<ReturnType<typeof send>>, code: string) => {
        expect(r.envelope, r.rawText).toMatchObject({ status: 'FAIL', code });
        expect(r.httpStatus).toBe(400);
        expect(typeof r.envelope?.errorMessage).toBe('string');
        expect(r.headers['content-type']).toMatch(/^application\/json/);
      };

      it('accepts a correct signature', async () => {
        const r = await send();
        expect(AUTH_CODES).not.toContain(r.envelope?.code);
        if (endpoint.succeeds) {
          expect(r.envelope, r.rawText).toMatchObject({ status: 'SUCCESS', code: '000000' });
          expect(r.httpStatus).toBe(200);
          expect(r.rawText.startsWith('{"status":"SUCCESS","code":"000000","data":')).toBe(true);
        }
      });

      it('rejects a signature made with another secret (400002)', async () => {
        const r = await send({ signature: sign('x'.repeat(64), '1', nonce(), '{}') });
        expectFail(r, '400002');
        expect(r.envelope?.errorMessage).toBe('Signature for this request is not valid.');
      });

      it('rejects a lower-case hex signature (400002) and says why', async () => {
        const ts = String(Date.now());
        const n = nonce();
        const body = JSON.stringify(await endpoint.sampleBody(server, merchant));
        const r = await server.client(merchant).request(endpoint.path, undefined, { rawBody: body, timestamp: ts, nonce: n, signature: sign(merchant.apiSecret, ts, n, body).toLowerCase() });
        expectFail(r, '400002');
        expect((r.envelope as { signatureDebug?: { mistake: string } }).signatureDebug?.mistake).toBe('LOWER_CASE_HEX');
      });

      it('rejects stale and future timestamps (400003)', async () => {
        const window = server.config.timestampWindowMs;
        expectFail(await send({ timestamp: Date.now() - window - 5_000 }), '400003');
        expectFail(await send({ timestamp: Date.now() + window + 5_000 }), '400003');
      });

      it('rejects a timestamp in seconds (400003) with a hint', async () => {
        const r = await send({ timestamp: Math.floor(Date.now() / 1000) });
        expectFail(r, '400003');
        expect(r.envelope?.errorMessage).toBe('Timestamp for this request is outside of the recvWindow.');
        expect(String((r.envelope as { hint?: string }).hint)).toMatch(/seconds/);
      });

      it('rejects a non-numeric timestamp (400003)', async () => {
        expectFail(await send({ timestamp: '2026-11-23T10:00:00Z' }), '400003');
      });

      it('rejects a reused nonce within the window (400001)', async () => {
        const n = nonce();
        const first = await send({ nonce: n });
        expect(AUTH_CODES).not.toContain(first.envelope?.code);
        expect(first.envelope?.code).not.toBe('400001');
        const replay = await send({ nonce: n });
        expectFail(replay, '400001');
        expect(failureText(replay.envelope)).toMatch(/already used/);
      });

      it('rejects malformed nonces (400100)', async () => {
        expectFail(await send({ nonce: 'short' }), '400100');
        expectFail(await send({ nonce: 'x'.repeat(31) + '-' }), '400100');
      });

      it('rejects an unknown API key (400004)', async () => {
        expectFail(await send({}, { ...merchant, apiKey: 'a'.repeat(64) }), '400004');
      });

      it('rejects a malformed API key (400005)', async () => {
        expectFail(await send({}, { ...merchant, apiKey: 'not-a-key' }), '400005');
        expectFail(await send({}, { ...merchant, apiKey: 'a'.repeat(65) }), '400005');
      });

      it('rejects a revoked API key (400004)', async () => {
        const m = await server.createMerchant({ name: 'Revoked Co' });
        expect(AUTH_CODES).not.toContain((await send({}, m)).envelope?.code);
        await server.adminOk('POST', `/merchants/${m.merchantId}/keys/${m.apiKey}/revoke`, {});
        expectFail(await send({}, m), '400004');
      });

      it('rejects each missing header (400100)', async () => {
        for (const h of ['BinancePay-Timestamp', 'BinancePay-Nonce', 'BinancePay-Certificate-SN', 'BinancePay-Signature']) {
          const r = await send({ headers: { [h]: undefined } });
          expectFail(r, '400100');
          expect(r.envelope?.errorMessage).toContain(h);
        }
      });

      it('rejects a wrong or missing content type (400007)', async () => {
        expectFail(await send({ contentType: 'text/plain' }), '400007');
        expectFail(await send({ contentType: 'application/x-www-form-urlencoded' }), '400007');
        expectFail(await send({ contentType: null }), '400007');
      });

      it('accepts content-type parameters', async () => {
        for (const contentType of ['application/json;charset=utf-8', 'application/json; charset=UTF-8', 'Application/JSON']) {
          expect(AUTH_CODES).not.toContain((await send({ contentType })).envelope?.code);
        }
      });

      it('rejects other methods (400006)', async () => {
        for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) expectFail(await send({ method }), '400006');
      });

      it('rejects a correctly signed non-JSON body (400008)', async () => {
        for (const rawBody of ['not json', '{"a":', '{"a":1,"a":2}', '"string"', '42']) {
          expectFail(await send({ rawBody }), '400008');
        }
      });

      it('rejects a correctly signed body that is not UTF-8 (400008)', async () => {
        const ts = String(Date.now());
        const n = nonce();
        const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
        const payload = Buffer.concat([Buffer.from(`${ts}\n${n}\n`), bytes, Buffer.from('\n')]);
        const signature = createHmac('sha512', merchant.apiSecret).update(payload).digest('hex').toUpperCase();
        const response = await fetch(server.baseUrl + endpoint.path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'BinancePay-Timestamp': ts, 'BinancePay-Nonce': n, 'BinancePay-Certificate-SN': merchant.apiKey, 'BinancePay-Signature': signature },
          body: bytes,
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ status: 'FAIL', code: '400008' });
      });

      it('rejects an oversize body (400104)', async () => {
        const big = JSON.stringify({ pad: 'x'.repeat(server.config.bodyLimitBytes + 10) });
        expectFail(await send({ rawBody: big }), '400104');
      });

      it('rejects a caller outside the IP allow-list (400004) and admits one inside', async () => {
        const outside = await server.createMerchant({ name: 'Walled', ipAllowlist: ['10.1.2.3', '192.168.0.0/16'] });
        const r = await send({}, outside);
        expectFail(r, '400004');
        expect(String((r.envelope as { hint?: string }).hint)).toMatch(/allow-list/);
        const inside = await server.createMerchant({ name: 'Local', ipAllowlist: ['10.1.2.3', '127.0.0.0/8'] });
        expect(AUTH_CODES).not.toContain((await send({}, inside)).envelope?.code);
      });

      if (endpoint.bodyless) {
        it('accepts the empty bodies clients send: "", {}, [], null', async () => {
          for (const rawBody of ['', '{}', '[]', 'null']) {
            const r = await send({ rawBody });
            expect(r.envelope, `${JSON.stringify(rawBody)}: ${r.rawText}`).toMatchObject({ status: 'SUCCESS', code: '000000' });
          }
        });
      }

      it('checks in Binance order: method, content type, headers, timestamp, key, signature', async () => {
        const stale = Date.now() - 10 * server.config.timestampWindowMs;
        expectFail(await send({ method: 'PUT', contentType: 'text/plain', signature: 'bad' }), '400006');
        expectFail(await send({ contentType: 'text/plain', timestamp: stale, signature: 'bad' }), '400007');
        expectFail(await send({ timestamp: stale, signature: 'bad' }), '400003');
        expectFail(await send({ signature: 'bad' }, { ...merchant, apiKey: 'b'.repeat(64) }), '400004');
        expectFail(await send({ rawBody: 'not json', signature: 'bad' }), '400002');
      });
    });
  }

  it('answers unknown API paths with a JSON 404 and a suggestion', async () => {
    const r = await server.client(merchant).request('/binancepay/openapi/certificate', {});
    expect(r.httpStatus).toBe(404);
    expect(r.envelope).toMatchObject({ status: 'FAIL', code: '404000' });
    expect(r.envelope?.errorMessage).toContain('/binancepay/openapi/certificates');
    const root = await fetch(`${server.baseUrl}/nothing/here`);
    expect(root.status).toBe(404);
    expect(await root.json()).toMatchObject({ status: 'FAIL' });
  });
});

describe('timestamp window and fidelity settings', () => {
  it('strict mode uses a 1 s window and sends no signature debugger', async () => {
    const server = await startTestServer('sqlite', { BPAY_STRICT: 'true' });
    try {
      const m = await server.createMerchant();
      expect(server.config.timestampWindowMs).toBe(1000);
      const late = await server.client(m).request('/binancepay/openapi/certificates', undefined, { rawBody: '', timestamp: Date.now() - 2500 });
      expect(late.envelope).toMatchObject({ code: '400003' });
      expect(late.envelope).not.toHaveProperty('hint');
      const bad = await server.client(m).request('/binancepay/openapi/certificates', undefined, { rawBody: '', signature: 'A'.repeat(128) });
      expect(bad.envelope).toMatchObject({ code: '400002', errorMessage: 'Signature for this request is not valid.' });
      expect(Object.keys(bad.envelope ?? {}).sort()).toEqual(['code', 'errorMessage', 'status']);
    } finally {
      await server.close();
    }
  });

  it('BPAY_TIMESTAMP_WINDOW_MS sets the window', async () => {
    const server = await startTestServer('sqlite', { BPAY_TIMESTAMP_WINDOW_MS: '5000' });
    try {
      const m = await server.createMerchant();
      expect((await server.client(m).request('/binancepay/openapi/certificates', undefined, { rawBody: '', timestamp: Date.now() - 3000 })).envelope?.status).toBe('SUCCESS');
      expect((await server.client(m).request('/binancepay/openapi/certificates', undefined, { rawBody: '', timestamp: Date.now() - 7000 })).envelope?.code).toBe('400003');
    } finally {
      await server.close();
    }
  });

  it('accepts lower-case hex only when BPAY_SIGNATURE_CASE_INSENSITIVE is set', async () => {
    const server = await startTestServer('sqlite', { BPAY_SIGNATURE_CASE_INSENSITIVE: 'true' });
    try {
      const m = await server.createMerchant();
      const ts = String(Date.now());
      const n = nonce();
      const r = await server.client(m).request('/binancepay/openapi/certificates', undefined, { rawBody: '{}', timestamp: ts, nonce: n, signature: sign(m.apiSecret, ts, n, '{}').toLowerCase() });
      expect(r.envelope?.status).toBe('SUCCESS');
    } finally {
      await server.close();
    }
  });
});
