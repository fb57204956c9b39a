/**
 * Concurrency never breaks an invariant: parallel requests through real HTTP on both dialects.
 * No double payment, no negative wallet, no duplicate merchantTradeNo, close-vs-pay has one winner;
 * the ledger verifies after each.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder, tradeNo, v3OrderBody } from '../helpers/endpoints.ts';
import { createPayer, merchantAvailable, pay, payerAvailable, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const PARALLEL = 30;

describeEachDialect('concurrency', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Busy Shop' });
  });
  afterAll(async () => server?.close());

  it('pays one order exactly once when many payers race', async () => {
    const payers = await Promise.all(Array.from({ length: PARALLEL }, () => createPayer(server, ['50:USDT'])));
    const prepayId = await createOrder(server, merchant, { orderAmount: '10' });
    const before = await merchantAvailable(server, merchant.merchantId, 'USDT');
    const results = await Promise.all(payers.map((p) => pay(server, prepayId, p.binanceId)));
    const winners = results.filter((r) => r.body.status === 'SUCCESS');
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.body.status !== 'SUCCESS')) expect(r.body.code).toBe('900409');
    const balances = await Promise.all(payers.map((p) => payerAvailable(server, p.binanceId, 'USDT')));
    expect(balances.filter((b) => b === '40.00000000')).toHaveLength(1);
    expect(balances.filter((b) => b === '50.00000000')).toHaveLength(PARALLEL - 1);
    expect(Number(await merchantAvailable(server, merchant.merchantId, 'USDT')) - Number(before)).toBe(10);
    const v = await verifyLedger(server);
    expect(v.ok, JSON.stringify(v.problems)).toBe(true);
  });

  it('pays one order exactly once when the same payer double-clicks', async () => {
    const payer = await createPayer(server, ['100:USDT']);
    const prepayId = await createOrder(server, merchant, { orderAmount: '7' });
    const results = await Promise.all(Array.from({ length: PARALLEL }, () => pay(server, prepayId, payer.binanceId)));
    expect(results.filter((r) => r.body.status === 'SUCCESS')).toHaveLength(1);
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('93.00000000');
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('never lets a wallet go negative when one payer pays many orders at once', async () => {
    const payer = await createPayer(server, ['21:USDT']);
    const orders = await Promise.all(Array.from({ length: 20 }, () => createOrder(server, merchant, { orderAmount: '3' })));
    const results = await Promise.all(orders.map((id) => pay(server, id, payer.binanceId)));
    const ok = results.filter((r) => r.body.status === 'SUCCESS');
    expect(ok).toHaveLength(7);
    for (const r of results.filter((x) => x.body.status !== 'SUCCESS')) expect(r.body.code).toBe('900402');
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('0.00000000');
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('accepts a merchantTradeNo once when the same create races', async () => {
    const no = tradeNo();
    const client = server.client(merchant);
    const results = await Promise.all(Array.from({ length: PARALLEL }, () => client.request('/binancepay/openapi/v3/order', v3OrderBody({ merchantTradeNo: no }))));
    expect(results.filter((r) => r.envelope?.status === 'SUCCESS')).toHaveLength(1);
    for (const r of results.filter((x) => x.envelope?.status !== 'SUCCESS')) expect(r.envelope?.code).toBe('400201');
    const orders = await server.adminOk<unknown[]>('GET', `/orders?merchantTradeNo=${no}&merchantId=${merchant.merchantId}`);
    expect(orders).toHaveLength(1);
  });

  it('lets exactly one of close and pay win the same order', async () => {
    for (let round = 0; round < 5; round++) {
      const payer = await createPayer(server, ['10:USDT']);
      const prepayId = await createOrder(server, merchant, { orderAmount: '10' });
      const [closed, paid] = await Promise.all([server.client(merchant).request('/binancepay/openapi/order/close', { prepayId }), pay(server, prepayId, payer.binanceId)]);
      const closeWon = closed.envelope?.status === 'SUCCESS';
      const payWon = paid.body.status === 'SUCCESS';
      expect(closeWon !== payWon, `round ${round}: close ${closed.rawText} pay ${JSON.stringify(paid.body)}`).toBe(true);
      const status = (await server.client(merchant).call<{ status: string }>('/binancepay/openapi/v2/order/query', { prepayId })).status;
      expect(status).toBe(closeWon ? 'CANCELED' : 'PAID');
      expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe(closeWon ? '10.00000000' : '0.00000000');
    }
    expect((await verifyLedger(server)).ok).toBe(true);
  });
});
