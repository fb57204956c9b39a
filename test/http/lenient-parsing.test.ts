/**
 * The lenient-parsing decisions of docs/api-coverage.md, over HTTP on both dialects, in the default
 * and the strict mode alike: padded amounts and amount literals with more than 8 decimals (even
 * trailing zeros) are refused, as Java's BigDecimal scale check would; integer fields take digit
 * strings and "-0" (Jackson's coercion), stored as 0; a key given twice is 400008 even with the same
 * value, on the admin API too (900400).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { paidOrder, tradeNo, v3OrderBody } from '../helpers/endpoints.ts';
import { failureText } from '../helpers/envelope.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

describeEachDialect('lenient parsing', (dialect) => {
  let normal: TestServer;
  let strict: TestServer;
  const merchants = new Map<TestServer, MerchantCredentials>();

  beforeAll(async () => {
    normal = await startTestServer(dialect);
    strict = await startTestServer(dialect, { BPAY_STRICT: 'true' });
    for (const s of [normal, strict]) merchants.set(s, await s.createMerchant({ name: 'Parsing Shop' }));
  });
  afterAll(async () => Promise.all([normal?.close(), strict?.close()]));

  const both = () => [normal, strict];
  const send = (s: TestServer, path: string, body: unknown, rawBody?: string) => s.client(merchants.get(s)!).request(`/binancepay/openapi${path}`, body, rawBody === undefined ? {} : { rawBody });

  it('amounts with spaces around them are refused (400100), as numbers never have any', async () => {
    for (const s of both()) {
      for (const orderAmount of [' 10', '10 ', '\t10', '10\n', ' 10 ']) {
        const r = await send(s, '/v3/order', v3OrderBody({ orderAmount }));
        expect(r.envelope?.code, `${JSON.stringify(orderAmount)} ${r.rawText}`).toBe('400100');
        if (s === normal) expect(failureText(r.envelope)).toContain('orderAmount is not a valid decimal number: no spaces allowed');
      }
      const prepayId = await paidOrder(s, merchants.get(s)!);
      expect((await send(s, '/order/refund', { refundRequestId: tradeNo(), prepayId, refundAmount: '1 ' })).envelope?.code).toBe('400100');
      expect((await send(s, '/wallet/transfer', { requestId: tradeNo(), currency: 'USDT', amount: ' 1', transferType: 'TO_MAIN' })).envelope?.code).toBe('400100');
      expect((await send(s, '/v3/order', v3OrderBody({ orderAmount: '10' }))).envelope?.status).toBe('SUCCESS');
    }
  });

  it('more than 8 decimals in the literal is 400102, even when they are zeros; 8 and exponents within 8 pass', async () => {
    for (const s of both()) {
      for (const literal of ['"1.100000000"', '1.100000000', '"0.000000010"', '10e-9', '"1.0E-9"', '0.123456789']) {
        const r = await send(s, '/v3/order', undefined, JSON.stringify(v3OrderBody({ orderAmount: 0 })).replace('"orderAmount":0', `"orderAmount":${literal}`));
        expect(r.envelope?.code, `${literal} ${r.rawText}`).toBe('400102');
        if (s === normal) expect(failureText(r.envelope)).toContain('orderAmount must have at most 8 decimal places');
      }
      for (const literal of ['"1.10000000"', '1.10000000', '1e-8', '2.5E+1', '"15e-1"', '0.00000001']) {
        const r = await send(s, '/v3/order', undefined, JSON.stringify(v3OrderBody({ orderAmount: 0 })).replace('"orderAmount":0', `"orderAmount":${literal}`));
        expect(r.envelope?.status, `${literal} ${r.rawText}`).toBe('SUCCESS');
      }
    }
  });

  it('integer fields take digit strings and -0, and store them as numbers (storeType)', async () => {
    for (const s of both()) {
      for (const [literal, stored] of [['"0"', 0], ['"-0"', 0], ['-0', 0], ['"1"', 1], ['"-1"', -1], ['0', 0]] as const) {
        const name = `Int${tradeNo()}`;
        const extra = stored === 1 ? ',"address":"Main st 1"' : stored === -1 ? ',"address":"Main st 1","siteUrl":"https://a.example"' : ',"siteUrl":"https://a.example"';
        const r = await send(s, '/submerchant/add', undefined, `{"merchantName":"${name}","storeType":${literal},"merchantMcc":"1001"${extra}}`);
        expect(r.envelope?.status, `${literal} ${r.rawText}`).toBe('SUCCESS');
        const sub = await s.adminOk<{ profile: { storeType: number } }>('GET', `/merchants/${String((r.envelope?.data as { subMerchantId: number }).subMerchantId)}`);
        expect(Object.is(sub.profile.storeType, stored), `${literal} stored as ${sub.profile.storeType}`).toBe(true);
      }
      for (const literal of ['"0.0"', '0.5', '" 0"', '"+1"', '"zero"']) {
        const r = await send(s, '/submerchant/add', undefined, `{"merchantName":"Int${tradeNo()}","storeType":${literal},"merchantMcc":"1001","siteUrl":"https://a.example"}`);
        expect(r.envelope?.status, `${literal} ${r.rawText}`).toBe('FAIL');
      }
    }
  });

  it('a key given twice is 400008 even with the same value; the admin API refuses it too', async () => {
    for (const s of both()) {
      const body = JSON.stringify(v3OrderBody());
      for (const raw of [body.replace('{', '{"currency":"USDT",'), body.replace('"env":{', '"env":{"terminalType":"WEB",'), body.replace('{', '{"currency":"BTC",')]) {
        const r = await send(s, '/v3/order', undefined, raw);
        expect(r.envelope?.code, r.rawText).toBe('400008');
        expect(r.envelope?.errorMessage).toBe('Request body is not a valid json object.');
        if (s === normal) expect(r.envelope?.hint).toMatch(/Duplicate key '(currency|terminalType)'/);
      }
      const admin = await s.admin('POST', '/payers', '{"name":"a","name":"a"}');
      expect(admin.httpStatus).toBe(400);
      expect(admin.body).toMatchObject({ code: '900400' });
      expect(admin.body.errorMessage).toContain("Duplicate key 'name'");
    }
  });
});
