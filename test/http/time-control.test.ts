/**
 * Time control is one timeline for every node on a database, kept across restarts: two apps on one
 * database (real HTTP, real signatures), the second built on a connection of its own.
 */
import { BinancePayClient } from '@binance-pay-server/sdk';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { buildApp, type BuiltApp } from '../../src/app.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { v3OrderBody } from '../helpers/endpoints.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const HOUR = 3_600_000;

describeEachDialect('time control across nodes', (dialect) => {
  let a: TestServer;
  let b: BuiltApp;
  let bUrl: string;
  let merchant: MerchantCredentials;

  const startNode = async () => {
    const built = await buildApp({ config: a.config, store: a.db.openAnother(), logger: false });
    await built.app.listen({ port: 0, host: '127.0.0.1' });
    const address = built.app.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    return { built, url: `http://127.0.0.1:${address.port}` };
  };
  const stopNode = async (built: BuiltApp) => {
    await built.close();
    await built.deps.store.close();
  };
  const adminAt = async <T>(url: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${a.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { httpStatus: response.status, body: (await response.json()) as { status: string; data: T; errorMessage?: string } };
  };
  const offsetAt = async (url: string) => (await adminAt<{ offsetMs: number }>(url, 'GET', '/time')).body.data.offsetMs;
  const clientAt = (url: string) => new BinancePayClient({ apiKey: merchant.apiKey, apiSecret: merchant.apiSecret, baseUrl: url });

  beforeAll(async () => {
    a = await startTestServer(dialect);
    ({ built: b, url: bUrl } = await startNode());
    merchant = await a.createMerchant();
  });
  afterAll(async () => {
    if (b) await stopNode(b);
    await a?.close();
  });

  it('applies a move made on one node to the next signed request on another', async () => {
    const before = b.businessClock.offset;
    const moved = await a.adminOk<{ offsetMs: number }>('POST', '/time/advance', { by: '2h' });
    expect(moved.offsetMs).toBe(before + 2 * HOUR);
    // node B has not synced yet: the signed request itself brings the new offset
    expect(b.businessClock.offset).toBe(before);
    const realNow = Date.now();
    const { prepayId } = await clientAt(bUrl).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody());
    const order = await clientAt(bUrl).call<{ createTime: number }>('/binancepay/openapi/v2/order/query', { prepayId });
    expect(order.createTime).toBeGreaterThanOrEqual(realNow + moved.offsetMs);
    expect(b.businessClock.offset).toBe(moved.offsetMs);
  });

  it('shows the same time on every node, and moves made at once on two nodes both count', async () => {
    const start = await offsetAt(a.baseUrl);
    const results = await Promise.all([adminAt(a.baseUrl, 'POST', '/time/advance', { by: '1h' }), adminAt(bUrl, 'POST', '/time/advance', { by: '30m' })]);
    expect(results.map((r) => r.httpStatus)).toEqual([200, 200]);
    expect(await offsetAt(a.baseUrl)).toBe(start + 1.5 * HOUR);
    expect(await offsetAt(bUrl)).toBe(start + 1.5 * HOUR);
  });

  it('expires on every node the orders a move on one node made due', async () => {
    const { prepayId } = await clientAt(a.baseUrl).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody());
    await adminAt(bUrl, 'POST', '/time/advance', { by: '2h' });
    const seen = await clientAt(a.baseUrl).call<{ status: string }>('/binancepay/openapi/v2/order/query', { prepayId });
    expect(seen.status).toBe('EXPIRED');
  });

  it('follows a move within a worker interval on a node that serves nothing and runs no workers', async () => {
    b.workers.start(20, { clockOnly: true });
    const moved = await a.adminOk<{ offsetMs: number }>('POST', '/time/advance', { by: '1m' });
    await vi.waitFor(() => expect(b.businessClock.offset).toBe(moved.offsetMs), { timeout: 2000, interval: 10 });
  });

  it('keeps the timeline across a restart and refuses to move past year 9999', async () => {
    const offset = await offsetAt(bUrl);
    await stopNode(b);
    ({ built: b, url: bUrl } = await startNode());
    expect(b.businessClock.offset).toBe(offset);
    const refused = await adminAt(bUrl, 'POST', '/time/advance', { by: 8_000_000_000_000_000 });
    expect(refused.httpStatus).toBe(400);
    expect(refused.body.errorMessage).toMatch(/9999-12-31/);
    expect(await offsetAt(a.baseUrl)).toBe(offset);
  });
});
