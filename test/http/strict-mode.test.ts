/**
 * Strict mode (BPAY_STRICT=true) over the whole error catalog, on both dialects: every code the
 * Binance Pay surface can answer is triggered over real HTTP, and the answer is exactly
 * `{"status":"FAIL","code":…,"errorMessage":<the catalog's text>}` — Binance's words, no detail, no
 * extra field. A method other than POST, a missing content type or a missing body answer Binance's
 * gateway error `{"status":"ERROR","type":"SYS","code":"100001001","errorData":"System abnormality"}`
 * (fact sheet §1.6). The default mode keeps Binance's words for verbatim codes and moves the detail
 * to `hint`.
 */
import { randomBytes } from 'node:crypto';
import type { RawResponse } from '@binance-pay-server/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { allErrorSpecs, Errors, type ErrorSpec } from '../../src/domain/errors.ts';
import { failureOf } from '../../src/http/binancepay/envelope.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder, paidOrder, tradeNo, v3OrderBody } from '../helpers/endpoints.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const SYS_BODY = '{"status":"ERROR","type":"SYS","code":"100001001","errorData":"System abnormality"}';
const BODY_LIMIT = 4096;

/** Codes no well-formed request can provoke: checked through the envelope function itself. */
const NOT_OVER_HTTP: Record<string, string> = {
  '400000': 'an unexpected failure (a bug or a broken database): failureOf(new Error()) below',
};

const exactFail = (spec: ErrorSpec) => `{"status":"FAIL","code":"${spec.code}","errorMessage":${JSON.stringify(spec.message)}}`;

describeEachDialect('strict mode answers', (dialect) => {
  let strict: TestServer;
  let limited: TestServer;
  let normal: TestServer;
  let m: MerchantCredentials;

  beforeAll(async () => {
    strict = await startTestServer(dialect, { BPAY_STRICT: 'true', BPAY_BODY_LIMIT: String(BODY_LIMIT) });
    limited = await startTestServer(dialect, { BPAY_STRICT: 'true', BPAY_RATE_LIMIT: '1/1h' });
    normal = await startTestServer(dialect);
    m = await strict.createMerchant({ name: 'Strict Shop' });
  });
  afterAll(async () => Promise.all([strict?.close(), limited?.close(), normal?.close()]));

  const client = (creds: MerchantCredentials = m) => strict.client(creds);
  const post = (path: string, body: unknown, opts: Parameters<ReturnType<TestServer['client']>['request']>[2] = {}, creds?: MerchantCredentials) =>
    client(creds).request(`/binancepay/openapi${path}`, body, opts);
  const refund = (prepayId: string, amount: string) => post('/order/refund', { refundRequestId: `R${randomBytes(8).toString('hex')}`, prepayId, refundAmount: amount });

  const TRIGGERS: Record<string, () => Promise<RawResponse>> = {
    '400001': async () => {
      const nonce = randomBytes(16).toString('hex');
      await post('/certificates', undefined, { nonce });
      return post('/certificates', undefined, { nonce });
    },
    '400002': () => post('/certificates', undefined, { signature: 'A'.repeat(128) }),
    '400003': () => post('/certificates', undefined, { timestamp: Date.now() - 60_000 }),
    '400004': () => post('/certificates', undefined, {}, { ...m, apiKey: 'a'.repeat(64) }),
    '400005': () => post('/certificates', undefined, {}, { ...m, apiKey: 'short' }),
    '400007': () => post('/certificates', undefined, { contentType: 'text/plain' }),
    '400008': () => post('/v3/order', undefined, { rawBody: '{"merchantTradeNo":"A","merchantTradeNo":"A"}' }),
    '400100': () => post('/v3/order', v3OrderBody({ description: undefined })),
    '400101': () => post('/v3/order', v3OrderBody({ merchantTradeNo: 'A'.repeat(33) })),
    '400102': () => post('/v3/order', v3OrderBody({ currency: 'NOPE' })),
    '400103': () => post('/v3/order', v3OrderBody({ description: 'a\u0000b' })),
    '400104': () => post('/v3/order', v3OrderBody({ description: 'x'.repeat(BODY_LIMIT) })),
    '400201': async () => {
      const body = v3OrderBody();
      await post('/v3/order', body);
      return post('/v3/order', body);
    },
    '400202': () => post('/v2/order/query', { prepayId: '1234567890123456789' }),
    '400203': async () => {
      const suspended = await strict.createMerchant({ name: 'Suspended Shop' });
      await strict.adminOk('PATCH', `/merchants/${suspended.merchantId}`, { status: 'SUSPENDED' });
      return post('/certificates', undefined, {}, suspended);
    },
    '400204': async () => {
      const prepayId = await createOrder(strict, m);
      await post('/order/close', { prepayId });
      return post('/order/close', { prepayId });
    },
    '400205': async () => {
      const body = { merchantName: `Dup${randomBytes(4).toString('hex')}`, storeType: 0, merchantMcc: '1001', siteUrl: 'https://a.example' };
      await post('/submerchant/add', body);
      return post('/submerchant/add', body);
    },
    '400206': () => post('/v3/order', v3OrderBody({ merchant: { subMerchantId: '1234567890123456789' } })),
    '400209': async () => post('/profitsharing/v1/submit-split', { merchantRequestId: tradeNo(), prepayOrderId: await paidOrder(strict, m), receiverList: [{ account: '123456789', amount: '1' }] }),
    '400301': () => refund('1234567890123456789', '1'),
    '400302': async () => {
      const prepayId = await paidOrder(strict, m, '1');
      for (let i = 0; i < 10; i++) expect((await refund(prepayId, '0.01')).envelope?.status).toBe('SUCCESS');
      return refund(prepayId, '0.01');
    },
    '400303': async () => refund(await paidOrder(strict, m, '1'), '2'),
    '400304': async () => {
      const shop = await strict.createMerchant({ name: 'Empty Wallet Shop' });
      const prepayId = await paidOrder(strict, shop, '5');
      await post('/wallet/transfer', { requestId: tradeNo(), currency: 'USDT', amount: '5', transferType: 'TO_MAIN' }, {}, shop);
      return post('/order/refund', { refundRequestId: tradeNo(), prepayId, refundAmount: '1' }, {}, shop);
    },
    '400601': () => post('/profitsharing/v1/add-receiver', { account: '999999999999' }),
    '404000': () => post('/no/such/path', {}),
    '406108': async () => {
      const shop = await limited.createMerchant({ name: 'Limited Shop' });
      await limited.client(shop).request('/binancepay/openapi/certificates', undefined);
      return limited.client(shop).request('/binancepay/openapi/certificates', undefined);
    },
  };

  it('covers every code the Binance Pay surface can answer', () => {
    const answerable = allErrorSpecs.filter((s) => s.origin !== 'sandbox' || s === Errors.PATH_NOT_FOUND).map((s) => s.code);
    // 400006 becomes 100001001 in strict mode (checked below), 100001001 has its own shape
    const covered = [...Object.keys(TRIGGERS), ...Object.keys(NOT_OVER_HTTP), Errors.BAD_HTTP_METHOD.code, Errors.SYSTEM_ABNORMALITY.code];
    expect(answerable.filter((c) => !covered.includes(c))).toEqual([]);
  });

  for (const [code, trigger] of Object.entries(TRIGGERS)) {
    const spec = allErrorSpecs.find((s) => s.code === code) as ErrorSpec;
    it(`${code} ${spec.name}: exactly status, code and "${spec.message}"`, async () => {
      const r = await trigger();
      expect(r.rawText).toBe(exactFail(spec));
      expect(r.httpStatus).toBe(spec.httpStatus);
    });
  }

  it('400000 from an unexpected failure is the catalog text in both modes', () => {
    for (const strictMode of [true, false]) {
      expect(failureOf(new Error('database exploded'), { strict: strictMode, extraFields: true }).body).toBe(exactFail(Errors.UNKNOWN_ERROR));
    }
  });

  it('a method other than POST, no content type, or no body: 100001001 as Binance’s gateway writes it', async () => {
    const answers = [
      ...(await Promise.all(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].map((method) => post('/v3/order', v3OrderBody(), { method })))),
      await post('/v3/order', v3OrderBody(), { contentType: null }),
      await post('/v3/order', undefined, { rawBody: '' }),
      await post('/v3/order', undefined, { rawBody: '  \n' }),
      // before authentication, like a gateway: a wrong key does not change it
      await post('/v3/order', v3OrderBody(), { method: 'GET' }, { ...m, apiKey: 'a'.repeat(64) }),
    ];
    for (const r of answers) {
      expect(r.rawText).toBe(SYS_BODY);
      expect(r.httpStatus).toBe(400);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
    }
    // a body-less endpoint still takes an empty body
    expect((await post('/certificates', undefined, { rawBody: '' })).envelope?.status).toBe('SUCCESS');
  });

  it('the default mode keeps 400006, 400007 and 400008 there, and Binance’s words with the detail in hint', async () => {
    const d = await normal.createMerchant({ name: 'Default Shop' });
    const send = (body: unknown, opts: Parameters<ReturnType<TestServer['client']>['request']>[2] = {}) => normal.client(d).request('/binancepay/openapi/v3/order', body, opts);
    expect((await send(v3OrderBody(), { method: 'GET' })).envelope?.code).toBe('400006');
    expect((await send(v3OrderBody(), { contentType: null })).envelope?.code).toBe('400007');
    const empty = await send(undefined, { rawBody: '' });
    expect(empty.envelope).toMatchObject({ code: '400008', errorMessage: 'Request body is not a valid json object.', hint: 'Request body is empty: send a JSON object.' });
    const body = v3OrderBody();
    await send(body);
    const duplicated = await send(body);
    expect(duplicated.envelope).toMatchObject({ code: '400201', errorMessage: 'merchantTradeNo is invalid or duplicated', hint: `merchantTradeNo ${String(body.merchantTradeNo)} is invalid or duplicated` });
    // a code whose Binance wording is unknown names the field in errorMessage itself
    const missing = await send(v3OrderBody({ description: undefined }));
    expect(missing.envelope).toMatchObject({ code: '400100', errorMessage: 'description is mandatory' });
    expect(missing.envelope).not.toHaveProperty('hint');
  });
});
