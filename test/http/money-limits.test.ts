/**
 * The ledger limit (MAX_AMOUNT, 90,000,000,000 of an asset; docs/ledger.md "Limits") on every path
 * that adds money, over real HTTP on both databases: funding and sandbox payer creation (admin API
 * and the checkout's "create a funded payer"), payment (admin and checkout), refund, payout,
 * wallet transfer and profit-sharing split. At the boundary each is accepted; one unit more is a
 * Binance error naming the limit, never a 500, and nothing moves. `ledger verify` passes after each.
 *
 * An account can come near the limit without holding all of an asset (which the issuer bounds)
 * only through the conversion desk, which may go negative; the setup puts it there through the
 * ledger, as a conversion would, and each test uses its own asset so desks do not run into theirs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { merchantAccount, payerAccount, platformAccount, type AccountRef } from '../../src/domain/ledger.ts';
import { formatAmount, MAX_AMOUNT, parseAmount } from '../../src/lib/amount.ts';
import { post } from '../../src/ledger/ledger.ts';
import { processPendingRefunds } from '../../src/services/refunds.ts';
import { withTransaction } from '../../src/store/db.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder, tradeNo } from '../helpers/endpoints.ts';
import { createPayer, merchantAvailable, pay, payerAvailable, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';
import { WebClient } from '../helpers/web.ts';

const MAX = formatAmount(MAX_AMOUNT);
const LIMIT_MESSAGE = /at most 90000000000/;

describeEachDialect('money limits over HTTP', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Limits Shop' });
  });
  afterAll(async () => server?.close());

  /** Brings an account to `room` below the limit, as conversions into its asset would. */
  const nearLimit = (to: AccountRef, room: bigint) =>
    withTransaction(server.db.store, (tx) => post(tx, [{ debit: platformAccount('CONVERSION', to.asset), credit: to, amount: MAX_AMOUNT - room, kind: 'CONVERSION', refType: 'test', refId: 'near-limit' }], 1));
  const units = (text: string) => {
    const parsed = parseAmount(text);
    if (!parsed.ok) throw new Error(text);
    return parsed.value;
  };
  const expectVerified = async () => {
    const report = await verifyLedger(server);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  };
  const paidIn = async (asset: string, amount: string, options: Record<string, unknown> = {}) => {
    const prepayId = await createOrder(server, merchant, { currency: asset, orderAmount: amount, ...options });
    const payer = await createPayer(server, [`${amount}:${asset}`]);
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    return { prepayId, payer: payer.binanceId };
  };

  it('funding: 2^63 − 1 units is refused, the limit is reached exactly, one unit more is refused', async () => {
    const payer = await createPayer(server, ['1:TRX']);
    // the adversarial report's input: 1 TRX + 92233720368.54775807 once became a REAL
    const int64 = await server.admin('POST', `/payers/${payer.binanceId}/fund`, { amount: '92233720368.54775807', asset: 'TRX' });
    expect(int64.httpStatus).toBe(400);
    expect(int64.body).toMatchObject({ status: 'FAIL', code: '900400' });
    expect(int64.body.errorMessage).toMatch(LIMIT_MESSAGE);
    await server.adminOk('POST', `/payers/${payer.binanceId}/fund`, { amount: '89999999999', asset: 'TRX' });
    expect(await payerAvailable(server, payer.binanceId, 'TRX')).toBe(MAX);
    const over = await server.admin('POST', `/payers/${payer.binanceId}/fund`, { amount: '0.00000001', asset: 'TRX' });
    expect(over.httpStatus).toBe(400);
    expect(over.body).toMatchObject({ status: 'FAIL', code: '400102' });
    expect(over.body.errorMessage).toMatch(LIMIT_MESSAGE);
    // every TRX there is is this payer's: a new payer funded with any is refused, and not created
    const before = (await server.adminOk<unknown[]>('GET', '/payers?limit=500')).length;
    expect((await server.admin('POST', '/payers', { fund: ['1:TRX'] })).body).toMatchObject({ code: '400102' });
    expect((await server.adminOk<unknown[]>('GET', '/payers?limit=500')).length).toBe(before);
    expect(await payerAvailable(server, payer.binanceId, 'TRX')).toBe(MAX);
    await expectVerified();
  });

  it("sandbox payers from a checkout link: funded up to the limit, then refused with the checkout's 400, no payer made", async () => {
    const create = async () => {
      const o = await server.client(merchant).call<{ checkoutUrl: string }>('/binancepay/openapi/v3/order', { env: { terminalType: 'WEB' }, merchantTradeNo: tradeNo(), orderAmount: '40000000000', currency: 'XRP', description: 'big', goodsDetails: [{ goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'g', goodsName: 'g' }] });
      return new URL(o.checkoutUrl).pathname;
    };
    const first = await create();
    const c = new WebClient(server.baseUrl);
    const one = await c.postJson(`${first}/session/sandbox`, {});
    expect(one.status).toBe(201);
    // twice the order: 80 000 000 000 XRP issued; another such payer would pass the limit
    const second = await create();
    const two = await new WebClient(server.baseUrl).postJson(`${second}/session/sandbox`, {});
    expect(two.status).toBe(400);
    expect(two.json()).toMatchObject({ status: 'FAIL', code: '400102' });
    expect(two.json().errorMessage).toMatch(LIMIT_MESSAGE);
    expect((await c.postJson(`${first}/pay`, {})).status).toBe(200);
    await expectVerified();
  });

  it('payment: to exactly the limit, one unit beyond refused (admin and checkout), nothing moves', async () => {
    const shop = await server.createMerchant({ name: 'Nearly Full' });
    await nearLimit(merchantAccount(shop.merchantId, 'USDT'), units('5'));
    const payer = await createPayer(server, ['20:USDT']);
    const big = await createOrder(server, shop, { orderAmount: '5.00000001' });
    const refused = await pay(server, big, payer.binanceId);
    expect(refused.httpStatus).toBe(400);
    expect(refused.body).toMatchObject({ status: 'FAIL', code: '400102' });
    expect(refused.body.errorMessage).toMatch(LIMIT_MESSAGE);
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('20.00000000');
    expect((await server.client(shop).call<{ status: string }>('/binancepay/openapi/v2/order/query', { prepayId: big })).status).toBe('INITIAL');
    // the same through the checkout, signed in as the payer
    const o = await server.client(shop).call<{ checkoutUrl: string }>('/binancepay/openapi/v3/order', { env: { terminalType: 'WEB' }, merchantTradeNo: tradeNo(), orderAmount: '6', currency: 'USDT', description: 'x', goodsDetails: [{ goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'g', goodsName: 'g' }] });
    const base = new URL(o.checkoutUrl).pathname;
    const c = new WebClient(server.baseUrl);
    expect((await c.postJson(`${base}/session`, { payer: payer.binanceId })).status).toBe(200);
    const viaCheckout = await c.postJson(`${base}/pay`, {});
    expect(viaCheckout.status).toBe(400);
    expect(viaCheckout.json()).toMatchObject({ code: '400102' });
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('20.00000000');
    const exact = await createOrder(server, shop, { orderAmount: '5' });
    expect((await pay(server, exact, payer.binanceId)).body.status).toBe('SUCCESS');
    expect(await merchantAvailable(server, shop.merchantId, 'USDT')).toBe(MAX);
    await expectVerified();
  });

  it('refund: refused when the payer could not hold it, pending included; the remainder fits exactly', async () => {
    const { prepayId, payer } = await paidIn('BTC', '2');
    await nearLimit(payerAccount(payer, 'BTC'), units('1'));
    const refund = (amount: string) => server.client(merchant).request('/binancepay/openapi/order/refund', { refundRequestId: `R${tradeNo()}`, prepayId, refundAmount: amount });
    const over = await refund('1.00000001');
    expect(over.envelope).toMatchObject({ status: 'FAIL', code: '400102' });
    expect(over.envelope?.errorMessage).toMatch(LIMIT_MESSAGE);
    expect((await refund('1')).envelope?.status).toBe('SUCCESS');
    // the payer has 1 BTC on its way: nothing more fits, not even through a second refund
    expect((await refund('0.00000001')).envelope).toMatchObject({ code: '400102' });
    await processPendingRefunds(server.built.deps);
    expect(await payerAvailable(server, payer, 'BTC')).toBe(MAX);
    await expectVerified();
  });

  it('payout: a detail the receiver could not hold fails at settlement and its money returns; one that fits is paid', async () => {
    await paidIn('ETH', '10');
    const receiver = await createPayer(server, []);
    await nearLimit(payerAccount(receiver.binanceId, 'ETH'), units('1'));
    const before = await merchantAvailable(server, merchant.merchantId, 'ETH');
    const batch = (amount: string) => ({
      requestId: `P${tradeNo()}`,
      batchName: 'limits',
      currency: 'ETH',
      totalAmount: amount,
      totalNumber: 1,
      bizScene: 'SETTLEMENT',
      transferDetailList: [{ merchantSendId: 'S1', receiveType: 'BINANCE_ID', receiver: receiver.binanceId, transferAmount: amount, transferMethod: 'FUNDING_WALLET' }],
    });
    const query = (requestId: string) => server.client(merchant).call<{ batchStatus: string; transferDetailList: Array<{ status: string }> }>('/binancepay/openapi/payout/query', { requestId });
    const over = batch('1.00000001');
    expect((await server.client(merchant).request('/binancepay/openapi/payout/transfer', over)).envelope?.status).toBe('SUCCESS');
    await server.built.workers.runAll();
    expect(await query(over.requestId)).toMatchObject({ batchStatus: 'FAILED', transferDetailList: [{ status: 'FAIL' }] });
    expect(await merchantAvailable(server, merchant.merchantId, 'ETH')).toBe(before);
    const exact = batch('1');
    await server.client(merchant).call('/binancepay/openapi/payout/transfer', exact);
    await server.built.workers.runAll();
    expect((await query(exact.requestId)).batchStatus).toBe('SUCCESS');
    expect(await payerAvailable(server, receiver.binanceId, 'ETH')).toBe(MAX);
    await expectVerified();
  });

  it('wallet transfer: refused into a wallet that could not hold it; exactly to the limit is a SUCCESS', async () => {
    await paidIn('BNB', '5');
    await nearLimit(merchantAccount(merchant.merchantId, 'BNB', 'SPOT'), units('1'));
    const transfer = (amount: string) => server.client(merchant).request<{ status: string }>('/binancepay/openapi/wallet/transfer', { requestId: `T${tradeNo()}`, currency: 'BNB', amount, transferType: 'TO_MAIN' });
    const over = await transfer('1.00000001');
    expect(over.envelope).toMatchObject({ status: 'FAIL', code: '400102' });
    expect(await merchantAvailable(server, merchant.merchantId, 'BNB')).toBe('5.00000000');
    expect((await transfer('1')).envelope?.data?.status).toBe('SUCCESS');
    expect(await merchantAvailable(server, merchant.merchantId, 'BNB', 'SPOT')).toBe(MAX);
    await expectVerified();
  });

  it('profit-sharing split: refused to a receiver that could not hold its share; the share that fits is paid', async () => {
    const { prepayId } = await paidIn('SOL', '10', { orderTags: { ifProfitSharing: true } });
    const receiver = await createPayer(server, []);
    await server.client(merchant).call('/binancepay/openapi/profitsharing/v1/add-receiver', { account: receiver.binanceId });
    await nearLimit(payerAccount(receiver.binanceId, 'SOL'), units('1'));
    const split = (amount: string) => server.client(merchant).request('/binancepay/openapi/profitsharing/v1/submit-split', { merchantRequestId: `S${tradeNo()}`, prepayOrderId: prepayId, receiverList: [{ account: receiver.binanceId, amount }] });
    expect((await split('1.00000001')).envelope).toMatchObject({ status: 'FAIL', code: '400102' });
    expect(await merchantAvailable(server, merchant.merchantId, 'SOL')).toBe('10.00000000');
    expect((await split('1')).envelope?.status).toBe('SUCCESS');
    expect(await payerAvailable(server, receiver.binanceId, 'SOL')).toBe(MAX);
    await expectVerified();
  });
});
