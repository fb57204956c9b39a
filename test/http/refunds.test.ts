/**
 * Refund and query refund (fact sheet §3.5, §3.6, §4.1, §4.2, §7.4) through real HTTP on both
 * dialects: partial and multiple refunds, the 10-attempt counter and last-attempt remainder rule,
 * every error code, the async lifecycle (pending → success / rejected), idempotency by
 * refundRequestId, money in the ledger after each.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { createPayer, merchantAvailable, pay, payerAvailable, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

let seq = 0;
const rid = () => `R${Date.now()}${seq++}`;

describeEachDialect('refunds', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  const refund = (body: Record<string, unknown>, m = merchant) => server.client(m).request<Record<string, unknown>>('/binancepay/openapi/order/refund', body);
  const queryRefund = (refundRequestId: string) => server.client(merchant).call<Record<string, unknown>>('/binancepay/openapi/order/refund/query', { refundRequestId });
  const orderStatus = async (prepayId: string) => (await server.client(merchant).call<{ status: string }>('/binancepay/openapi/v2/order/query', { prepayId })).status;

  async function paidOrder(amount = '100', payerFund = '1000:USDT') {
    const payer = await createPayer(server, [payerFund]);
    const prepayId = await createOrder(server, merchant, { orderAmount: amount });
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    return { prepayId, payer };
  }

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Refund Shop' });
  });
  afterAll(async () => server?.close());

  it('refunds partially, twice, then in full, with Binance statuses and amounts', async () => {
    const { prepayId, payer } = await paidOrder('100');
    const first = rid();
    const r1 = await refund({ refundRequestId: first, prepayId, refundAmount: '30.5', refundReason: 'damaged' });
    expect(r1.envelope, r1.rawText).toMatchObject({
      status: 'SUCCESS',
      data: { refundRequestId: first, prepayId, orderAmount: '100.00000000', refundedAmount: '30.50000000', refundAmount: '30.50000000', remainingAttempts: 9, duplicateRequest: 'N' },
    });
    expect(r1.rawText).toMatch(/"refundId":\d{16,19},/);
    expect((r1.envelope?.data as { payerOpenId: string }).payerOpenId).toMatch(/^[0-9a-f]{32}$/);
    expect(await orderStatus(prepayId)).toBe('REFUNDING');
    expect(await queryRefund(first)).toMatchObject({ refundStatus: 'REFUND_PENDING', refundAmount: '30.50000000' });
    // reserved at once: the merchant cannot spend it, the payer does not have it yet
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('900.00000000');

    await server.built.workers.runAll();
    expect(await queryRefund(first)).toMatchObject({ refundStatus: 'REFUND_SUCCESS' });
    expect(await orderStatus(prepayId)).toBe('REFUNDED');
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('930.50000000');

    const r2 = await refund({ refundRequestId: rid(), prepayId, refundAmount: 19.5 });
    expect(r2.envelope?.data).toMatchObject({ refundedAmount: '50.00000000', refundAmount: '19.50000000', remainingAttempts: 8 });
    const r3 = await refund({ refundRequestId: rid(), prepayId, refundAmount: '50' });
    expect(r3.envelope?.data).toMatchObject({ refundedAmount: '100.00000000', remainingAttempts: 7 });
    await server.built.workers.runAll();
    expect(await orderStatus(prepayId)).toBe('FULL_REFUNDED');
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('1000.00000000');
    const over = await refund({ refundRequestId: rid(), prepayId, refundAmount: '0.00000001' });
    expect(over.envelope).toMatchObject({ status: 'FAIL', code: '400303' });
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('refuses a refund above the remaining amount (400303)', async () => {
    const { prepayId } = await paidOrder('10');
    expect((await refund({ refundRequestId: rid(), prepayId, refundAmount: '10.00000001' })).envelope).toMatchObject({ code: '400303' });
    expect((await refund({ refundRequestId: rid(), prepayId, refundAmount: '6' })).envelope?.status).toBe('SUCCESS');
    // pending refunds count against the remainder too
    expect((await refund({ refundRequestId: rid(), prepayId, refundAmount: '4.00000001' })).envelope).toMatchObject({ code: '400303' });
    expect((await refund({ refundRequestId: rid(), prepayId, refundAmount: '4' })).envelope?.status).toBe('SUCCESS');
  });

  it('counts 10 attempts; the last refunds the remainder whatever is asked; an 11th is 400302', async () => {
    const { prepayId, payer } = await paidOrder('100');
    for (let i = 1; i <= 9; i++) {
      const r = await refund({ refundRequestId: rid(), prepayId, refundAmount: '1' });
      expect(r.envelope?.data, r.rawText).toMatchObject({ remainingAttempts: 10 - i, refundedAmount: `${i}.00000000` });
    }
    const last = await refund({ refundRequestId: rid(), prepayId, refundAmount: '0.5' });
    expect(last.envelope?.data).toMatchObject({ remainingAttempts: 0, refundAmount: '91.00000000', refundedAmount: '100.00000000' });
    const eleventh = await refund({ refundRequestId: rid(), prepayId, refundAmount: '1' });
    expect(eleventh.envelope).toMatchObject({ status: 'FAIL', code: '400302' });
    await server.built.workers.runAll();
    expect(await orderStatus(prepayId)).toBe('FULL_REFUNDED');
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('1000.00000000');
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('needs the merchant balance to cover the refund (400304)', async () => {
    const m = await server.createMerchant({ name: 'Broke Shop' });
    const payer = await createPayer(server, ['100:USDT']);
    const prepayId = await createOrder(server, m, { orderAmount: '20' });
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    // the merchant moves its funds to spot: the funding wallet cannot pay the refund
    const moved = await server.client(m).request('/binancepay/openapi/wallet/transfer', { requestId: rid(), currency: 'USDT', amount: '15', transferType: 'TO_MAIN' });
    expect(moved.envelope?.status, moved.rawText).toBe('SUCCESS');
    const r = await refund({ refundRequestId: rid(), prepayId, refundAmount: '10' }, m);
    expect(r.envelope).toMatchObject({ status: 'FAIL', code: '400304' });
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('80.00000000');
    expect((await refund({ refundRequestId: rid(), prepayId, refundAmount: '5' }, m)).envelope?.status).toBe('SUCCESS');
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('replays a repeated refundRequestId and refuses a different request with it', async () => {
    const { prepayId } = await paidOrder('50');
    const id = rid();
    const body = { refundRequestId: id, prepayId, refundAmount: '5' };
    const first = await refund(body);
    const again = await refund(body);
    expect(again.envelope?.data).toMatchObject({ ...(first.envelope?.data as object), duplicateRequest: 'Y' });
    expect((await refund({ ...body, refundAmount: '6' })).envelope).toMatchObject({ status: 'FAIL', code: '400001' });
    const { prepayId: other } = await paidOrder('50');
    expect((await refund({ ...body, prepayId: other })).envelope).toMatchObject({ status: 'FAIL', code: '400001' });
    const refunds = await server.adminOk<unknown[]>('GET', `/refunds?prepayId=${prepayId}`);
    expect(refunds).toHaveLength(1);
  });

  it('refuses unpaid, unknown and foreign orders (400301)', async () => {
    const unpaid = await createOrder(server, merchant);
    expect((await refund({ refundRequestId: rid(), prepayId: unpaid, refundAmount: '1' })).envelope).toMatchObject({ code: '400301' });
    expect((await refund({ refundRequestId: rid(), prepayId: '1234567890123456789', refundAmount: '1' })).envelope).toMatchObject({ code: '400301' });
    const other = await server.createMerchant({ name: 'Someone else' });
    const { prepayId } = await paidOrder('10');
    expect((await refund({ refundRequestId: rid(), prepayId, refundAmount: '1' }, other)).envelope).toMatchObject({ code: '400301' });
  });

  it('validates fields', async () => {
    const { prepayId } = await paidOrder('10');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ prepayId, refundAmount: '1' }, '400100'],
      [{ refundRequestId: rid(), refundAmount: '1' }, '400100'],
      [{ refundRequestId: rid(), prepayId }, '400100'],
      [{ refundRequestId: 'x'.repeat(65), prepayId, refundAmount: '1' }, '400101'],
      [{ refundRequestId: rid(), prepayId, refundAmount: '0' }, '400102'],
      [{ refundRequestId: rid(), prepayId, refundAmount: '1.000000001' }, '400102'],
      [{ refundRequestId: rid(), prepayId, refundAmount: '1', refundReason: 'r'.repeat(257) }, '400101'],
      [{ refundRequestId: rid(), prepayId, refundAmount: '1', webhookUrl: 'ftp://x' }, '400102'],
      [{ refundRequestId: rid(), prepayId, refundAmount: true }, '400008'],
    ];
    for (const [body, code] of cases) expect((await refund(body)).envelope, JSON.stringify(body)).toMatchObject({ status: 'FAIL', code });
    expect((await server.client(merchant).request('/binancepay/openapi/order/refund/query', { refundRequestId: 'nope' })).envelope).toMatchObject({ code: '400102' });
  });

  it('a rejected refund releases the money and restores the order status', async () => {
    const { prepayId, payer } = await paidOrder('40');
    const before = await merchantAvailable(server, merchant.merchantId, 'USDT');
    const first = rid();
    await refund({ refundRequestId: first, prepayId, refundAmount: '10' });
    const [pending] = await server.adminOk<Array<{ refundId: string }>>('GET', `/refunds?prepayId=${prepayId}`);
    const rejected = await server.adminOk<{ status: string }>('POST', `/refunds/${pending!.refundId}/reject`, {});
    expect(rejected.status).toBe('REFUND_FAIL');
    expect(await queryRefund(first)).toMatchObject({ refundStatus: 'REFUND_FAIL' });
    expect(await orderStatus(prepayId)).toBe('PAID');
    expect(await merchantAvailable(server, merchant.merchantId, 'USDT')).toBe(before);
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('960.00000000');
    expect((await server.admin('POST', `/refunds/${pending!.refundId}/complete`, {})).httpStatus).toBe(409);
    // the attempt was given back, the whole amount can still be refunded
    const r = await refund({ refundRequestId: rid(), prepayId, refundAmount: '40' });
    expect(r.envelope?.data).toMatchObject({ remainingAttempts: 9, refundedAmount: '40.00000000' });
    await server.built.workers.runAll();
    expect(await orderStatus(prepayId)).toBe('FULL_REFUNDED');
    const events = await server.db.store.db.selectFrom('outbox_events').select(['biz_type', 'biz_status']).where('biz_type', '=', 'PAY_REFUND').where('biz_id', '=', prepayId).orderBy('id').execute();
    expect(events.map((e) => e.biz_status)).toEqual(['REFUND_REJECTED', 'REFUND_SUCCESS']);
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('writes PAY_REFUND events shaped like Binance samples', async () => {
    const { prepayId } = await paidOrder('0.01');
    await refund({ refundRequestId: 'S68711039982968853', prepayId, refundAmount: '0.01', webhookUrl: 'http://127.0.0.1:9/refund-hook' });
    await server.built.workers.runAll();
    const event = await server.db.store.db.selectFrom('outbox_events').selectAll().where('biz_type', '=', 'PAY_REFUND').where('biz_id', '=', prepayId).executeTakeFirstOrThrow();
    expect(event.biz_status).toBe('REFUND_SUCCESS');
    expect(event.webhook_url).toBe('http://127.0.0.1:9/refund-hook');
    expect(event.data_json).toMatch(/^\{"merchantTradeNo":"\w+","totalFee":0\.01,"transactTime":\d+,"refundInfo":\{"orderAmount":"0\.01000000","duplicateRequest":"N","payerOpenId":"[0-9a-f]{32}","prepayId":"\d+","refundRequestId":"S68711039982968853","refundedAmount":"0\.01000000","remainingAttempts":9,"refundAmount":"0\.01000000"\},"currency":"USDT","commission":0,"openUserId":"[0-9a-f]{32}","productType":"01","productName":"Ice Cream","tradeType":"WEB"\}$/);
  });
});
