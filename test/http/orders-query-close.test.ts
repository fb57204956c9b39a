/**
 * Query order v2/v1 and close order on both dialects, through real HTTP (fact sheet §3.3, §3.4,
 * §4.1): lookup rules, tenant isolation, the exact shape of unpaid and paid orders, and which
 * states can close.
 */
import type { RawResponse } from '@binance-pay-server/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { tradeNo, v1OrderBody, v2OrderBody, v3OrderBody } from '../helpers/endpoints.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';
import { expectNamed } from '../helpers/envelope.ts';

const V3 = '/binancepay/openapi/v3/order';
const V2 = '/binancepay/openapi/v2/order';
const V1 = '/binancepay/openapi/order';
const QUERY = '/binancepay/openapi/v2/order/query';
const QUERY_V1 = '/binancepay/openapi/order/query';
const CLOSE = '/binancepay/openapi/order/close';

const INITIAL_KEYS = ['merchantId', 'prepayId', 'merchantTradeNo', 'status', 'currency', 'orderAmount', 'createTime'];
const PAID_EXTRA_KEYS = ['transactionId', 'openUserId', 'commission', 'transactTime', 'paymentInfo'];

interface QueryData {
  merchantId: number;
  prepayId: string;
  transactionId?: string;
  merchantTradeNo: string;
  status: string;
  currency: string;
  orderAmount: string;
  openUserId?: string;
  passThroughInfo?: string;
  commission?: string;
  transactTime?: number;
  createTime: number;
  paymentInfo?: { payerId: string; payMethod: string; paymentInstructions: Array<{ currency: string; amount: string; price: string }>; channel: string };
  [k: string]: unknown;
}

interface PayerView {
  binanceId: string;
}

const sorted = (keys: string[]) => [...keys].sort();

describeEachDialect('query order and close order', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  let other: MerchantCredentials;
  let payer: PayerView;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Query Shop' });
    other = await server.createMerchant({ name: 'Other Shop' });
    payer = await server.adminOk<PayerView>('POST', '/payers', { fund: ['1000:USDT', '1:BTC'] });
  });
  afterAll(async () => server?.close());

  const send = <T = QueryData>(path: string, body: unknown, creds: MerchantCredentials = merchant, rawBody?: string): Promise<RawResponse<T>> =>
    server.client(creds).request<T>(path, rawBody === undefined ? body : undefined, rawBody === undefined ? {} : { rawBody });

  const ok = async <T = QueryData>(path: string, body: unknown, creds: MerchantCredentials = merchant): Promise<{ data: T; rawText: string }> => {
    const r = await send<T>(path, body, creds);
    expect(r.envelope, r.rawText).toMatchObject({ status: 'SUCCESS', code: '000000' });
    expect(r.httpStatus).toBe(200);
    return { data: r.envelope?.data as T, rawText: r.rawText };
  };

  const expectFail = (r: RawResponse, code: string, messagePart?: string) => {
    expect(r.envelope, r.rawText).toMatchObject({ status: 'FAIL', code });
    expect(r.httpStatus).toBe(400);
    if (messagePart) expectNamed(r.envelope, messagePart, r.rawText);
  };

  const create = async (overrides: Record<string, unknown> = {}, creds: MerchantCredentials = merchant) => {
    const body = v3OrderBody(overrides);
    const { data } = await ok<{ prepayId: string; expireTime: number }>(V3, body, creds);
    return { prepayId: data.prepayId, merchantTradeNo: body.merchantTradeNo as string, expireTime: data.expireTime };
  };

  const query = async (lookup: Record<string, unknown>, creds: MerchantCredentials = merchant, path = QUERY) => ok(path, lookup, creds);

  const pay = (prepayId: string, by: PayerView = payer, currency?: string) => server.adminOk<QueryData>('POST', `/orders/${prepayId}/pay`, { payer: by.binanceId, ...(currency ? { currency } : {}) });

  describe('lookup (fact sheet §3.3)', () => {
    it('by prepayId and by merchantTradeNo, on v2 and v1', async () => {
      const o = await create();
      for (const path of [QUERY, QUERY_V1]) {
        const a = await query({ prepayId: o.prepayId }, merchant, path);
        const b = await query({ merchantTradeNo: o.merchantTradeNo }, merchant, path);
        expect(a.data.prepayId).toBe(o.prepayId);
        expect(b.data.prepayId).toBe(o.prepayId);
        expect(a.data.merchantTradeNo).toBe(o.merchantTradeNo);
        expect(b.data).toEqual(a.data);
      }
    });

    it('prepayId as a JSON number above 2^53 is read exactly', async () => {
      const o = await create();
      const r = await send(QUERY, undefined, merchant, `{"prepayId":${o.prepayId}}`);
      expect(r.envelope?.status, r.rawText).toBe('SUCCESS');
      expect((r.envelope?.data as QueryData).prepayId).toBe(o.prepayId);
    });

    it('prepayId wins when both are given, even with another order’s merchantTradeNo', async () => {
      const a = await create();
      const b = await create();
      for (const path of [QUERY, QUERY_V1]) {
        const r = await query({ prepayId: a.prepayId, merchantTradeNo: b.merchantTradeNo }, merchant, path);
        expect(r.data.prepayId).toBe(a.prepayId);
        expect(r.data.merchantTradeNo).toBe(a.merchantTradeNo);
      }
      // even when the merchantTradeNo does not exist at all
      expect((await query({ prepayId: a.prepayId, merchantTradeNo: 'doesNotExist' })).data.prepayId).toBe(a.prepayId);
    });

    it('null counts as absent (the doc sample sends the other id as null)', async () => {
      const o = await create();
      expect((await query({ prepayId: o.prepayId, merchantTradeNo: null })).data.prepayId).toBe(o.prepayId);
      expect((await query({ prepayId: null, merchantTradeNo: o.merchantTradeNo })).data.prepayId).toBe(o.prepayId);
    });

    it('an empty id counts as not given ("one must be non-empty", fact sheet §3.4)', async () => {
      const o = await create();
      expect((await query({ prepayId: '', merchantTradeNo: o.merchantTradeNo })).data.prepayId).toBe(o.prepayId);
      expect((await query({ prepayId: o.prepayId, merchantTradeNo: '' }, merchant, QUERY_V1)).data.prepayId).toBe(o.prepayId);
      const c = await create();
      expect((await send<boolean>(CLOSE, { prepayId: '', merchantTradeNo: c.merchantTradeNo })).envelope?.data).toBe(true);
      expect((await query({ prepayId: c.prepayId })).data.status).toBe('CANCELED');
    });

    it('merchantTradeNo is case-sensitive, the same on both dialects', async () => {
      const base = tradeNo();
      const upper = await create({ merchantTradeNo: base.toUpperCase() });
      const lower = await create({ merchantTradeNo: base.toLowerCase() });
      expect(upper.prepayId).not.toBe(lower.prepayId);
      expect((await query({ merchantTradeNo: base.toUpperCase() })).data.prepayId).toBe(upper.prepayId);
      expect((await query({ merchantTradeNo: base.toLowerCase() })).data.prepayId).toBe(lower.prepayId);
    });

    it('neither → 400100', async () => {
      for (const path of [QUERY, QUERY_V1, CLOSE]) {
        expectFail(await send(path, {}), '400100', 'prepayId');
        expectFail(await send(path, { prepayId: null, merchantTradeNo: null }), '400100', 'prepayId');
        expectFail(await send(path, { prepayId: '', merchantTradeNo: '' }), '400100', 'prepayId');
      }
    });

    it('malformed ids → 400101 / 400103 naming the field', async () => {
      for (const path of [QUERY, QUERY_V1, CLOSE]) {
        expectFail(await send(path, { prepayId: '1'.repeat(20) }), '400101', 'prepayId');
        expectFail(await send(path, { prepayId: '123-456' }), '400103', 'prepayId');
        expectFail(await send(path, { merchantTradeNo: 'A'.repeat(33) }), '400101', 'merchantTradeNo');
        expectFail(await send(path, { merchantTradeNo: 'abc-1' }), '400103', 'merchantTradeNo');
        expectFail(await send(path, { prepayId: true }), '400008', 'prepayId');
      }
    });

    it('unknown → 400202', async () => {
      for (const path of [QUERY, QUERY_V1]) {
        expectFail(await send(path, { prepayId: '123456789012345678' }), '400202');
        expectFail(await send(path, { merchantTradeNo: tradeNo() }), '400202');
      }
    });

    it("another merchant's order is not found, by prepayId or merchantTradeNo (tenant isolation)", async () => {
      const theirs = await create({}, other);
      for (const path of [QUERY, QUERY_V1]) {
        expectFail(await send(path, { prepayId: theirs.prepayId }), '400202');
        expectFail(await send(path, { merchantTradeNo: theirs.merchantTradeNo }), '400202');
      }
      expect((await query({ prepayId: theirs.prepayId }, other)).data.status).toBe('INITIAL');
    });
  });

  describe('shape of query order v2', () => {
    it('INITIAL: exactly the unpaid keys, absent not null; merchantId a number; orderAmount 8 decimals', async () => {
      const o = await create({ orderAmount: '10.5' });
      const { data, rawText } = await query({ prepayId: o.prepayId });
      expect(sorted(Object.keys(data))).toEqual(sorted(INITIAL_KEYS));
      expect(rawText).not.toContain('null');
      expect(rawText).toContain(`"merchantId":${merchant.merchantId},`);
      expect(rawText).toContain(`"prepayId":"${o.prepayId}"`);
      expect(rawText).toMatch(/"createTime":\d{13}[,}]/);
      expect(data).toMatchObject({ merchantId: merchant.merchantId, prepayId: o.prepayId, merchantTradeNo: o.merchantTradeNo, status: 'INITIAL', currency: 'USDT', orderAmount: '10.50000000' });
      expect(o.expireTime - data.createTime).toBe(3_600_000);
    });

    it('INITIAL with passThroughInfo adds exactly that key', async () => {
      const o = await create({ passThroughInfo: 'cart=42' });
      const { data } = await query({ prepayId: o.prepayId });
      expect(sorted(Object.keys(data))).toEqual(sorted([...INITIAL_KEYS, 'passThroughInfo']));
      expect(data.passThroughInfo).toBe('cart=42');
    });

    it('v2 and v1 created orders answer the same v2 shape', async () => {
      for (const [path, body] of [
        [V2, v2OrderBody()],
        [V1, v1OrderBody()],
      ] as const) {
        const { data: created } = await ok<{ prepayId: string }>(path, body);
        const { data } = await query({ prepayId: created.prepayId });
        expect(sorted(Object.keys(data))).toEqual(sorted(INITIAL_KEYS));
      }
    });

    it('PAID adds transactionId, openUserId, transactTime and paymentInfo', async () => {
      const o = await create({ orderAmount: '10.5', passThroughInfo: 'p' });
      const paid = await pay(o.prepayId);
      const { data, rawText } = await query({ prepayId: o.prepayId });
      expect(paid).toEqual(data);
      expect(sorted(Object.keys(data))).toEqual(sorted([...INITIAL_KEYS, 'passThroughInfo', ...PAID_EXTRA_KEYS]));
      expect(data.status).toBe('PAID');
      expect(data.transactionId).toMatch(/^\S+$/);
      expect(rawText).toMatch(/"transactionId":"[^"]+"/);
      expect(data.openUserId).toMatch(/^[0-9a-f]{32}$/);
      expect(rawText).toMatch(/"transactTime":\d{13}[,}]/);
      expect(data.transactTime).toBeGreaterThanOrEqual(data.createTime);
      expect(sorted(Object.keys(data.paymentInfo ?? {}))).toEqual(sorted(['payerId', 'payMethod', 'paymentInstructions', 'channel']));
      expect(data.paymentInfo?.payerId).toBe(payer.binanceId);
      expect(rawText).toContain(`"payerId":"${payer.binanceId}"`);
      expect(typeof data.paymentInfo?.payMethod).toBe('string');
      expect(typeof data.paymentInfo?.channel).toBe('string');
      expect(data.paymentInfo?.paymentInstructions).toEqual([{ currency: 'USDT', amount: '10.50000000', price: '1.00000000' }]);
    });

    it('PAID adds commission: the fee charged, a string with 8 decimals, before transactTime (documented for v2 only)', async () => {
      const shop = await server.createMerchant({ name: 'Fee Shop' });
      await server.adminOk('PATCH', `/merchants/${shop.merchantId}`, { commissionRate: '0.01' });
      const o = await create({ orderAmount: '10.5' }, shop);
      expect((await query({ prepayId: o.prepayId }, shop)).data).not.toHaveProperty('commission');
      await pay(o.prepayId);
      const { data, rawText } = await query({ prepayId: o.prepayId }, shop);
      expect(data.commission).toBe('0.10500000');
      expect(rawText).toMatch(/"commission":"0\.10500000","transactTime":\d+/);
      // a free merchant's paid order says so
      const free = await create({ orderAmount: '3' });
      await pay(free.prepayId);
      expect((await query({ prepayId: free.prepayId })).data.commission).toBe('0.00000000');
      // v1 documents no commission
      expect((await query({ prepayId: o.prepayId }, shop, QUERY_V1)).data).not.toHaveProperty('commission');
    });

    it('paying in another currency shows that currency, amount and price in paymentInstructions', async () => {
      const o = await create({ orderAmount: '10.5' });
      await pay(o.prepayId, payer, 'BTC');
      const { data } = await query({ prepayId: o.prepayId });
      // 10.5 USDT at 65000 USDT/BTC = 0.000161538… BTC, rounded up against the payer
      expect(data.paymentInfo?.paymentInstructions).toEqual([{ currency: 'BTC', amount: '0.00016154', price: '65000.00000000' }]);
      expect(data).toMatchObject({ currency: 'USDT', orderAmount: '10.50000000', status: 'PAID' });
    });

    it('openUserId is stable per merchant and payer, different for another merchant or payer', async () => {
      const second = await server.adminOk<PayerView>('POST', '/payers', { fund: ['100:USDT'] });
      const idsOf = async (creds: MerchantCredentials, by: PayerView) => {
        const o = await create({ orderAmount: '1' }, creds);
        await pay(o.prepayId, by);
        return (await query({ prepayId: o.prepayId }, creds)).data.openUserId;
      };
      const a1 = await idsOf(merchant, payer);
      const a2 = await idsOf(merchant, payer);
      const b1 = await idsOf(other, payer);
      const b2 = await idsOf(other, payer);
      const c1 = await idsOf(merchant, second);
      expect(a1).toBe(a2);
      expect(b1).toBe(b2);
      expect(a1).not.toBe(b1);
      expect(c1).not.toBe(a1);
    });

    it('PENDING and ERROR orders have no payment fields', async () => {
      const o = await create();
      await server.adminOk('POST', `/orders/${o.prepayId}/start`, { payer: payer.binanceId });
      const pending = await query({ prepayId: o.prepayId });
      expect(pending.data.status).toBe('PENDING');
      expect(sorted(Object.keys(pending.data))).toEqual(sorted(INITIAL_KEYS));
      await server.adminOk('POST', `/orders/${o.prepayId}/fail`, {});
      const failed = await query({ prepayId: o.prepayId });
      expect(failed.data.status).toBe('ERROR');
      expect(sorted(Object.keys(failed.data))).toEqual(sorted(INITIAL_KEYS));
    });
  });

  describe('shape of query order v1', () => {
    it('INITIAL: tradeType, totalFee (a string, 8 decimals), productName and productDetail from the goods', async () => {
      const o = await create({ orderAmount: '1.5' });
      const { data, rawText } = await query({ prepayId: o.prepayId }, merchant, QUERY_V1);
      expect(sorted(Object.keys(data))).toEqual(sorted(['merchantId', 'merchantTradeNo', 'tradeType', 'totalFee', 'currency', 'productName', 'productDetail', 'createTime', 'prepayId', 'status']));
      expect(data).toMatchObject({ merchantId: merchant.merchantId, merchantTradeNo: o.merchantTradeNo, tradeType: 'WEB', totalFee: '1.50000000', currency: 'USDT', productName: 'Ice Cream', productDetail: 'Greentea ice cream cone', prepayId: o.prepayId, status: 'INITIAL' });
      expect(rawText).toContain('"totalFee":"1.50000000"');
      expect(rawText).toContain(`"merchantId":${merchant.merchantId},`);
    });

    it('a v1 order shows its own product fields', async () => {
      const body = v1OrderBody({ tradeType: 'PAYMENT_LINK', productName: 'Book', productDetail: 'Paperback', passThroughInfo: 'x' });
      const { data: created } = await ok<{ prepayId: string }>(V1, body);
      const { data } = await query({ merchantTradeNo: body.merchantTradeNo }, merchant, QUERY_V1);
      expect(data).toMatchObject({ prepayId: created.prepayId, tradeType: 'PAYMENT_LINK', totalFee: '1.25000000', productName: 'Book', productDetail: 'Paperback', passThroughInfo: 'x' });
    });

    it('PAID adds openUserId, transactTime and transactionId', async () => {
      const o = await create({ orderAmount: '2' });
      await pay(o.prepayId);
      const v2 = (await query({ prepayId: o.prepayId })).data;
      const { data } = await query({ prepayId: o.prepayId }, merchant, QUERY_V1);
      expect(data).toMatchObject({ status: 'PAID', openUserId: v2.openUserId, transactTime: v2.transactTime, transactionId: v2.transactionId, totalFee: '2.00000000' });
      expect(data).not.toHaveProperty('paymentInfo');
    });
  });

  describe('close order (fact sheet §3.4)', () => {
    const close = (lookup: Record<string, unknown>, creds: MerchantCredentials = merchant) => send<boolean>(CLOSE, lookup, creds);

    it('INITIAL → data true, then query shows CANCELED (v2 and v1)', async () => {
      const o = await create();
      const r = await close({ prepayId: o.prepayId });
      expect(r.envelope, r.rawText).toMatchObject({ status: 'SUCCESS', code: '000000' });
      expect(r.envelope?.data).toBe(true);
      expect(r.rawText).toContain('"data":true');
      const q = await query({ prepayId: o.prepayId });
      expect(q.data.status).toBe('CANCELED');
      expect(sorted(Object.keys(q.data))).toEqual(sorted(INITIAL_KEYS));
      expect((await query({ prepayId: o.prepayId }, merchant, QUERY_V1)).data.status).toBe('CANCELED');
    });

    it('close again → 400204', async () => {
      const o = await create();
      expect((await close({ prepayId: o.prepayId })).envelope?.data).toBe(true);
      expectFail(await close({ prepayId: o.prepayId }), '400204');
      expectFail(await close({ merchantTradeNo: o.merchantTradeNo }), '400204');
      expect((await query({ prepayId: o.prepayId })).data.status).toBe('CANCELED');
    });

    it('by merchantTradeNo works', async () => {
      const o = await create();
      expect((await close({ merchantTradeNo: o.merchantTradeNo, prepayId: null })).envelope?.data).toBe(true);
      expect((await query({ merchantTradeNo: o.merchantTradeNo })).data.status).toBe('CANCELED');
    });

    it('prepayId wins over merchantTradeNo', async () => {
      const a = await create();
      const b = await create();
      expect((await close({ prepayId: a.prepayId, merchantTradeNo: b.merchantTradeNo })).envelope?.data).toBe(true);
      expect((await query({ prepayId: a.prepayId })).data.status).toBe('CANCELED');
      expect((await query({ prepayId: b.prepayId })).data.status).toBe('INITIAL');
    });

    it('PENDING → 400204 and the order stays PENDING', async () => {
      const o = await create();
      await server.adminOk('POST', `/orders/${o.prepayId}/start`, { payer: payer.binanceId });
      expectFail(await close({ prepayId: o.prepayId }), '400204');
      expect((await query({ prepayId: o.prepayId })).data.status).toBe('PENDING');
    });

    it('PAID → 400204 and the order stays PAID', async () => {
      const o = await create();
      await pay(o.prepayId);
      expectFail(await close({ prepayId: o.prepayId }), '400204');
      expect((await query({ prepayId: o.prepayId })).data.status).toBe('PAID');
    });

    it('ERROR → 400204', async () => {
      const o = await create();
      await server.adminOk('POST', `/orders/${o.prepayId}/fail`, {});
      expectFail(await close({ prepayId: o.prepayId }), '400204');
      expect((await query({ prepayId: o.prepayId })).data.status).toBe('ERROR');
    });

    it('unknown → 400202', async () => {
      expectFail(await close({ prepayId: '123456789012345678' }), '400202');
      expectFail(await close({ merchantTradeNo: tradeNo() }), '400202');
    });

    it("another merchant's order → 400202, and it stays open for its owner", async () => {
      const theirs = await create({}, other);
      expectFail(await close({ prepayId: theirs.prepayId }), '400202');
      expectFail(await close({ merchantTradeNo: theirs.merchantTradeNo }), '400202');
      expect((await query({ prepayId: theirs.prepayId }, other)).data.status).toBe('INITIAL');
    });

    it('a closed order cannot be paid', async () => {
      const o = await create();
      await close({ prepayId: o.prepayId });
      const r = await server.admin('POST', `/orders/${o.prepayId}/pay`, { payer: payer.binanceId });
      expect(r.body.status).toBe('FAIL');
      expect((await query({ prepayId: o.prepayId })).data.status).toBe('CANCELED');
    });

    it('parallel closes of one order: exactly one true, the rest 400204', async () => {
      const o = await create();
      const results = await Promise.all(Array.from({ length: 5 }, () => close({ prepayId: o.prepayId })));
      expect(results.filter((r) => r.envelope?.status === 'SUCCESS')).toHaveLength(1);
      for (const r of results.filter((r) => r.envelope?.status !== 'SUCCESS')) expectFail(r, '400204');
    });

    // Moves the business clock: keep last in this suite.
    it('EXPIRED (business clock past expireTime) → query EXPIRED, close 400204', async () => {
      const initial = await create();
      const pending = await create();
      await server.adminOk('POST', `/orders/${pending.prepayId}/start`, { payer: payer.binanceId });
      server.built.businessClock.advance(3_600_001);
      for (const o of [initial, pending]) {
        expect((await query({ prepayId: o.prepayId })).data.status).toBe('EXPIRED');
        expect((await query({ prepayId: o.prepayId }, merchant, QUERY_V1)).data.status).toBe('EXPIRED');
        expectFail(await close({ prepayId: o.prepayId }), '400204');
        expect((await query({ prepayId: o.prepayId })).data.status).toBe('EXPIRED');
      }
      // an order created after the move is open for another hour of business time
      const fresh = await create();
      expect((await close({ prepayId: fresh.prepayId })).envelope?.data).toBe(true);
    });
  });
});
