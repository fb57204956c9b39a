/** Transfer fund spot ⇄ funding and its query (fact sheet §3.12), both dialects. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { createPayer, merchantAvailable, pay, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

let seq = 0;
const rid = () => `W${Date.now()}${seq++}`;

describeEachDialect('wallet transfers', (dialect) => {
  let server: TestServer;
  let m: MerchantCredentials;
  const transfer = (body: Record<string, unknown>) => server.client(m).request<Record<string, unknown>>('/binancepay/openapi/wallet/transfer', body);

  beforeAll(async () => {
    server = await startTestServer(dialect);
    m = await server.createMerchant();
    const payer = await createPayer(server, ['100:USDT']);
    const prepayId = await createOrder(server, m, { orderAmount: '50' });
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
  });
  afterAll(async () => server?.close());

  it('moves funding → spot (TO_MAIN) and back (TO_PAY)', async () => {
    const id = rid();
    const r = await transfer({ requestId: id, currency: 'USDT', amount: '20.5', transferType: 'TO_MAIN' });
    expect(r.rawText).toBe(`{"status":"SUCCESS","code":"000000","data":{"tranId":"${id}","status":"SUCCESS","currency":"USDT","amount":"20.5","transferType":"TO_MAIN"},"errorMessage":""}`);
    expect(await merchantAvailable(server, m.merchantId, 'USDT', 'FUNDING')).toBe('29.50000000');
    expect(await merchantAvailable(server, m.merchantId, 'USDT', 'SPOT')).toBe('20.50000000');
    expect((await transfer({ requestId: rid(), currency: 'USDT', amount: '0.5', transferType: 'TO_PAY' })).envelope?.data).toMatchObject({ status: 'SUCCESS' });
    expect(await merchantAvailable(server, m.merchantId, 'USDT', 'SPOT')).toBe('20.00000000');
    const v2 = await server.client(m).call<{ balance: Array<{ asset: string }> }>('/binancepay/openapi/v2/balance', { wallet: 'SPOT_WALLET' });
    expect(v2.balance.map((b) => b.asset)).toEqual(['USDT']);
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('answers a repeat with REPEAT_REQ_SUCCESS / 000001 and the original data, once', async () => {
    const id = rid();
    const body = { requestId: id, currency: 'USDT', amount: '1', transferType: 'TO_MAIN' };
    const first = await transfer(body);
    const before = await merchantAvailable(server, m.merchantId, 'USDT', 'SPOT');
    const again = await transfer(body);
    expect(again.envelope).toMatchObject({ status: 'REPEAT_REQ_SUCCESS', code: '000001', data: first.envelope?.data });
    expect(await merchantAvailable(server, m.merchantId, 'USDT', 'SPOT')).toBe(before);
    expect((await transfer({ ...body, amount: '2' })).envelope).toMatchObject({ status: 'FAIL', code: '400001' });
    const sdk = await server.client(m).transferFund({ requestId: id, currency: 'USDT', amount: '1', transferType: 'TO_MAIN' });
    expect(sdk.repeated).toBe(true);
  });

  it('records an uncovered transfer as FAILURE and moves nothing', async () => {
    const id = rid();
    const r = await transfer({ requestId: id, currency: 'USDT', amount: '1000', transferType: 'TO_PAY' });
    expect(r.envelope).toMatchObject({ status: 'SUCCESS', data: { status: 'FAILURE' } });
    expect(await server.client(m).call('/binancepay/openapi/wallet/transfer/query', { tranId: id })).toEqual({ tranId: id, status: 'FAILURE' });
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('validates fields and queries', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ currency: 'USDT', amount: '1', transferType: 'TO_MAIN' }, '400100'],
      [{ requestId: rid(), currency: 'USDT', amount: '1', transferType: 'SIDEWAYS' }, '400102'],
      [{ requestId: rid(), currency: 'USDT', amount: '-1', transferType: 'TO_MAIN' }, '400102'],
      [{ requestId: rid(), currency: 'USDT', amount: '1.000000001', transferType: 'TO_MAIN' }, '400102'],
      [{ requestId: rid(), currency: 'XYZ', amount: '1', transferType: 'TO_MAIN' }, '400102'],
      [{ requestId: 'x'.repeat(33), currency: 'USDT', amount: '1', transferType: 'TO_MAIN' }, '400101'],
    ];
    for (const [body, code] of cases) expect((await transfer(body)).envelope, JSON.stringify(body)).toMatchObject({ status: 'FAIL', code });
    expect((await server.client(m).request('/binancepay/openapi/wallet/transfer/query', { tranId: 'none' })).envelope).toMatchObject({ code: '400102' });
    // RS serialises the field as tran_id (a client bug, fact sheet §3.12): it is missing
    expect((await server.client(m).request('/binancepay/openapi/wallet/transfer/query', { tran_id: 'x' })).envelope).toMatchObject({ code: '400100' });
  });
});
