/**
 * Batch payout, payout query and receiver check (fact sheet §3.8–3.10, §4.3, §7.5) through real
 * HTTP on both dialects: field rules, reservation at acceptance, asynchronous processing, email
 * receivers (claimed on sign-up or refunded after 72 h), detail filters, requestId reuse.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { createPayer, merchantAvailable, pay, payerAvailable, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

let seq = 0;
const rid = () => `P${Date.now()}${seq++}`;

type Detail = { merchantSendId: string; receiveType: string; receiver: string; transferAmount: string | number; transferMethod: string; remark?: string };

function batch(details: Detail[], overrides: Record<string, unknown> = {}) {
  const total = details.reduce((a, d) => a + Math.round(Number(d.transferAmount) * 1e8), 0);
  return {
    requestId: rid(),
    batchName: 'rewards',
    currency: 'USDT',
    totalAmount: (total / 1e8).toFixed(8),
    totalNumber: details.length,
    bizScene: 'CRYPTO_REWARDS',
    transferDetailList: details,
    ...overrides,
  };
}

const detail = (i: number, receiver: string, amount: string, receiveType = 'BINANCE_ID'): Detail => ({ merchantSendId: `S${i}`, receiveType, receiver, transferAmount: amount, transferMethod: 'FUNDING_WALLET' });

describeEachDialect('payouts', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => server?.close());

  /** A merchant whose funding wallet holds `amount` USDT, earned from a paid order. */
  async function fundedMerchant(amount: string) {
    const m = await server.createMerchant({ name: 'Payout Co' });
    const payer = await createPayer(server, [`${amount}:USDT`]);
    const prepayId = await createOrder(server, m, { orderAmount: amount });
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    return m;
  }
  const payout = (m: MerchantCredentials, body: unknown) => server.client(m).request<Record<string, unknown>>('/binancepay/openapi/payout/transfer', body);
  const query = (m: MerchantCredentials, requestId: string, detailStatus?: unknown) =>
    server.client(m).call<{ batchStatus: string; transferDetailList: Array<Record<string, unknown>> }>('/binancepay/openapi/payout/query', { requestId, ...(detailStatus === undefined ? {} : { detailStatus }) });

  it('accepts, reserves, pays Binance IDs and fails unknown ones (PART_SUCCESS)', async () => {
    const m = await fundedMerchant('100');
    const a = await createPayer(server, []);
    const b = await createPayer(server, []);
    const body = batch([detail(1, a.binanceId, '10'), detail(2, b.binanceId, '20.5'), detail(3, '999999999999', '5')]);
    const accepted = await payout(m, body);
    expect(accepted.envelope, accepted.rawText).toMatchObject({ status: 'SUCCESS', data: { requestId: body.requestId, status: 'ACCEPTED' } });
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe('64.50000000');
    expect((await query(m, body.requestId)).batchStatus).toBe('ACCEPTED');

    await server.built.workers.runAll();
    const q = await query(m, body.requestId);
    expect(q.batchStatus).toBe('PART_SUCCESS');
    expect(q.transferDetailList.map((d) => [d.merchantSendId, d.status])).toEqual([
      ['S1', 'SUCCESS'],
      ['S2', 'SUCCESS'],
      ['S3', 'FAIL'],
    ]);
    expect(q.transferDetailList[0]).toMatchObject({ amount: '10.00000000', receiveType: 'BINANCE_ID', receiver: a.binanceId, transferMethod: 'FUNDING_WALLET', payerId: m.merchantId });
    expect(String(q.transferDetailList[0]!.payeeId)).toBe(a.binanceId);
    expect(await payerAvailable(server, a.binanceId, 'USDT')).toBe('10.00000000');
    expect(await payerAvailable(server, b.binanceId, 'USDT')).toBe('20.50000000');
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe('69.50000000');
    const events = await server.db.store.db.selectFrom('outbox_events').selectAll().where('biz_type', '=', 'PAYOUT').where('merchant_id', '=', m.merchantId).execute();
    expect(events.map((e) => e.biz_status)).toEqual(['PART_SUCCESS']);
    expect(events[0]!.data_json).toBe(`{"batchStatus":"PART_SUCCESS","currency":"USDT","merchantId":${m.merchantId},"requestId":"${body.requestId}","totalAmount":35.50000000,"totalNumber":3}`);
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('ends SUCCESS when every detail is paid and FAILED when none is', async () => {
    const m = await fundedMerchant('10');
    const a = await createPayer(server, []);
    const ok = batch([detail(1, a.binanceId, '4'), detail(2, a.binanceId, '6')]);
    await payout(m, ok);
    const bad = batch([detail(1, '123', '1')]);
    await payout(m, bad);
    await server.built.workers.runAll();
    expect((await query(m, ok.requestId)).batchStatus).toBe('SUCCESS');
    expect((await query(m, bad.requestId)).batchStatus).toBe('FAILED');
    expect(await payerAvailable(server, a.binanceId, 'USDT')).toBe('10.00000000');
  });

  it('fails the details the wallet cannot cover, in order', async () => {
    const m = await fundedMerchant('10');
    const a = await createPayer(server, []);
    const body = batch([detail(1, a.binanceId, '6'), detail(2, a.binanceId, '5'), detail(3, a.binanceId, '4')]);
    await payout(m, body);
    await server.built.workers.runAll();
    const q = await query(m, body.requestId);
    expect(q.transferDetailList.map((d) => d.status)).toEqual(['SUCCESS', 'FAIL', 'SUCCESS']);
    expect(q.batchStatus).toBe('PART_SUCCESS');
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe('0.00000000');
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('holds email payouts until the receiver signs up', async () => {
    const m = await fundedMerchant('30');
    const email = `new.user.${Date.now()}@example.com`;
    const body = batch([detail(1, email, '12', 'EMAIL')]);
    await payout(m, body);
    await server.built.workers.runAll();
    let q = await query(m, body.requestId);
    expect(q.batchStatus).toBe('PROCESSING');
    expect(q.transferDetailList[0]!.status).toBe('AWAITING_RECEIPT');
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe('18.00000000');
    const payer = await createPayer(server, [], email);
    q = await query(m, body.requestId);
    expect(q.batchStatus).toBe('SUCCESS');
    expect(q.transferDetailList[0]).toMatchObject({ status: 'SUCCESS' });
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('12.00000000');
    const events = await server.db.store.db.selectFrom('outbox_events').select(['biz_type', 'biz_status', 'biz_id', 'data_json']).where('merchant_id', '=', m.merchantId).where('ref_type', '=', 'payout').orderBy('id').execute();
    expect(events.map((e) => `${e.biz_type}:${e.biz_status}`)).toEqual(['PAYOUT_NON_BN:SUCCESS', 'PAYOUT:SUCCESS']);
    // the docs' sample: orderId, batchId and amount are JSON strings
    const nonBn = events[0]!;
    expect(nonBn.data_json).toMatch(new RegExp(`^\\{"merchantSendId":"S1","orderId":"\\d+","batchId":"${nonBn.biz_id}","status":"SUCCESS","currency":"USDT","amount":"12","receiveType":"EMAIL","receiver":"${email.replace(/\./g, '\\.')}"\\}$`));
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('refunds unclaimed email payouts to the merchant after 72 hours', async () => {
    const m = await fundedMerchant('30');
    const body = batch([detail(1, `nobody.${Date.now()}@example.com`, '7', 'EMAIL')]);
    await payout(m, body);
    await server.built.workers.runAll();
    server.built.businessClock.advance(71 * 3600_000);
    await server.built.workers.runAll();
    expect((await query(m, body.requestId)).transferDetailList[0]!.status).toBe('AWAITING_RECEIPT');
    server.built.businessClock.advance(1 * 3600_000 + 1);
    await server.built.workers.runAll();
    const q = await query(m, body.requestId);
    expect(q.transferDetailList[0]!.status).toBe('REFUNDED');
    expect(q.batchStatus).toBe('FAILED');
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe('30.00000000');
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('filters details by detailStatus (string or list)', async () => {
    const m = await fundedMerchant('10');
    const a = await createPayer(server, []);
    const body = batch([detail(1, a.binanceId, '1'), detail(2, '42', '1')]);
    await payout(m, body);
    await server.built.workers.runAll();
    expect((await query(m, body.requestId, 'SUCCESS')).transferDetailList.map((d) => d.merchantSendId)).toEqual(['S1']);
    expect((await query(m, body.requestId, ['FAIL'])).transferDetailList.map((d) => d.merchantSendId)).toEqual(['S2']);
    expect((await query(m, body.requestId, 'ALL')).transferDetailList).toHaveLength(2);
    expect((await query(m, body.requestId, 'PROCESSING')).transferDetailList).toHaveLength(0);
    const bad = await server.client(m).request('/binancepay/openapi/payout/query', { requestId: body.requestId, detailStatus: 'DONE' });
    expect(bad.envelope).toMatchObject({ code: '400102' });
    expect((await server.client(m).request('/binancepay/openapi/payout/query', { requestId: 'unknown' })).envelope).toMatchObject({ code: '400102' });
  });

  it('answers a repeated requestId with the same batch and refuses a different batch', async () => {
    const m = await fundedMerchant('10');
    const a = await createPayer(server, []);
    const body = batch([detail(1, a.binanceId, '3')]);
    expect((await payout(m, body)).envelope?.data).toEqual({ requestId: body.requestId, status: 'ACCEPTED' });
    expect((await payout(m, body)).envelope?.data).toEqual({ requestId: body.requestId, status: 'ACCEPTED' });
    const different = { ...body, transferDetailList: [detail(1, a.binanceId, '4')], totalAmount: '4' };
    expect((await payout(m, different)).envelope).toMatchObject({ status: 'FAIL', code: '400001' });
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe('7.00000000');
  });

  it('validates every field rule', async () => {
    const m = await fundedMerchant('10');
    const d = detail(1, '123456789', '1');
    const many = Array.from({ length: 501 }, (_, i) => detail(i, '123456789', '1'));
    const cases: Array<[unknown, string]> = [
      [{ ...batch([d]), requestId: undefined }, '400100'],
      [{ ...batch([d]), requestId: 'has-dash' }, '400103'],
      [{ ...batch([d]), requestId: 'x'.repeat(33) }, '400101'],
      [{ ...batch([d]), batchName: undefined }, '400100'],
      [{ ...batch([d]), batchName: 'b'.repeat(33) }, '400101'],
      [{ ...batch([d]), currency: 'usdt' }, '400103'],
      [{ ...batch([d]), currency: 'NOPE' }, '400102'],
      [{ ...batch([d]), totalAmount: '2' }, '400102'],
      [{ ...batch([d]), totalNumber: 2 }, '400102'],
      [{ ...batch([d]), totalNumber: 0 }, '400102'],
      [{ ...batch([]), totalNumber: 1, totalAmount: '1' }, '400100'],
      [batch(many), '400102'],
      [batch([d, { ...d }]), '400102'],
      [batch([{ ...d, receiveType: 'PHONE' }]), '400102'],
      [batch([{ ...d, receiver: 'not-an-id' }]), '400102'],
      [batch([{ ...d, receiveType: 'EMAIL', receiver: 'no-at-sign' }]), '400102'],
      [batch([{ ...d, transferMethod: 'CARD' }]), '400102'],
      [batch([{ ...d, transferAmount: '0' }]), '400102'],
      [batch([{ ...d, transferAmount: '1.123456789' }]), '400102'],
      [batch([{ ...d, transferAmount: '80001' }]), '400102'],
      [batch([{ ...d, remark: 'r'.repeat(129) }]), '400101'],
      [{ ...batch([d]), bizScene: 'GIFTS' }, '400102'],
      [{ ...batch([d]), transferDetailList: { a: 1 } }, '400008'],
    ];
    for (const [body, code] of cases) {
      const r = await payout(m, body);
      expect(r.envelope, `${code} for ${JSON.stringify(body).slice(0, 200)}`).toMatchObject({ status: 'FAIL', code });
    }
    expect(await merchantAvailable(server, m.merchantId, 'USDT')).toBe('10.00000000');
  });

  it('checks receivers (fact sheet §3.10)', async () => {
    const m = await server.createMerchant();
    const p = await createPayer(server, [], `check.${Date.now()}@example.com`);
    const check = (body: unknown) => server.client(m).call<boolean>('/binancepay/openapi/payout/receiver/check', body);
    expect(await check({ receiveType: 'BINANCE_ID', receiverId: p.binanceId })).toBe(true);
    expect(await check({ receiveType: 'PAY_ID', receiverId: p.binanceId, registrationEmail: p.email })).toBe(true);
    expect(await check({ receiveType: 'BINANCE_ID', receiverId: p.binanceId, registrationEmail: 'other@example.com' })).toBe(false);
    expect(await check({ receiveType: 'BINANCE_ID', receiverId: '1' })).toBe(false);
    expect((await server.client(m).request('/binancepay/openapi/payout/receiver/check', { receiveType: 'EMAIL', receiverId: 'x' })).envelope).toMatchObject({ code: '400102' });
  });

  it('shows a payout journal through the CLI-facing admin API', async () => {
    const m = await fundedMerchant('5');
    const a = await createPayer(server, []);
    const body = batch([detail(1, a.binanceId, '2'), detail(2, '77', '1')]);
    await payout(m, body);
    await server.built.workers.runAll();
    const [found] = await server.adminOk<Array<{ payoutId: string }>>('GET', `/payouts?requestId=${body.requestId}&merchantId=${m.merchantId}`);
    const view = await server.adminOk<{ journal: Array<{ phase: string; amount: string; debit: string; credit: string }> }>('GET', `/payouts/${found!.payoutId}`);
    expect(view.journal.map((j) => `${j.phase} ${j.amount} ${j.debit} -> ${j.credit}`)).toEqual([
      `PENDING 2.00000000 MERCHANT:${m.merchantId}:FUNDING -> PLATFORM:platform:ESCROW`,
      `PENDING 1.00000000 MERCHANT:${m.merchantId}:FUNDING -> PLATFORM:platform:ESCROW`,
      `POST_PENDING 2.00000000 MERCHANT:${m.merchantId}:FUNDING -> PLATFORM:platform:ESCROW`,
      `POSTED 2.00000000 PLATFORM:platform:ESCROW -> PAYER:${a.binanceId}:FUNDING`,
      `VOID_PENDING 1.00000000 MERCHANT:${m.merchantId}:FUNDING -> PLATFORM:platform:ESCROW`,
    ]);
  });
});
