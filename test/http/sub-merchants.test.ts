/**
 * Sub-merchants (fact sheet §3.13) on both dialects: add/modify rules and codes, and a partner
 * operating its sub-merchants — orders, refunds and payouts settle in the sub-merchant's wallets.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { createPayer, merchantAvailable, pay, payerAvailable, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

let seq = 0;
const uniq = (p: string) => `${p}${Date.now()}${seq++}`;

const online = (name: string) => ({ merchantName: name, storeType: 0, merchantMcc: '1001', siteUrl: 'https://shop.example.com', country: 'GO', merchantType: 4 });

describeEachDialect('sub-merchants', (dialect) => {
  let server: TestServer;
  let partner: MerchantCredentials;
  const add = (body: Record<string, unknown>, m = partner) => server.client(m).request<{ subMerchantId: number }>('/binancepay/openapi/submerchant/add', body);
  const modify = (body: Record<string, unknown>, m = partner) => server.client(m).request<{ subMerchantId: number }>('/binancepay/openapi/submerchant/modify', body);

  beforeAll(async () => {
    server = await startTestServer(dialect);
    partner = await server.createMerchant({ name: 'Partner' });
  });
  afterAll(async () => server?.close());

  it('adds a sub-merchant and answers its id as a long', async () => {
    const r = await add(online(uniq('Shop')));
    expect(r.envelope?.status, r.rawText).toBe('SUCCESS');
    expect(r.rawText).toMatch(/"data":\{"subMerchantId":\d{9}\}/);
    const sub = await server.adminOk<{ partnerMerchantId: number; profile: Record<string, unknown> }>('GET', `/merchants/${r.envelope?.data?.subMerchantId}`);
    expect(sub.partnerMerchantId).toBe(partner.merchantId);
    expect(sub.profile).toMatchObject({ storeType: 0, merchantMcc: '1001', siteUrl: 'https://shop.example.com' });
  });

  it('refuses a duplicate name under one partner (400205) but not under another', async () => {
    const name = uniq('Twin');
    expect((await add(online(name))).envelope?.status).toBe('SUCCESS');
    expect((await add(online(name))).envelope).toMatchObject({ status: 'FAIL', code: '400205' });
    const other = await server.createMerchant({ name: 'Other partner' });
    expect((await add(online(name), other)).envelope?.status).toBe('SUCCESS');
  });

  it('validates the field rules of add', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...online(uniq('A')), merchantName: undefined }, '400100'],
      [{ ...online(uniq('A')), merchantName: 'n'.repeat(129) }, '400101'],
      [{ ...online(uniq('A')), storeType: 2 }, '400102'],
      [{ ...online(uniq('A')), merchantMcc: '12a4' }, '400103'],
      [{ ...online(uniq('A')), siteUrl: undefined }, '400100'],
      [{ merchantName: uniq('P'), storeType: 1, merchantMcc: '1001' }, '400100'],
      [{ merchantName: uniq('P'), storeType: -1, merchantMcc: '1001', address: 'Main st 1' }, '400100'],
      [{ ...online(uniq('A')), merchantMcc: '9999' }, '400100'],
      [{ ...online(uniq('A')), merchantType: 6 }, '400102'],
      [{ ...online(uniq('A')), country: 'Germany' }, '400103'],
      [{ ...online(uniq('A')), blockPayerKycCountries: 'US' }, '400008'],
    ];
    for (const [body, code] of cases) expect((await add(body)).envelope, JSON.stringify(body)).toMatchObject({ status: 'FAIL', code });
    expect((await add({ merchantName: uniq('Both'), storeType: -1, merchantMcc: '9999', payIndustryDescription: 'misc', siteUrl: 'https://x.io', address: 'Main st 1' })).envelope?.status).toBe('SUCCESS');
  });

  it('modifies its own sub-merchants only (400206) and keeps names unique', async () => {
    const a = (await add(online(uniq('Mod')))).envelope?.data?.subMerchantId;
    const bName = uniq('Other');
    await add(online(bName));
    const ok = await modify({ subMerchantId: String(a), siteUrl: 'https://new.example.com', merchantType: 2 });
    expect(ok.envelope?.status, ok.rawText).toBe('SUCCESS');
    expect((await server.adminOk<{ profile: Record<string, unknown> }>('GET', `/merchants/${a}`)).profile).toMatchObject({ siteUrl: 'https://new.example.com', merchantType: 2 });
    expect((await modify({ subMerchantId: String(a), merchantType: 1 })).envelope).toMatchObject({ code: '400102' });
    expect((await modify({ subMerchantId: String(a), merchantName: bName })).envelope).toMatchObject({ code: '400205' });
    expect((await modify({ subMerchantId: '123456789', siteUrl: 'https://x.io' })).envelope).toMatchObject({ code: '400206' });
    const stranger = await server.createMerchant({ name: 'Stranger' });
    expect((await modify({ subMerchantId: String(a), siteUrl: 'https://x.io' }, stranger)).envelope).toMatchObject({ code: '400206' });
    expect((await modify({ siteUrl: 'https://x.io' })).envelope).toMatchObject({ code: '400100' });
  });

  it("settles orders, refunds and payouts in the sub-merchant's wallets", async () => {
    const subId = String((await add(online(uniq('Seller')))).envelope?.data?.subMerchantId);
    const payer = await createPayer(server, ['100:USDT']);
    const prepayId = await createOrder(server, partner, { orderAmount: '40', merchant: { subMerchantId: subId } });
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    expect(await merchantAvailable(server, Number(subId), 'USDT')).toBe('40.00000000');
    const partnerBefore = await merchantAvailable(server, partner.merchantId, 'USDT');

    const refund = await server.client(partner).request('/binancepay/openapi/order/refund', { refundRequestId: uniq('R'), prepayId, refundAmount: '15' });
    expect(refund.envelope?.status, refund.rawText).toBe('SUCCESS');
    await server.built.workers.runAll();
    expect(await merchantAvailable(server, Number(subId), 'USDT')).toBe('25.00000000');
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('75.00000000');

    const receiver = await createPayer(server, []);
    const requestId = uniq('SP');
    const payout = await server.client(partner).request('/binancepay/openapi/payout/transfer', {
      requestId,
      batchName: 'seller payout',
      currency: 'USDT',
      totalAmount: '5',
      totalNumber: 1,
      subMerchantId: subId,
      transferDetailList: [{ merchantSendId: 'S1', receiveType: 'BINANCE_ID', receiver: receiver.binanceId, transferAmount: '5', transferMethod: 'FUNDING_WALLET' }],
    });
    expect(payout.envelope?.status, payout.rawText).toBe('SUCCESS');
    await server.built.workers.runAll();
    expect(await merchantAvailable(server, Number(subId), 'USDT')).toBe('20.00000000');
    expect(await merchantAvailable(server, partner.merchantId, 'USDT')).toBe(partnerBefore);
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it("refuses orders and payouts for another partner's sub-merchant (400206)", async () => {
    const subId = String((await add(online(uniq('Mine')))).envelope?.data?.subMerchantId);
    const thief = await server.createMerchant({ name: 'Thief' });
    const order = await server.client(thief).request('/binancepay/openapi/v3/order', {
      env: { terminalType: 'WEB' },
      merchantTradeNo: uniq('T'),
      orderAmount: '1',
      currency: 'USDT',
      description: 'x',
      merchant: { subMerchantId: subId },
      goodsDetails: [{ goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'S', goodsName: 'G' }],
    });
    expect(order.envelope).toMatchObject({ status: 'FAIL', code: '400206' });
    const payout = await server.client(thief).request('/binancepay/openapi/payout/transfer', {
      requestId: uniq('X'),
      batchName: 'b',
      currency: 'USDT',
      totalAmount: '1',
      totalNumber: 1,
      subMerchantId: subId,
      transferDetailList: [{ merchantSendId: 'S1', receiveType: 'BINANCE_ID', receiver: '123', transferAmount: '1', transferMethod: 'FUNDING_WALLET' }],
    });
    expect(payout.envelope).toMatchObject({ status: 'FAIL', code: '400206' });
    // a suspended sub-merchant is unavailable too
    await server.adminOk('PATCH', `/merchants/${subId}`, { status: 'SUSPENDED' });
    const suspended = await server.client(partner).request('/binancepay/openapi/submerchant/modify', { subMerchantId: subId, siteUrl: 'https://x.io' });
    expect(suspended.envelope).toMatchObject({ code: '400206' });
  });

  it('a sub-merchant cannot add sub-merchants (400203)', async () => {
    const subId = (await add(online(uniq('Nested')))).envelope?.data?.subMerchantId;
    const key = await server.adminOk<{ apiKey: string; apiSecret: string }>('POST', `/merchants/${subId}/keys`, {});
    const asSub = { merchantId: Number(subId), apiKey: key.apiKey, apiSecret: key.apiSecret };
    expect((await add(online(uniq('Grandchild')), asSub)).envelope).toMatchObject({ code: '400203' });
  });
});
