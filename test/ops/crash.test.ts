/**
 * Crash safety, on SQLite (file, WAL) and PostgreSQL: a real `bpay serve` takes a mixed load
 * (orders, payments, refunds, transfers, webhooks to a slow local receiver that fails some first
 * attempts), is killed with SIGKILL in the middle of it, and restarts on the same data. Then every
 * answer the clients got still holds: each acknowledged order, payment, refund and transfer exists;
 * every committed event's webhook is delivered (events the dead process had claimed are taken over
 * once its lease runs out, its unfinished attempt marked ABANDONED); `bpay ledger verify` passes.
 *
 * Real time only: the lease of a dead process runs on real time (it bounds real HTTP attempts), so
 * the retry schedule and the lease are made short instead of moving the business clock.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { OffsetClock, systemClock } from '../../src/lib/clock.ts';
import { claimDueEvents, finishAttempt, startAttempt } from '../../src/store/webhooks-repo.ts';
import { describeEachDialect, TEST_DATABASE_URL } from '../helpers/dialects.ts';
import { createOrder, v3OrderBody } from '../helpers/endpoints.ts';
import {
  ACK,
  ADMIN_TOKEN,
  allEvents,
  eventually,
  REPO_ROOT,
  sleep,
  startRecordingReceiver,
  startServerProcess,
  type AttemptView,
  type EventView,
  type RecordingReceiver,
  type ServerProcess,
} from '../helpers/process.ts';
import { createPayer, pay } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials } from '../helpers/server.ts';

const WORKERS = 6;
const PAID_STATUSES = ['PAID', 'REFUNDING', 'REFUNDED', 'FULL_REFUNDED'];

interface Acknowledged {
  orders: Array<{ prepayId: string; merchantTradeNo: string }>;
  paid: Set<string>;
  refunds: string[];
  transfers: string[];
}

describeEachDialect('crash safety (SIGKILL mid-load, restart)', (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), `bpay-crash-${dialect}-`));
  const schema = `t_crash_${process.pid}_${Date.now().toString(36)}`;
  let env: Record<string, string>;
  let hook: RecordingReceiver;
  let node: ServerProcess | undefined;

  beforeAll(async () => {
    env = {
      BPAY_DATA_DIR: dir,
      BPAY_WORKER_INTERVAL_MS: '100',
      BPAY_WEBHOOK_TIMEOUT_MS: '1000',
      // a lease of 1 s attempt + 5 s listener grace + 0.5 s slack: what the dead process held frees quickly
      BPAY_WEBHOOK_LEASE_SLACK_MS: '500',
      BPAY_WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,500ms,1s,1s,2s',
    };
    if (dialect === 'postgres') {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      env = { ...env, DATABASE_URL: TEST_DATABASE_URL, BPAY_PG_SCHEMA: schema, BPAY_PG_POOL_SIZE: '6' };
    }
    hook = await startRecordingReceiver();
    // slow enough that deliveries are in flight when the process dies; some first attempts fail
    hook.answer = async (request, seen) => {
      await sleep(30);
      return seen === 0 && request.body.length % 4 === 0 ? { status: 500, body: 'first attempt fails' } : { status: 200, body: ACK };
    };
  });

  afterAll(async () => {
    await node?.stop('SIGKILL');
    await hook?.close();
    if (dialect === 'postgres') {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write and delivers every committed webhook after a SIGKILL', { timeout: 120_000 }, async () => {
    node = await startServerProcess(env);
    const first = node;
    const merchant = await first.adminOk<MerchantCredentials>('POST', '/merchants', { name: 'Crash Shop', webhookUrl: hook.url });
    const payer = await first.adminOk<{ binanceId: string }>('POST', '/payers', { fund: ['1000000:USDT'] });
    const acked: Acknowledged = { orders: [], paid: new Set(), refunds: [], transfers: [] };

    // clients hammer the server until it disappears under them
    let killed = false;
    const client = first.client(merchant, { timeoutMs: 5000 });
    const loop = async (w: number) => {
      for (let i = 0; !killed; i++) {
        try {
          const body = v3OrderBody({ orderAmount: '5' });
          const order = await client.request<{ prepayId: string }>('/binancepay/openapi/v3/order', body);
          if (order.envelope?.status !== 'SUCCESS') throw new Error(`create failed: ${order.rawText}`);
          const prepayId = String(order.envelope.data!.prepayId);
          acked.orders.push({ prepayId, merchantTradeNo: String(body.merchantTradeNo) });
          const paid = await first.admin('POST', `/orders/${prepayId}/pay`, { payer: payer.binanceId });
          if (paid.body.status !== 'SUCCESS') throw new Error(`pay failed: ${JSON.stringify(paid.body)}`);
          acked.paid.add(prepayId);
          if (i % 3 === w % 3) {
            const refundRequestId = `R${prepayId}`;
            const refund = await client.request('/binancepay/openapi/order/refund', { refundRequestId, prepayId, refundAmount: '1' });
            if (refund.envelope?.status !== 'SUCCESS') throw new Error(`refund failed: ${refund.rawText}`);
            acked.refunds.push(refundRequestId);
          }
          if (i % 5 === w % 5) {
            const requestId = `W${prepayId}`;
            const transfer = await client.request('/binancepay/openapi/wallet/transfer', { requestId, currency: 'USDT', amount: '0.5', transferType: 'TO_MAIN' });
            if (transfer.envelope?.status !== 'SUCCESS') throw new Error(`transfer failed: ${transfer.rawText}`);
            acked.transfers.push(requestId);
          }
        } catch (error) {
          if (killed) return; // the connection died with the process: that request was never acknowledged
          throw error;
        }
      }
    };
    const loops = Promise.all(Array.from({ length: WORKERS }, (_, w) => loop(w)));

    // mid-load: enough acknowledged work, and webhooks being delivered
    await eventually('load to build up', async () => (acked.paid.size >= 25 && hook.received.length >= 8 ? true : undefined), 60_000, 20);
    killed = true;
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await loops;


    // restart on the same data dir / database
    node = await startServerProcess(env);
    const second = node;
    const after = second.client(merchant);

    // every acknowledged order exists as acknowledged; every acknowledged payment stands
    for (const o of acked.orders) {
      const r = await after.call<{ prepayId: string; merchantTradeNo: string; status: string }>('/binancepay/openapi/v2/order/query', { prepayId: o.prepayId });
      expect(r.merchantTradeNo).toBe(o.merchantTradeNo);
      if (acked.paid.has(o.prepayId)) expect(PAID_STATUSES, `${o.prepayId} ${r.status}`).toContain(r.status);
    }
    for (const refundRequestId of acked.refunds) {
      expect((await after.request('/binancepay/openapi/order/refund/query', { refundRequestId })).envelope?.status).toBe('SUCCESS');
    }
    for (const tranId of acked.transfers) {
      expect((await after.call<{ status: string }>('/binancepay/openapi/wallet/transfer/query', { tranId })).status).toBe('SUCCESS');
    }

    // every committed event is delivered: pending retries resume, claims of the dead process are taken over
    const events = await eventually(
      'every webhook to be delivered after the restart',
      async () => {
        const list = await allEvents(second, merchant.merchantId);
        return list.length > 0 && list.every((e) => e.status === 'DELIVERED') ? list : undefined;
      },
      60_000,
      250,
    );
    const paidEvents = new Set(events.filter((e) => e.bizType === 'PAY' && e.bizStatus === 'PAY_SUCCESS').map((e) => e.bizId));
    for (const prepayId of acked.paid) expect(paidEvents.has(prepayId), prepayId).toBe(true);
    const facts = events.map((e) => `${e.bizType}/${e.bizStatus}/${e.refType}/${e.refId}`);
    expect(new Set(facts).size).toBe(facts.length);

    const nonces = new Set<string>();
    for (const e of events) {
      const { attemptLog } = await second.adminOk<EventView & { attemptLog: AttemptView[] }>('GET', `/webhooks/${e.eventId}`);
      const success = attemptLog.filter((a) => a.outcome === 'SUCCESS');
      expect(success, `${e.eventId}: ${JSON.stringify(attemptLog.map((a) => [a.attemptNo, a.outcome, a.error]))}`).toHaveLength(1);
      for (const a of attemptLog) {
        const nonce = a.requestHeaders['BinancePay-Nonce']!;
        nonces.add(nonce);
        // a recorded outcome means the receiver saw that attempt exactly once; an ABANDONED one (the
        // process died during it) may or may not have reached it
        if (a.outcome !== 'ABANDONED') expect(hook.countNonce(nonce), `${e.eventId} attempt ${a.attemptNo} ${a.outcome} ${a.error}`).toBe(1);
      }
    }
    // and nothing reached the receiver that the attempt log does not account for
    for (const r of hook.received) expect(nonces.has(r.nonce)).toBe(true);

    // the books balance: through the admin API and as an operator runs it
    const verify = await second.adminOk<{ ok: boolean; problems: string[] }>('GET', '/ledger/verify');
    expect(verify.ok, JSON.stringify(verify.problems)).toBe(true);
    const cli = await new Promise<{ code: number; stdout: string }>((done) => {
      execFile(process.execPath, ['bin/bpay.mjs', '--url', second.url, '--admin-token', ADMIN_TOKEN, 'ledger', 'verify', '--json'], { cwd: REPO_ROOT, timeout: 30_000 }, (error, stdout) =>
        done({ code: error ? Number(error.code ?? 1) : 0, stdout: String(stdout) }),
      );
    });
    expect(cli.code, cli.stdout).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true });

    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    node = undefined;
  });

  it('does not send again what a process that died before settling had already delivered', async () => {
    const s = await startTestServer(dialect);
    const receiver = await startRecordingReceiver();
    try {
      const m = await s.createMerchant({ webhookUrl: receiver.url });
      const payer = await createPayer(s, ['10:USDT']);
      const prepayId = await createOrder(s, m, { orderAmount: '1' });
      expect((await pay(s, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
      await s.built.close();
      // a process claims the event, delivers it, records the SUCCESS, and dies before settling the event
      const now = Date.now();
      const [claimed] = await claimDueEvents(s.db.store, { dueBy: now + 60_000, lease: { token: 'dead', wallNowMs: now, untilMs: now + 60_000 }, limit: 10, skipMerchants: [] });
      const attempt = await startAttempt(s.db.store, 'dead', { eventId: claimed!.id, merchantId: m.merchantId, attemptNo: 1, autoAttempts: 1, trigger: 'SCHEDULE', via: 'HTTP', requestUrl: receiver.url, requestHeaders: {}, requestBody: '', startedAtMs: now });
      await finishAttempt(s.db.store.db, attempt!.id, { outcome: 'SUCCESS', responseStatus: 200, responseBody: ACK, latencyMs: 3, error: null, finishedAtMs: now + 3 });

      // once the lease has run out, the next holder settles it as delivered and sends nothing
      const clock = new OffsetClock(systemClock);
      clock.setOffset(120_000);
      const next = await buildApp({ config: s.config, store: s.db.openAnother(), logger: false, clock });
      try {
        await next.workers.runAll();
      } finally {
        await next.close();
        await next.deps.store.close();
      }
      expect(receiver.received).toHaveLength(0);
      const event = await s.db.store.db.selectFrom('outbox_events').selectAll().where('id', '=', claimed!.id).executeTakeFirstOrThrow();
      expect([event.status, Number(event.attempts), event.lease_token, Number(event.delivered_at_ms)]).toEqual(['DELIVERED', 1, null, now + 3]);
    } finally {
      await receiver.close();
      await s.db.drop();
    }
  });
});
