/**
 * Record and replay end to end, on both databases: a merchant app (the TypeScript SDK, fixed ids)
 * runs against server A through the recording proxy; server B, with a fresh database, replays the
 * cassette. The same app run against B gets the recorded answers byte for byte, and what was never
 * recorded is answered by B's simulation on state seeded to match: the recorded orders under their
 * prepayIds, paid, refunded or closed as recorded.
 */
import { BinancePayClient, type RawResponse } from '@binance-pay-server/sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readCassette, redactBody, type Cassette } from '../../src/conformance/cassette.ts';
import { ReplayBook, seedReplay, type SeedResult } from '../../src/http/binancepay/replay.ts';
import { buildProxy, type ProxyServer } from '../../src/http/proxy/proxy.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createPayer, pay, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const P = '/binancepay/openapi';
const goods = [{ goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'SKU1', goodsName: 'Ice Cream' }];

/** The merchant app under test: the same requests every run, as a test written against real traffic sends them. */
function appRequests(base: string) {
  return {
    createA: { env: { terminalType: 'WEB' }, merchantTradeNo: `${base}A`, orderAmount: '10', currency: 'USDT', description: 'Replay A', goodsDetails: goods, buyer: { buyerEmail: 'bob.secret@example.com' } },
    createB: { env: { terminalType: 'APP' }, merchantTradeNo: `${base}B`, orderAmount: '4', currency: 'USDT', description: 'Replay B', goodsDetails: goods },
    refund: (prepayId: string) => ({ refundRequestId: `${base}R1`, prepayId, refundAmount: '3' }),
  };
}

interface Step {
  name: string;
  path: string;
  body: unknown;
}

describeEachDialect('record through the proxy, replay with seeded state', (dialect) => {
  let a: TestServer;
  let b: TestServer;
  let merchant: MerchantCredentials;
  let proxy: ProxyServer;
  let dir: string;
  let cassette: Cassette;
  let book: ReplayBook;
  let seeded: SeedResult;
  const recorded = new Map<string, RawResponse>();
  const base = `RPL${dialect === 'sqlite' ? 'S' : 'P'}${Date.now().toString(36)}`;
  const req = appRequests(base);
  let prepayA = '';
  let prepayB = '';
  let steps: Step[] = [];

  beforeAll(async () => {
    a = await startTestServer(dialect);
    merchant = await a.createMerchant({ name: 'Recorded shop' });
    dir = mkdtempSync(join(tmpdir(), 'bpay-replay-'));
    const path = join(dir, 'cassette.json');
    proxy = await buildProxy({ upstream: a.baseUrl, record: path, secrets: new Map([[merchant.apiKey, merchant.apiSecret]]) });
    await proxy.app.listen({ port: 0, host: '127.0.0.1' });
    const address = proxy.app.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    const live = new BinancePayClient({ apiKey: merchant.apiKey, apiSecret: merchant.apiSecret, baseUrl: `http://127.0.0.1:${address.port}` });

    // the recording: the app's traffic goes through the proxy; a payer pays in between (not API traffic)
    const send = async (name: string, path: string, body: unknown) => {
      const r = await live.request(path, body);
      recorded.set(name, r);
      return r;
    };
    prepayA = ((await send('create A', `${P}/v3/order`, req.createA)).envelope?.data as { prepayId: string }).prepayId;
    const payer = await createPayer(a, ['100:USDT']);
    expect((await pay(a, prepayA, payer.binanceId)).body.status).toBe('SUCCESS');
    prepayB = ((await send('create B', `${P}/v3/order`, req.createB)).envelope?.data as { prepayId: string }).prepayId;
    steps = [
      { name: 'query A', path: `${P}/v2/order/query`, body: { prepayId: prepayA } },
      { name: 'refund A', path: `${P}/order/refund`, body: req.refund(prepayA) },
      { name: 'close B', path: `${P}/order/close`, body: { prepayId: prepayB } },
      { name: 'query B', path: `${P}/v2/order/query`, body: { merchantTradeNo: `${base}B` } },
      { name: 'unknown order', path: `${P}/v2/order/query`, body: { merchantTradeNo: `${base}X` } },
      { name: 'certificates', path: `${P}/certificates`, body: undefined },
      { name: 'balance', path: `${P}/v2/balance`, body: { wallet: 'FUNDING_WALLET', currency: 'USDT' } },
    ];
    for (const s of steps) await send(s.name, s.path, s.body);
    await a.built.workers.runAll();
    await send('query refund', `${P}/order/refund/query`, { refundRequestId: `${base}R1` });
    await proxy.settled();
    await proxy.app.close();

    // the replay: another server, another database, nothing but the cassette
    cassette = readCassette(path);
    book = new ReplayBook(cassette);
    b = await startTestServer(dialect, {}, { replay: book });
    seeded = await seedReplay(b.built.deps, cassette, { apiKey: merchant.apiKey, apiSecret: merchant.apiSecret });
    book.bind(seeded.merchantId);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const offline = () => new BinancePayClient({ apiKey: merchant.apiKey, apiSecret: merchant.apiSecret, baseUrl: b.baseUrl });

  it('seeds the recorded orders and refunds, with the recorded key and secret', () => {
    expect(recorded.get('create A')?.envelope?.status).toBe('SUCCESS');
    expect(cassette.exchanges).toHaveLength(10);
    expect(seeded).toMatchObject({ apiKey: merchant.apiKey, apiSecret: merchant.apiSecret, orders: 2, refunds: 1, notSeeded: [] });
    expect(seeded.merchantId).not.toBe(merchant.merchantId);
  });

  it('the same app run offline gets every recorded answer byte for byte (personal data redacted), in recorded order', async () => {
    const client = offline();
    const replay: Array<[string, string, unknown]> = [
      ['create A', `${P}/v3/order`, req.createA],
      ['create B', `${P}/v3/order`, req.createB],
      ...steps.map((s): [string, string, unknown] => [s.name, s.path, s.body]),
      ['query refund', `${P}/order/refund/query`, { refundRequestId: `${base}R1` }],
    ];
    for (const [name, path, body] of replay) {
      const answer = await client.request(path, body);
      // what A answered, with only personal data redacted (payerId, openUserId): the rest is the same bytes
      expect(answer.rawText, name).toBe(redactBody(recorded.get(name)?.rawText ?? ''));
      expect(answer.httpStatus, name).toBe(recorded.get(name)?.httpStatus);
      expect(answer.headers['x-bpay-replay'], name).toMatch(/^\d+$/);
    }
    expect(book.counts.answered).toBe(replay.length);
    const unredacted = replay.filter(([name]) => redactBody(recorded.get(name)?.rawText ?? '') === recorded.get(name)?.rawText).length;
    // query A (payerId, openUserId), refund A and query refund (payerOpenId) carry personal data
    expect(unredacted).toBe(replay.length - 3);
  });

  it('what was never recorded is simulated on the seeded state, and the ledger holds', async () => {
    const client = offline();
    // the same query in another form than recorded: B's own state answers, under the recorded ids
    const byTradeNo = await client.request(`${P}/v2/order/query`, { merchantTradeNo: `${base}A` });
    expect(byTradeNo.headers['x-bpay-replay']).toBeUndefined();
    expect(byTradeNo.envelope?.data).toMatchObject({ prepayId: prepayA, merchantTradeNo: `${base}A`, status: 'REFUNDED', orderAmount: '10.00000000', merchantId: seeded.merchantId });
    expect(await client.queryOrderV1({ prepayId: prepayB })).toMatchObject({ status: 'CANCELED' });
    // asked again after its recording is used up: the simulation, agreeing with the recording
    expect(await client.queryRefund({ refundRequestId: `${base}R1` })).toMatchObject({ refundStatus: 'REFUND_SUCCESS', prepayId: prepayA, refundAmount: '3.00000000' });
    await expect(client.createOrder(req.createA as never)).rejects.toMatchObject({ code: '400201' });
    await expect(client.closeOrder({ prepayId: prepayA })).rejects.toMatchObject({ code: '400204' });
    const fresh = await client.createOrder({ ...req.createB, merchantTradeNo: `${base}C` } as never);
    expect(fresh.prepayId).not.toBe(prepayB);
    expect((await verifyLedger(b)).ok).toBe(true);
  });

  it('authentication still runs first, and other merchants are never answered from the cassette', async () => {
    const wrong = new BinancePayClient({ apiKey: merchant.apiKey, apiSecret: 'not-the-secret-0123456789abcdef', baseUrl: b.baseUrl });
    const refused = await wrong.request(`${P}/certificates`, undefined);
    expect(refused.envelope?.code).toBe('400002');
    const other = await b.createMerchant({ name: 'Someone else' });
    const theirs = await b.client(other).request(`${P}/v2/order/query`, { merchantTradeNo: `${base}X` });
    expect(theirs.headers['x-bpay-replay']).toBeUndefined();
    expect(theirs.envelope?.code).toBe('400202');
  });

  it('seeding again changes nothing; without a key the replay merchant gets one of its own', async () => {
    const again = await seedReplay(b.built.deps, cassette, { apiKey: merchant.apiKey, apiSecret: merchant.apiSecret });
    expect(again).toMatchObject({ merchantId: seeded.merchantId, orders: 0, refunds: 0, notSeeded: [] });
    // the key is the replay merchant's now: another secret for it is refused, not swapped in
    await expect(seedReplay(b.built.deps, cassette, { apiKey: merchant.apiKey, apiSecret: 'another-secret-0123456789abcdef' })).rejects.toThrow(/another merchant or secret/);
    const c = await startTestServer(dialect);
    try {
      const own = await seedReplay(c.built.deps, cassette, {});
      expect(own.apiKey).not.toBe(merchant.apiKey);
      const order = await c.client({ merchantId: own.merchantId, apiKey: own.apiKey, apiSecret: own.apiSecret }).queryOrder({ prepayId: prepayA });
      expect(order.status).toBe('REFUNDED');
    } finally {
      await c.close();
    }
  });
});
