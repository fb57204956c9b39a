/**
 * Money out under concurrency, both dialects: parallel refunds whose sum exceeds the order, the
 * same refundRequestId in parallel, and payouts racing transfers to drain one merchant. The
 * ledger verifies after each.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { createPayer, merchantAvailable, pay, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

describeEachDialect('money out under concurrency', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => server?.close());

  async function paidOrder(m: MerchantCredentials, amount: string) {
    const payer = await createPayer(server, [`${amount}:USDT`]);
    const prepayId = await createOrder(server, m, { orderAmount: amount });
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    return prepayId;
  }

  it('50 parallel refunds never refund more than the order: the remaining amount decides, exactly', async () => {
    const m = await server.createMerchant({ name: 'Refund race' });
    // 30 refunded 7 at a time: four fit (28), the rest find 2 left; the 10-attempt cap is never reached
    const prepayId = await paidOrder(m, '30');
    const client = server.client(m);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.request<{ refundAmount: string }>('/binancepay/openapi/order/refund', { refundRequestId: `race${Date.now()}x${i}`, prepayId, refundAmount: '7' })),
    );
    const ok = results.filter((r) => r.envelope?.status === 'SUCCESS');
    for (const r of results.filter((x) => x.envelope?.status !== 'SUCCESS')) expect(r.envelope?.code).toBe('400303');
    const total = ok.reduce((sum, r) => sum + Math.round(Number(r.envelope?.data?.refundAmount) * 1e8), 0);
    expect(ok.length).toBe(4);
    expect(total).toBe(28e8);
    await server.built.workers.runAll();
    const order = await server.adminOk<{ refundedAmount: string; status: string }>('GET', `/orders/${prepayId}`);
    expect(Math.round(Number(order.refundedAmount) * 1e8)).toBe(total);
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe(((30e8 - total) / 1e8).toFixed(8));
    const v = await verifyLedger(server);
    expect(v.ok, JSON.stringify(v.problems)).toBe(true);
  });

  it('the same refundRequestId sent 20 times in parallel refunds once', async () => {
    const m = await server.createMerchant({ name: 'Retry storm' });
    const prepayId = await paidOrder(m, '30');
    const client = server.client(m);
    const body = { refundRequestId: `same${Date.now()}`, prepayId, refundAmount: '10' };
    const results = await Promise.all(Array.from({ length: 20 }, () => client.request<{ duplicateRequest: string; refundedAmount: string }>('/binancepay/openapi/order/refund', body)));
    expect(results.every((r) => r.envelope?.status === 'SUCCESS')).toBe(true);
    expect(results.filter((r) => r.envelope?.data?.duplicateRequest === 'N')).toHaveLength(1);
    expect(new Set(results.map((r) => r.envelope?.data?.refundedAmount))).toEqual(new Set(['10.00000000']));
    expect(await server.adminOk<unknown[]>('GET', `/refunds?prepayId=${prepayId}`)).toHaveLength(1);
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe('20.00000000');
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('parallel payouts and transfers draining one merchant never go negative', async () => {
    const m = await server.createMerchant({ name: 'Drain' });
    await paidOrder(m, '100');
    const receiver = await createPayer(server, []);
    const client = server.client(m);
    const stamp = Date.now();
    const payouts = Array.from({ length: 10 }, (_, i) =>
      client.request('/binancepay/openapi/payout/transfer', {
        requestId: `d${stamp}p${i}`,
        batchName: 'drain',
        currency: 'USDT',
        totalAmount: '15',
        totalNumber: 1,
        transferDetailList: [{ merchantSendId: 'S1', receiveType: 'BINANCE_ID', receiver: receiver.binanceId, transferAmount: '15', transferMethod: 'FUNDING_WALLET' }],
      }),
    );
    const transfers = Array.from({ length: 10 }, (_, i) => client.request('/binancepay/openapi/wallet/transfer', { requestId: `d${stamp}t${i}`, currency: 'USDT', amount: '15', transferType: 'TO_MAIN' }));
    const results = await Promise.all([...payouts, ...transfers]);
    expect(results.every((r) => r.envelope?.status === 'SUCCESS')).toBe(true);
    await server.built.workers.runAll();
    const funding = Number(await merchantAvailable(server, m.merchantId, 'USDT', 'FUNDING'));
    const spot = Number(await merchantAvailable(server, m.merchantId, 'USDT', 'SPOT'));
    const received = Number((await server.adminOk<{ balances: Array<{ asset: string; available: string }> }>('GET', `/payers/${receiver.binanceId}`)).balances.find((b) => b.asset === 'USDT')?.available ?? 0);
    expect(funding).toBeGreaterThanOrEqual(0);
    expect(funding + spot + received).toBeCloseTo(100, 8);
    // 100 covers six moves of 15: every one that fit happened, nothing more
    expect(spot + received).toBe(90);
    const v = await verifyLedger(server);
    expect(v.ok, JSON.stringify(v.problems)).toBe(true);
  });
});
