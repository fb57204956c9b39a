/**
 * `ledger verify` reconciles the business with the journal: it must notice when an order, a
 * refund, a payout detail or a split no longer matches its transfers. Both dialects; each check
 * is broken on purpose and must fail alone.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { createPayer, pay, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

describeEachDialect('ledger audit reconciliation', (dialect) => {
  let server: TestServer;
  let m: MerchantCredentials;
  let paidId: string;
  let unpaidId: string;
  let refundId: string;
  let payoutId: string;
  let splitNo: string;

  const failing = async () => (await verifyLedger(server)).checks.filter((c) => !c.ok).map((c) => c.name);
  const exec = (q: ReturnType<typeof sql>) => q.execute(server.db.store.db);

  beforeAll(async () => {
    server = await startTestServer(dialect);
    m = await server.createMerchant({ name: 'Audited books' });
    const payer = await createPayer(server, ['1000:USDT']);
    paidId = await createOrder(server, m, { orderAmount: '100', orderTags: { ifProfitSharing: true } });
    expect((await pay(server, paidId, payer.binanceId)).body.status).toBe('SUCCESS');
    unpaidId = await createOrder(server, m, { orderAmount: '5' });
    await server.client(m).call('/binancepay/openapi/order/refund', { refundRequestId: `AR${Date.now()}`, prepayId: paidId, refundAmount: '10' });
    const receiver = await createPayer(server, []);
    const requestId = `AP${Date.now()}`;
    await server.client(m).call('/binancepay/openapi/payout/transfer', {
      requestId,
      batchName: 'audit',
      currency: 'USDT',
      totalAmount: '3',
      totalNumber: 1,
      transferDetailList: [{ merchantSendId: 'S1', receiveType: 'BINANCE_ID', receiver: receiver.binanceId, transferAmount: '3', transferMethod: 'FUNDING_WALLET' }],
    });
    await server.built.workers.runAll();
    await server.client(m).call('/binancepay/openapi/profitsharing/v1/add-receiver', { account: receiver.binanceId });
    const split = await server.client(m).call<{ splitOrderNo: string }>('/binancepay/openapi/profitsharing/v1/submit-split', { merchantRequestId: `AS${Date.now()}`, prepayOrderId: paidId, receiverList: [{ account: receiver.binanceId, amount: '2' }] });
    splitNo = split.splitOrderNo;
    await server.built.workers.runAll();
    refundId = (await server.adminOk<Array<{ refundId: string }>>('GET', `/refunds?prepayId=${paidId}`))[0]!.refundId;
    payoutId = (await server.adminOk<Array<{ payoutId: string }>>('GET', `/payouts?requestId=${requestId}`))[0]!.payoutId;
  });
  afterAll(async () => server?.close());

  it('passes on honest books', async () => {
    expect(await failing()).toEqual([]);
  });

  it('notices a paid order whose amount differs from its transfers', async () => {
    await exec(sql`update orders set order_amount = order_amount + 1 where prepay_id = ${paidId}`);
    try {
      expect(await failing()).toEqual(['paid-orders-have-their-transfers']);
    } finally {
      await exec(sql`update orders set order_amount = order_amount - 1 where prepay_id = ${paidId}`);
    }
  });

  it('notices an unpaid order with payment transfers', async () => {
    await exec(sql`update ledger_transfers set ref_id = ${unpaidId} where ref_id = ${paidId} and kind = 'PAYMENT'`);
    try {
      expect(await failing()).toContain('unpaid-orders-moved-no-money');
    } finally {
      await exec(sql`update ledger_transfers set ref_id = ${paidId} where ref_id = ${unpaidId} and kind = 'PAYMENT'`);
    }
  });

  it('notices a refund recorded differently from its transfer', async () => {
    await exec(sql`update refunds set refund_amount = refund_amount + 1 where refund_id = ${refundId}`);
    try {
      expect(await failing()).toEqual(['refunds-match-journal']);
    } finally {
      await exec(sql`update refunds set refund_amount = refund_amount - 1 where refund_id = ${refundId}`);
    }
  });

  it('notices a payout detail marked paid that was not', async () => {
    await exec(sql`update payout_details set status = 'FAIL' where payout_id = ${payoutId}`);
    try {
      expect(await failing()).toEqual(['payouts-match-journal']);
    } finally {
      await exec(sql`update payout_details set status = 'SUCCESS' where payout_id = ${payoutId}`);
    }
  });

  it('notices a split whose total differs from what it moved', async () => {
    await exec(sql`update ps_splits set total_amount = total_amount - 1 where split_order_no = ${splitNo}`);
    try {
      expect(await failing()).toEqual(['splits-match-journal']);
    } finally {
      await exec(sql`update ps_splits set total_amount = total_amount + 1 where split_order_no = ${splitNo}`);
    }
    expect(await failing()).toEqual([]);
  });
});
