/**
 * The dispatcher drains a backlog as a pool, on both databases: up to BPAY_WEBHOOK_CONCURRENCY
 * attempts at once, refilled as attempts finish, so one slow receiver holds one place and never a
 * whole batch. A receiver that holds its first request until the test releases it proves it: every
 * other event is delivered while that one still waits, and no more than the limit is ever in flight.
 */
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { paidOrder } from '../helpers/endpoints.ts';
import { ACK } from '../helpers/receiver.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const CONCURRENCY = 4;
const EVENTS = 13;

describeEachDialect('webhook drain', (dialect) => {
  let server: TestServer;
  let held: ServerResponse | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  const arrived: string[] = [];
  const receiver = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('finish', () => inFlight--);
    res.on('close', () => void (res.writableFinished ? undefined : inFlight--));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrived.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { bizIdStr: string }).bizIdStr);
      // the first request waits for the test; every other one is acknowledged at once
      if (held === undefined && arrived.length === 1) held = res;
      else res.writeHead(200, { 'content-type': 'application/json' }).end(ACK);
    });
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    const address = receiver.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    server = await startTestServer(dialect, { BPAY_WEBHOOK_CONCURRENCY: String(CONCURRENCY), BPAY_WEBHOOK_TIMEOUT_MS: '60000' });
    const merchant = await server.createMerchant({ webhookUrl: `http://127.0.0.1:${address.port}/hook` });
    // the test server runs no worker loops: the events wait until the test dispatches
    for (let i = 0; i < EVENTS; i++) await paidOrder(server, merchant, '1');
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await server?.close();
  });

  it('delivers every other event while one receiver answer is held, never more than the limit at once', async () => {
    const pass = server.built.deps.webhooks.dispatchDue();
    const deadline = Date.now() + 20_000;
    while (arrived.length < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(arrived.length).toBe(EVENTS);
    expect(held?.writableEnded).toBe(false);
    // the others are settled while the first is still waiting for its answer
    const delivered = async () => (await server.db.store.db.selectFrom('outbox_events').select('status').where('biz_type', '=', 'PAY').execute()).filter((e) => e.status === 'DELIVERED').length;
    while ((await delivered()) < EVENTS - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await delivered()).toBe(EVENTS - 1);
    held?.writeHead(200, { 'content-type': 'application/json' }).end(ACK);
    expect(await pass).toBe(EVENTS);
    expect(await delivered()).toBe(EVENTS);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
    expect(new Set(arrived).size).toBe(EVENTS);
  });
});
