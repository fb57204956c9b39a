/**
 * The payer side and the order state machine (fact sheet §4.1) through real HTTP on both dialects:
 * INITIAL → PENDING → PAID, ERROR, CANCELED, EXPIRED, and every refused transition, with money
 * checked in the ledger after each.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { createPayer, merchantAvailable, pay, payerAvailable, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

describeEachDialect('payments and order status transitions', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  const query = (prepayId: string) => server.client(merchant).call<Record<string, unknown>>('/binancepay/openapi/v2/order/query', { prepayId });

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Pay Shop' });
  });
  afterAll(async () => server?.close());

  it('INITIAL → PENDING → PAID moves exactly the order amount', async () => {
    const payer = await createPayer(server, ['100:USDT']);
    const prepayId = await createOrder(server, merchant, { orderAmount: '12.34567891', currency: 'USDT' });
    expect((await query(prepayId)).status).toBe('INITIAL');
    const started = await server.adminOk<{ status: string }>('POST', `/orders/${prepayId}/start`, { payer: payer.binanceId });
    expect(started.status).toBe('PENDING');
    expect((await query(prepayId)).status).toBe('PENDING');
    const before = await merchantAvailable(server, merchant.merchantId, 'USDT');
    const paid = await pay(server, prepayId, payer.binanceId);
    expect(paid.body, JSON.stringify(paid.body)).toMatchObject({ status: 'SUCCESS', data: { status: 'PAID', orderAmount: '12.34567891' } });
    const q = await query(prepayId);
    expect(q).toMatchObject({ status: 'PAID', paymentInfo: { payerId: payer.binanceId, paymentInstructions: [{ currency: 'USDT', amount: '12.34567891', price: '1.00000000' }] } });
    expect(typeof q.transactionId).toBe('string');
    expect(typeof q.transactTime).toBe('number');
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('87.65432109');
    expect(Number(await merchantAvailable(server, merchant.merchantId, 'USDT')) - Number(before)).toBeCloseTo(12.34567891, 8);
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('refuses an unknown payer before an unknown order, and either one alone, moving nothing', async () => {
    const payer = await createPayer(server, ['100:USDT']);
    const prepayId = await createOrder(server, merchant);
    const missingOrder = '999999999999999999';
    for (const [order, who, mentions] of [
      [prepayId, '888888888888888888', 'payer 888888888888888888'],
      [prepayId, 'not-a-binance-id', 'a numeric Binance ID'],
      [missingOrder, '888888888888888888', 'payer 888888888888888888'],
      [missingOrder, payer.binanceId, `order ${missingOrder}`],
    ] as const) {
      const refused = await pay(server, order, who);
      expect(refused.body.status, JSON.stringify(refused.body)).toBe('FAIL');
      expect(String(refused.body.errorMessage)).toContain(mentions);
    }
    expect((await query(prepayId)).status).toBe('INITIAL');
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('100.00000000');
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
  });

  it('refuses double pay, pay after close, pay after expiry and close after pay', async () => {
    const payer = await createPayer(server, ['100:USDT']);
    const paidId = await createOrder(server, merchant);
    expect((await pay(server, paidId, payer.binanceId)).body.status).toBe('SUCCESS');
    const again = await pay(server, paidId, payer.binanceId);
    expect(again.httpStatus).toBe(409);
    expect(again.body).toMatchObject({ status: 'FAIL', code: '900409' });
    const closeAfterPay = await server.client(merchant).request('/binancepay/openapi/order/close', { prepayId: paidId });
    expect(closeAfterPay.envelope).toMatchObject({ status: 'FAIL', code: '400204' });

    const closedId = await createOrder(server, merchant);
    expect(await server.client(merchant).call('/binancepay/openapi/order/close', { prepayId: closedId })).toBe(true);
    const payClosed = await pay(server, closedId, payer.binanceId);
    expect(payClosed.body.code).toBe('900409');
    expect(String(payClosed.body.errorMessage)).toMatch(/closed/);

    const expiring = await createOrder(server, merchant, { orderExpireTime: server.built.businessClock.now() + 60_000 });
    server.built.businessClock.advance(60_001);
    expect((await query(expiring)).status).toBe('EXPIRED');
    const payExpired = await pay(server, expiring, payer.binanceId);
    expect(payExpired.body.code).toBe('900409');
    expect(String(payExpired.body.errorMessage)).toMatch(/expired/);
    // only the first order moved money
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('89.50000000');
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('fails a payment into ERROR, which is terminal', async () => {
    const payer = await createPayer(server, ['100:USDT']);
    const prepayId = await createOrder(server, merchant);
    const failed = await server.adminOk<{ status: string }>('POST', `/orders/${prepayId}/fail`, {});
    expect(failed.status).toBe('ERROR');
    expect((await query(prepayId)).status).toBe('ERROR');
    expect((await pay(server, prepayId, payer.binanceId)).body.code).toBe('900409');
    expect((await server.admin('POST', `/orders/${prepayId}/fail`, {})).httpStatus).toBe(409);
    expect((await server.client(merchant).request('/binancepay/openapi/order/close', { prepayId })).envelope?.code).toBe('400204');
  });

  it('refuses a payment the payer cannot afford and moves nothing', async () => {
    const payer = await createPayer(server, ['5:USDT']);
    const prepayId = await createOrder(server, merchant, { orderAmount: '5.00000001' });
    const before = await merchantAvailable(server, merchant.merchantId, 'USDT');
    const r = await pay(server, prepayId, payer.binanceId);
    expect(r.httpStatus).toBe(409);
    expect(r.body).toMatchObject({ status: 'FAIL', code: '900402' });
    expect(String(r.body.errorMessage)).toContain('5.00000000');
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('5.00000000');
    expect(await merchantAvailable(server, merchant.merchantId, 'USDT')).toBe(before);
    expect((await query(prepayId)).status).toBe('INITIAL');
    await server.adminOk('POST', `/payers/${payer.binanceId}/fund`, { amount: '1', asset: 'USDT' });
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('honours supportPayCurrency and converts at the configured rates', async () => {
    const payer = await createPayer(server, ['10:BNB', '100:USDT']);
    const prepayId = await createOrder(server, merchant, { orderAmount: '60', currency: 'USDT', supportPayCurrency: 'BNB,BTC' });
    const wrong = await pay(server, prepayId, payer.binanceId, 'USDT');
    expect(wrong.body).toMatchObject({ status: 'FAIL', code: '900403' });
    const unknown = await pay(server, prepayId, payer.binanceId, 'ETH');
    expect(unknown.body.code).toBe('900403');
    // default pay currency: the order currency is not allowed, so the first allowed one (BNB at 600 USDT)
    const paid = await pay(server, prepayId, payer.binanceId);
    expect(paid.body.status).toBe('SUCCESS');
    const q = await query(prepayId);
    expect(q.paymentInfo).toMatchObject({ paymentInstructions: [{ currency: 'BNB', amount: '0.10000000', price: '600.00000000' }] });
    expect(await payerAvailable(server, payer.binanceId, 'BNB')).toBe('9.90000000');
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('100.00000000');
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('charges the configured commission to the merchant', async () => {
    const m = await server.createMerchant({ name: 'Fee Shop' });
    await server.adminOk('PATCH', `/merchants/${m.merchantId}`, { commissionRate: '0.01' });
    const payer = await createPayer(server, ['100:USDT']);
    const prepayId = await createOrder(server, m, { orderAmount: '33.33' });
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    // 1 % of 33.33 = 0.3333 (half-up to 8 decimals)
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe('32.99670000');
    const journal = await server.adminOk<{ journal: Array<{ kind: string; amount: string }> }>('GET', `/orders/${prepayId}`);
    expect(journal.journal.map((j) => [j.kind, j.amount])).toEqual([
      ['PAYMENT', '33.33000000'],
      ['COMMISSION', '0.33330000'],
    ]);
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('gives each payer a stable openUserId per merchant', async () => {
    const payer = await createPayer(server, ['100:USDT']);
    const other = await server.createMerchant({ name: 'Other' });
    const a1 = await createOrder(server, merchant);
    const a2 = await createOrder(server, merchant);
    const b1 = await createOrder(server, other);
    for (const id of [a1, a2, b1]) expect((await pay(server, id, payer.binanceId)).body.status).toBe('SUCCESS');
    const o1 = (await query(a1)).openUserId;
    const o2 = (await query(a2)).openUserId;
    const o3 = (await server.client(other).call<{ openUserId: string }>('/binancepay/openapi/v2/order/query', { prepayId: b1 })).openUserId;
    expect(o1).toMatch(/^[0-9a-f]{32}$/);
    expect(o2).toBe(o1);
    expect(o3).not.toBe(o1);
  });

  it('the expiry sweeper persists EXPIRED and records PAY_CLOSED in the outbox', async () => {
    const prepayId = await createOrder(server, merchant, { webhookUrl: 'http://127.0.0.1:9/hook' });
    server.built.businessClock.advance(3_600_001);
    await server.built.workers.runAll();
    const stored = await server.db.store.db.selectFrom('orders').select('status').where('prepay_id', '=', prepayId).executeTakeFirstOrThrow();
    expect(stored.status).toBe('EXPIRED');
    const events = await server.db.store.db.selectFrom('outbox_events').selectAll().where('ref_id', '=', prepayId).execute();
    expect(events.map((e) => [e.biz_type, e.biz_status, e.webhook_url])).toEqual([['PAY', 'PAY_CLOSED', 'http://127.0.0.1:9/hook']]);
    expect(JSON.parse(events[0]!.data_json)).toMatchObject({ merchantTradeNo: expect.any(String), currency: 'USDT' });
  });

  it('reads orderExpireTime on the client clock after time travel', async () => {
    // time only moves forward, for every test after this one too (the offset is kept in the database)
    await server.adminOk('POST', '/time/advance', { by: '3h' });
    const data = await server.client(merchant).call<{ prepayId: string; expireTime: number }>('/binancepay/openapi/v3/order', {
      env: { terminalType: 'WEB' },
      merchantTradeNo: `TT${Date.now()}`,
      orderAmount: '1',
      currency: 'USDT',
      description: 'after time travel',
      goodsDetails: [{ goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'S', goodsName: 'G' }],
      orderExpireTime: Date.now() + 15 * 60_000,
    });
    const order = await server.adminOk<{ createTime: number; expireTime: number }>('GET', `/orders/${data.prepayId}`);
    expect(Math.abs(order.expireTime - order.createTime - 15 * 60_000)).toBeLessThan(5_000);
  });

  it('refuses orderAmount together with fiatAmount', async () => {
    const r = await server.client(merchant).request('/binancepay/openapi/v3/order', {
      env: { terminalType: 'WEB' },
      merchantTradeNo: `TF${Date.now()}`,
      orderAmount: '1',
      fiatAmount: '10',
      fiatCurrency: 'HKD',
      description: 'both amounts',
      goodsDetails: [{ goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'S', goodsName: 'G' }],
    });
    expect(r.envelope).toMatchObject({ status: 'FAIL', code: '400102' });
    expect(r.envelope?.errorMessage).toMatch(/orderAmount or fiatAmount/);
  });

  it('time control through the admin API expires orders at once', async () => {
    const prepayId = await createOrder(server, merchant);
    const moved = await server.adminOk<{ offsetMs: number }>('POST', '/time/advance', { by: '2h' });
    expect(moved.offsetMs).toBeGreaterThanOrEqual(7_200_000);
    const stored = await server.db.store.db.selectFrom('orders').select('status').where('prepay_id', '=', prepayId).executeTakeFirstOrThrow();
    expect(stored.status).toBe('EXPIRED');
    expect((await server.admin('POST', '/time/advance', { by: '-5m' })).httpStatus).toBe(400);
  });
});
