/**
 * Graceful shutdown: in-flight requests finish while no new connection is accepted, /readyz turns
 * 503 at once (and the server keeps serving through BPAY_SHUTDOWN_DELAY_MS), webhook attempts
 * still running at the deadline are interrupted and recorded, and every claimed lease is released
 * so another node delivers at once instead of waiting for the lease to expire. Both dialects
 * in-process; the real SIGTERM path of `bpay serve` as a child process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { ACK, eventually, sleep, startRecordingReceiver, startServerProcess, type RecordingReceiver } from '../helpers/process.ts';
import { createPayer, pay } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

/** true once a new connection to `url` is refused */
async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    return false;
  } catch {
    return true;
  }
}

describeEachDialect('graceful shutdown', (dialect) => {
  const receivers: RecordingReceiver[] = [];
  const servers: TestServer[] = [];

  async function server(env: Record<string, string> = {}): Promise<TestServer> {
    const s = await startTestServer(dialect, env);
    servers.push(s);
    return s;
  }
  async function receiver(): Promise<RecordingReceiver> {
    const r = await startRecordingReceiver();
    receivers.push(r);
    return r;
  }
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('lets a slow in-flight request finish while refusing new connections', async () => {
    const s = await server({ BPAY_WEBHOOK_TIMEOUT_MS: '5000' });
    const hook = await receiver();
    hook.answer = async () => {
      await sleep(800);
      return { status: 200, body: ACK };
    };
    const m = await s.createMerchant({ webhookUrl: hook.url });
    // a test notification is delivered inside the request: this request takes ~800 ms
    const slow = s.admin<{ attempt: { outcome: string } }>('POST', `/merchants/${m.merchantId}/webhooks/test`, {});
    await eventually('the receiver to get the attempt', async () => (hook.received.length === 1 ? true : undefined), 5000, 10);

    const started = Date.now();
    const closing = s.built.close({ timeoutMs: 5000 });
    await eventually('new connections to be refused', async () => ((await refused(s.baseUrl)) ? true : undefined), 3000, 20);
    const answer = await slow;
    expect(answer.httpStatus).toBe(201);
    expect(answer.body.data?.attempt.outcome).toBe('SUCCESS');
    await closing;
    expect(Date.now() - started).toBeLessThan(4000);
    const rows = await s.db.store.db.selectFrom('outbox_events').select(['status', 'lease_token']).where('merchant_id', '=', m.merchantId).execute();
    expect(rows).toEqual([{ status: 'DELIVERED', lease_token: null }]);
  });

  it('interrupts an attempt still running at the deadline, records it, and releases the lease so another node delivers at once', async () => {
    // a long attempt timeout makes the lease long (timeout + 5 s + 60 s): only a release frees it in time
    const s = await server({ BPAY_WEBHOOK_TIMEOUT_MS: '30000' });
    const hook = await receiver();
    hook.answer = (_request, seen) => (seen === 0 ? new Promise(() => undefined) : { status: 200, body: ACK }); // the first attempt hangs
    const m = await s.createMerchant({ webhookUrl: hook.url });
    const payer = await createPayer(s, ['100:USDT']);
    const prepayId = await createOrder(s, m, { orderAmount: '3' });
    expect((await pay(s, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');

    const pass = s.built.workers.runAll();
    await eventually('the first attempt to reach the receiver', async () => (hook.received.length === 1 ? true : undefined), 5000, 10);
    const leased = await s.db.store.db.selectFrom('outbox_events').select(['lease_token']).where('biz_id', '=', prepayId).executeTakeFirstOrThrow();
    expect(leased.lease_token).not.toBeNull();

    const started = Date.now();
    await s.built.close({ timeoutMs: 300 });
    await pass;
    expect(Date.now() - started).toBeLessThan(3000);

    const event = await s.db.store.db.selectFrom('outbox_events').selectAll().where('biz_id', '=', prepayId).executeTakeFirstOrThrow();
    expect(event.status).toBe('PENDING');
    expect(event.lease_token).toBeNull();
    expect(event.lease_until_ms).toBeNull();
    expect(Number(event.next_attempt_at_ms)).toBeLessThanOrEqual(s.built.businessClock.now());
    const attempts = await s.db.store.db.selectFrom('webhook_attempts').select(['attempt_no', 'outcome', 'error']).where('event_id', '=', event.id).execute();
    expect(attempts.map((a) => [Number(a.attempt_no), a.outcome, a.error])).toEqual([[1, 'FAILED', 'interrupted: the server shut down during the attempt']]);

    // another node, at once: no lease to wait for
    const other = await buildApp({ config: s.config, store: s.db.openAnother(), logger: false });
    try {
      await other.workers.runAll();
      const after = await s.db.store.db.selectFrom('outbox_events').select(['status', 'attempts']).where('id', '=', event.id).executeTakeFirstOrThrow();
      expect(after.status).toBe('DELIVERED');
      expect(Number(after.attempts)).toBe(2);
      expect(hook.received).toHaveLength(2);
      const log = await s.db.store.db.selectFrom('webhook_attempts').select(['attempt_no', 'outcome']).where('event_id', '=', event.id).orderBy('attempt_no').execute();
      expect(log.map((a) => [Number(a.attempt_no), a.outcome])).toEqual([
        [1, 'FAILED'],
        [2, 'SUCCESS'],
      ]);
    } finally {
      await other.close();
      await other.deps.store.close();
    }
  });

  it('answers /readyz 503 from the first moment of shutdown and keeps serving through the delay', async () => {
    const s = await server();
    const m: MerchantCredentials = await s.createMerchant();
    const ready = await fetch(`${s.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });

    const closing = s.built.close({ delayMs: 700, timeoutMs: 2000 });
    const during = await fetch(`${s.baseUrl}/readyz`);
    expect(during.status).toBe(503);
    expect(await during.json()).toEqual({ status: 'unavailable', reason: 'shutting down' });
    expect((await fetch(`${s.baseUrl}/healthz`)).status).toBe(200); // alive, just not taking new work
    expect((await s.client(m).getCertificates()).length).toBeGreaterThan(0); // still serving during the delay
    expect(await (await fetch(`${s.baseUrl}/metrics`)).text()).toMatch(/^bpay_ready 0$/m);
    await closing;
    expect(await refused(s.baseUrl)).toBe(true);
  });
});

describe('bpay serve on SIGTERM', () => {
  let hook: RecordingReceiver;
  beforeAll(async () => {
    hook = await startRecordingReceiver();
  });
  afterAll(async () => hook?.close());

  it('finishes the in-flight request, refuses new connections, and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpay-sigterm-'));
    const node = await startServerProcess({ BPAY_DATA_DIR: dir, BPAY_WEBHOOK_TIMEOUT_MS: '5000' });
    try {
      hook.answer = async () => {
        await sleep(1000);
        return { status: 200, body: ACK };
      };
      const m = await node.adminOk<MerchantCredentials>('POST', '/merchants', { name: 'Slow Hook Shop', webhookUrl: hook.url });
      const slow = node.admin<{ attempt: { outcome: string } }>('POST', `/merchants/${m.merchantId}/webhooks/test`, {});
      await eventually('the receiver to get the attempt', async () => (hook.received.length === 1 ? true : undefined), 5000, 10);

      node.child.kill('SIGTERM');
      await eventually('new connections to be refused', async () => ((await refused(node.url)) ? true : undefined), 3000, 20);
      const answer = await slow;
      expect(answer.httpStatus, node.output()).toBe(201);
      expect(answer.body.data?.attempt.outcome).toBe('SUCCESS');
      expect(await node.exited).toEqual({ code: 0, signal: null });
    } finally {
      await node.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
