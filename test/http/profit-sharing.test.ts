/**
 * Profit sharing (fact sheet §3.14) on both dialects: receivers, splits only of paid profit-sharing
 * orders (400209 otherwise), atomic all-or-none splits, concurrent splits never exceeding the
 * order, idempotency by merchantRequestId / merchantReturnNo, returns, ledger verified after each.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { createPayer, merchantAvailable, pay, payerAvailable, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

let seq = 0;
const uniq = (p: string) => `${p}${Date.now()}${seq++}`;
const PS = '/binancepay/openapi/profitsharing/v1';

describeEachDialect('profit sharing', (dialect) => {
  let server: TestServer;
  let m: MerchantCredentials;
  const call = <T = Record<string, unknown>>(path: string, body: unknown, who = m) => server.client(who).request<T>(`${PS}/${path}`, body);

  async function sharedOrder(amount = '100', profitSharing = true) {
    const payer = await createPayer(server, [`${amount}:USDT`]);
    const prepayId = await createOrder(server, m, { orderAmount: amount, orderTags: { ifProfitSharing: profitSharing } });
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    return prepayId;
  }
  async function receiver() {
    const p = await createPayer(server, []);
    expect((await call('add-receiver', { account: p.binanceId })).envelope?.data).toEqual({ account: p.binanceId });
    return p.binanceId;
  }

  beforeAll(async () => {
    server = await startTestServer(dialect);
    m = await server.createMerchant({ name: 'Marketplace' });
  });
  afterAll(async () => server?.close());

  it('registers, lists with pages and deletes receivers', async () => {
    const fresh = await server.createMerchant({ name: 'Lister' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await createPayer(server, []);
      ids.push(p.binanceId);
      await call('add-receiver', { account: p.binanceId }, fresh);
    }
    await call('add-receiver', { account: ids[0] }, fresh);
    const page1 = await call<{ accountList: string[] }>('query-receiver', { pageNum: 1, pageSize: 2 }, fresh);
    expect(page1.envelope?.data).toEqual({ accountList: ids.slice(0, 2), totalPageNum: 2, totalRecordNum: 3, currentPageNum: 1, currentPageSize: 2 });
    const page2 = await call('query-receiver', { pageNum: 2, pageSize: 2 }, fresh);
    expect((page2.envelope?.data as { accountList: string[] }).accountList).toEqual([ids[2]]);
    expect((await call('del-receiver', { account: ids[1] }, fresh)).envelope?.data).toEqual({ account: ids[1] });
    expect((await call('del-receiver', { account: ids[1] }, fresh)).envelope).toMatchObject({ code: '400102' });
    expect((await call('add-receiver', { account: '1' }, fresh)).envelope).toMatchObject({ code: '400601' });
    expect((await call('query-receiver', { pageNum: 0, pageSize: 2 }, fresh)).envelope).toMatchObject({ code: '400102' });
  });

  it('splits a paid order among receivers atomically and reports Binance statuses', async () => {
    const prepayId = await sharedOrder('100');
    const [a, b] = [await receiver(), await receiver()];
    const before = await merchantAvailable(server, m.merchantId, 'USDT');
    const merchantRequestId = uniq('S');
    const r = await call<{ splitOrderNo: string; status: number; receiverOrderDetails: Array<Record<string, unknown>> }>('submit-split', {
      merchantRequestId,
      prepayOrderId: prepayId,
      receiverList: [
        { account: a, amount: '30', description: 'seller share' },
        { account: b, amount: 12.5, description: 'fees, delivery/packing.' },
      ],
    });
    expect(r.envelope?.status, r.rawText).toBe('SUCCESS');
    const data = r.envelope!.data!;
    expect(data.splitOrderNo).toMatch(/^\d{18}$/);
    expect(data.status).toBe(2);
    expect(data.receiverOrderDetails).toHaveLength(2);
    expect(data.receiverOrderDetails[0]).toMatchObject({ account: a, amount: '30.00000000', status: 2, failReason: null });
    expect(String(data.receiverOrderDetails[0]!.detailId)).toMatch(/^\d{18}$/);
    expect(Math.abs(Number(data.receiverOrderDetails[0]!.finishTime) - Math.floor(Date.now() / 1000))).toBeLessThan(3600 * 24 * 365);
    expect(await payerAvailable(server, a, 'USDT')).toBe('30.00000000');
    expect(await payerAvailable(server, b, 'USDT')).toBe('12.50000000');
    expect(Number(before) - Number(await merchantAvailable(server, m.merchantId, 'USDT'))).toBeCloseTo(42.5, 8);
    const q = await call('query-split', { merchantRequestId, prepayOrderId: prepayId });
    expect(q.envelope?.data).toEqual(data);
    // the same request again: the stored split; a different one under the same id: refused
    expect((await call('submit-split', { merchantRequestId, prepayOrderId: prepayId, receiverList: [{ account: a, amount: '30', description: 'seller share' }, { account: b, amount: 12.5, description: 'fees, delivery/packing.' }] })).envelope?.data).toEqual(data);
    expect((await call('submit-split', { merchantRequestId, prepayOrderId: prepayId, receiverList: [{ account: a, amount: '1' }] })).envelope).toMatchObject({ code: '400001' });
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('splits only paid orders created with ifProfitSharing (400209)', async () => {
    const a = await receiver();
    const plain = await sharedOrder('10', false);
    expect((await call('submit-split', { merchantRequestId: uniq('S'), prepayOrderId: plain, receiverList: [{ account: a, amount: '1' }] })).envelope).toMatchObject({ code: '400209' });
    const unpaid = await createOrder(server, m, { orderTags: { ifProfitSharing: true } });
    expect((await call('submit-split', { merchantRequestId: uniq('S'), prepayOrderId: unpaid, receiverList: [{ account: a, amount: '1' }] })).envelope).toMatchObject({ code: '400209' });
    expect((await call('query-split', { merchantRequestId: 'x', prepayOrderId: '1234567890123456789' })).envelope).toMatchObject({ code: '400209' });
  });

  it('refuses unregistered receivers and more than is left of the order, moving nothing', async () => {
    const prepayId = await sharedOrder('20');
    const a = await receiver();
    const stranger = (await createPayer(server, [])).binanceId;
    const before = await merchantAvailable(server, m.merchantId, 'USDT');
    expect((await call('submit-split', { merchantRequestId: uniq('S'), prepayOrderId: prepayId, receiverList: [{ account: a, amount: '1' }, { account: stranger, amount: '1' }] })).envelope).toMatchObject({ code: '400102' });
    expect((await call('submit-split', { merchantRequestId: uniq('S'), prepayOrderId: prepayId, receiverList: [{ account: a, amount: '20.00000001' }] })).envelope).toMatchObject({ code: '400102' });
    expect((await call('submit-split', { merchantRequestId: uniq('S'), prepayOrderId: prepayId, receiverList: [{ account: a, amount: '1' }, { account: a, amount: '1' }] })).envelope).toMatchObject({ code: '400102' });
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe(before);
    expect(await payerAvailable(server, a, 'USDT')).toBe('0.00000000');
    // refunds reduce what is left to share
    await server.client(m).call('/binancepay/openapi/order/refund', { refundRequestId: uniq('R'), prepayId, refundAmount: '15' });
    await server.built.workers.runAll();
    expect((await call('submit-split', { merchantRequestId: uniq('S'), prepayOrderId: prepayId, receiverList: [{ account: a, amount: '5.00000001' }] })).envelope).toMatchObject({ code: '400102' });
    expect((await call('submit-split', { merchantRequestId: uniq('S'), prepayOrderId: prepayId, receiverList: [{ account: a, amount: '5' }] })).envelope?.status).toBe('SUCCESS');
  });

  it('concurrent splits that together exceed the order never over-split', async () => {
    const prepayId = await sharedOrder('50');
    const receivers = await Promise.all(Array.from({ length: 5 }, () => receiver()));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('submit-split', { merchantRequestId: uniq(`C${i}x`), prepayOrderId: prepayId, receiverList: [{ account: receivers[i % 5], amount: '7' }] })),
    );
    const ok = results.filter((r) => r.envelope?.status === 'SUCCESS');
    expect(ok).toHaveLength(7);
    for (const r of results.filter((x) => x.envelope?.status !== 'SUCCESS')) expect(r.envelope?.code).toBe('400102');
    const received = await Promise.all(receivers.map((a) => payerAvailable(server, a!, 'USDT')));
    expect(received.reduce((s, v) => s + Number(v), 0)).toBe(49);
    const v = await verifyLedger(server);
    expect(v.ok, JSON.stringify(v.problems)).toBe(true);
  });

  it('returns money from a receiver, once per merchantReturnNo, within what it received', async () => {
    const prepayId = await sharedOrder('40');
    const a = await receiver();
    const merchantRequestId = uniq('S');
    const split = await call<{ splitOrderNo: string }>('submit-split', { merchantRequestId, prepayOrderId: prepayId, receiverList: [{ account: a, amount: '10' }] });
    const splitOrderNo = split.envelope!.data!.splitOrderNo;
    const merchantReturnNo = uniq('RT');
    const body = { prepayOrderId: prepayId, splitOrderNo, merchantReturnNo, transferOutAccount: a, returnAmount: '4', description: 'order returned' };
    const r = await call<Record<string, unknown>>('return', body);
    expect(r.envelope?.data, r.rawText).toMatchObject({ prepayOrderId: prepayId, splitOrderNo, originMerchantRequestId: merchantRequestId, merchantReturnNo, transferOutAccount: a, returnAmount: '4.00000000', status: 2, failReason: null });
    expect(String(r.envelope?.data?.returnOrderNo)).toMatch(/^\d{18}$/);
    expect(await payerAvailable(server, a, 'USDT')).toBe('6.00000000');
    expect((await call('return', body)).envelope?.data).toEqual(r.envelope?.data);
    expect((await call('return', { ...body, returnAmount: '5' })).envelope).toMatchObject({ code: '400001' });
    // by originMerchantRequestId, and never more than is still returnable
    expect((await call('return', { ...body, splitOrderNo: undefined, originMerchantRequestId: merchantRequestId, merchantReturnNo: uniq('RT'), returnAmount: '6.00000001' })).envelope).toMatchObject({ code: '400102' });
    expect((await call('return', { ...body, splitOrderNo: undefined, merchantReturnNo: uniq('RT') })).envelope).toMatchObject({ code: '400100' });
    // a receiver who spent the money: a recorded FAIL
    const spender = await receiver();
    const split2 = await call<{ splitOrderNo: string }>('submit-split', { merchantRequestId: uniq('S'), prepayOrderId: prepayId, receiverList: [{ account: spender, amount: '5' }] });
    const order2 = await createOrder(server, m, { orderAmount: '5' });
    expect((await pay(server, order2, spender)).body.status).toBe('SUCCESS');
    const failed = await call<Record<string, unknown>>('return', { prepayOrderId: prepayId, splitOrderNo: split2.envelope!.data!.splitOrderNo, merchantReturnNo: uniq('RT'), transferOutAccount: spender, returnAmount: '5', description: 'claw back' });
    expect(failed.envelope?.data).toMatchObject({ status: 3, failReason: 'insufficient balance in the receiver account' });
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('validates fields', async () => {
    const prepayId = await sharedOrder('10');
    const a = await receiver();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['submit-split', { prepayOrderId: prepayId, receiverList: [{ account: a, amount: '1' }] }, '400100'],
      ['submit-split', { merchantRequestId: 'x'.repeat(33), prepayOrderId: prepayId, receiverList: [{ account: a, amount: '1' }] }, '400101'],
      ['submit-split', { merchantRequestId: uniq('S'), prepayOrderId: prepayId, receiverList: [] }, '400100'],
      ['submit-split', { merchantRequestId: uniq('S'), prepayOrderId: prepayId, receiverList: [{ account: a, amount: '1', description: 'no <tags>' }] }, '400103'],
      ['submit-split', { merchantRequestId: uniq('S'), prepayOrderId: prepayId, receiverList: [{ account: a, amount: '0' }] }, '400102'],
      ['submit-split', { merchantRequestId: uniq('S'), prepayOrderId: prepayId, receiverList: [{ account: a, amount: '1', webhookUrl: 'mailto:x' }] }, '400102'],
      ['add-receiver', { account: 'abc' }, '400103'],
      ['return', { prepayOrderId: prepayId, splitOrderNo: '1', merchantReturnNo: uniq('R'), transferOutAccount: a, returnAmount: '1' }, '400100'],
    ];
    for (const [path, body, code] of cases) expect((await call(path, body)).envelope, `${path} ${JSON.stringify(body)}`).toMatchObject({ status: 'FAIL', code });
  });
});
