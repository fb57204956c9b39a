/**
 * Three real `bpay serve` processes (node bin/bpay.mjs) on ports of their own, against one fresh
 * PostgreSQL schema (BPAY_PG_SCHEMA), sharing BPAY_SECRET_KEY and BPAY_ADMIN_TOKEN and nothing
 * else (each has its own data dir). They start at the same moment (migrations, signing key and demo
 * merchant created once), take a mixed workload spread across them — orders, payments, races on
 * one order and on one merchantTradeNo, a nonce replayed on another node, refunds settled by
 * whichever node's worker gets there, payouts, transfers, closes and expiries that all three
 * workers race for — and deliver webhooks to a local receiver that fails some first attempts.
 * Then: the ledger verifies on every node, every webhook attempt reached the receiver exactly once,
 * every business fact has exactly one event, the nodes agree, and their metrics add up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres, TEST_DATABASE_URL } from '../helpers/dialects.ts';
import { tradeNo, v3OrderBody } from '../helpers/endpoints.ts';
import { allEvents, eventually, startRecordingReceiver, startServerProcess, type AttemptView, type EventView, type RecordingReceiver, type ServerProcess } from '../helpers/process.ts';
import type { MerchantCredentials } from '../helpers/server.ts';
import { failureText } from '../helpers/envelope.ts';

const NODES = 3;
const ORDERS = 36;

/** Sum of a metric over all its series in an exposition text. */
function metricSum(text: string, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) total += Number(m[3]);
  }
  return total;
}

/** A stable pseudo-random choice per body: which first attempts the receiver fails. */
function failsFirst(body: string): boolean {
  let h = 0;
  for (let i = 0; i < body.length; i++) h = (h * 31 + body.charCodeAt(i)) | 0;
  return Math.abs(h) % 3 === 0;
}

const describePg = postgres.ok ? describe : describe.skip;

describePg(`three bpay serve nodes on one PostgreSQL${postgres.ok ? '' : ` (skipped: ${postgres.reason})`}`, () => {
  const schema = `t_multinode_${process.pid}_${Date.now().toString(36)}`;
  const dirs: string[] = [];
  let nodes: ServerProcess[] = [];
  let hook: RecordingReceiver;
  let merchant: MerchantCredentials;
  const node = (i: number): ServerProcess => nodes[i % NODES]!;

  /** what the workload did, for the checks */
  const created: string[] = [];
  const paid = new Set<string>();
  const refunds: string[] = [];
  const closedOrExpired: string[] = [];
  const payouts: string[] = [];

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    hook = await startRecordingReceiver();
    hook.answer = (request, seen) => (seen === 0 && failsFirst(request.body) ? { status: 500, body: 'first attempt fails' } : { status: 200, body: '{"returnCode":"SUCCESS","returnMessage":null}' });
    nodes = await Promise.all(
      Array.from({ length: NODES }, (_, i) => {
        const dir = mkdtempSync(join(tmpdir(), `bpay-node${i}-`));
        dirs.push(dir);
        return startServerProcess(
          {
            BPAY_DATA_DIR: dir,
            DATABASE_URL: TEST_DATABASE_URL,
            BPAY_PG_SCHEMA: schema,
            BPAY_PG_POOL_SIZE: '4',
            BPAY_NODE_ID: String(i + 1),
            BPAY_WORKER_INTERVAL_MS: '100',
            BPAY_WEBHOOK_TIMEOUT_MS: '3000',
            BPAY_WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,500ms,1s,1s,2s',
          },
          [], // demo on: three first starts race for it
          90_000,
        );
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    await hook?.close();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('start at once: one set of migrations, one signing key, one demo merchant', async () => {
    const demoIds = nodes.map((n) => /merchantId {2}(\d+)/.exec(n.output())?.[1]);
    expect(new Set(demoIds).size, nodes.map((n) => n.output()).join('\n---\n')).toBe(1);
    const merchants = await node(1).adminOk<Array<{ isDemo: boolean }>>('GET', '/merchants');
    expect(merchants.filter((m) => m.isDemo)).toHaveLength(1);
    const certs = await Promise.all(nodes.map((n) => n.adminOk<Array<{ certSerial: string }>>('GET', '/certificates')));
    expect(certs.map((c) => c.map((x) => x.certSerial))).toEqual([certs[0]!.map((x) => x.certSerial), certs[0]!.map((x) => x.certSerial), certs[0]!.map((x) => x.certSerial)]);
    expect(certs[0]).toHaveLength(1);
    for (const n of nodes) expect((await fetch(`${n.url}/readyz`)).status).toBe(200);
  });

  it('takes a mixed workload spread across the nodes', async () => {
    merchant = await node(0).adminOk<MerchantCredentials>('POST', '/merchants', { name: 'Multi-node Shop', webhookUrl: hook.url });
    const payers = await Promise.all(Array.from({ length: 6 }, (_, i) => node(i).adminOk<{ binanceId: string }>('POST', '/payers', { fund: ['1000:USDT'] })));

    // orders created round-robin, paid through the admin API of the next node
    const ids = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => (await node(i).client(merchant).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody({ orderAmount: '10' }))).prepayId),
    );
    created.push(...ids);
    await Promise.all(
      ids.slice(0, 24).map(async (prepayId, i) => {
        const r = await node(i + 1).admin('POST', `/orders/${prepayId}/pay`, { payer: payers[i % payers.length]!.binanceId });
        expect(r.body.status, JSON.stringify(r.body)).toBe('SUCCESS');
        paid.add(prepayId);
      }),
    );
    // one order, two payers on two nodes at the same moment: exactly one pays
    for (const prepayId of ids.slice(24, 30)) {
      const results = await Promise.all([0, 1, 2].map((k) => node(k).admin('POST', `/orders/${prepayId}/pay`, { payer: payers[k]!.binanceId })));
      expect(results.filter((r) => r.body.status === 'SUCCESS')).toHaveLength(1);
      for (const r of results.filter((x) => x.body.status !== 'SUCCESS')) expect(r.body.code).toBe('900409');
      paid.add(prepayId);
    }
    // three closed by the merchant
    for (const [i, prepayId] of ids.slice(30, 33).entries()) {
      expect(await node(i).client(merchant).call('/binancepay/openapi/order/close', { prepayId })).toBe(true);
      closedOrExpired.push(prepayId);
    }
    // three expire in 1.5 s: every node's expiry worker races for them
    for (let i = 0; i < 3; i++) {
      const r = await node(i).client(merchant).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody({ orderAmount: '2', orderExpireTime: Date.now() + 1500 }));
      created.push(r.prepayId);
      closedOrExpired.push(r.prepayId);
    }

    // refunds on one node, the same refundRequestId retried on another: one refund, settled by any node's worker
    const refundable = [...paid].slice(0, 12);
    await Promise.all(
      refundable.map(async (prepayId, i) => {
        const body = { refundRequestId: `R${prepayId}`, prepayId, refundAmount: '1' };
        const first = await node(i + 2).client(merchant).call<{ refundId: string; duplicateRequest: string }>('/binancepay/openapi/order/refund', body);
        const again = await node(i).client(merchant).call<{ refundId: string; duplicateRequest: string }>('/binancepay/openapi/order/refund', body);
        expect(again.refundId).toBe(first.refundId);
        expect([first.duplicateRequest, again.duplicateRequest]).toEqual(['N', 'Y']);
        refunds.push(String(first.refundId));
      }),
    );

    // payouts to two payers each, accepted on one node and paid by whichever worker takes them
    for (let i = 0; i < 3; i++) {
      const requestId = `P${Date.now()}${i}`;
      const r = await node(i).client(merchant).call<{ status: string }>('/binancepay/openapi/payout/transfer', {
        requestId,
        batchName: `batch ${i}`,
        currency: 'USDT',
        totalAmount: '3',
        totalNumber: 2,
        transferDetailList: [
          { merchantSendId: `S${i}a`, receiveType: 'BINANCE_ID', receiver: payers[i]!.binanceId, transferAmount: '1', transferMethod: 'FUNDING_WALLET' },
          { merchantSendId: `S${i}b`, receiveType: 'BINANCE_ID', receiver: payers[i + 3]!.binanceId, transferAmount: '2', transferMethod: 'FUNDING_WALLET' },
        ],
      });
      expect(r.status).toBe('ACCEPTED');
      payouts.push(requestId);
    }

    // wallet transfers, each repeated on another node: REPEAT_REQ_SUCCESS with the same data
    for (let i = 0; i < 3; i++) {
      const body = { requestId: `W${Date.now()}${i}`, currency: 'USDT', amount: '1', transferType: 'TO_MAIN' };
      const first = await node(i).client(merchant).request('/binancepay/openapi/wallet/transfer', body);
      const again = await node(i + 1).client(merchant).request('/binancepay/openapi/wallet/transfer', body);
      expect(first.envelope?.status).toBe('SUCCESS');
      expect(again.envelope?.status).toBe('REPEAT_REQ_SUCCESS');
      expect(again.envelope?.data).toEqual(first.envelope?.data);
    }
  });

  it('rejects a nonce replayed on another node, and accepts a merchantTradeNo once when two nodes race', async () => {
    const prepayId = created[0]!;
    const opts = { nonce: `replay${Date.now()}`.padEnd(32, 'x'), timestamp: Date.now() };
    const original = await node(0).client(merchant).request('/binancepay/openapi/v2/order/query', { prepayId }, opts);
    expect(original.envelope?.status).toBe('SUCCESS');
    for (const k of [1, 2]) {
      const replay = await node(k).client(merchant).request('/binancepay/openapi/v2/order/query', { prepayId }, opts);
      expect(replay.httpStatus).toBe(400);
      expect(replay.envelope).toMatchObject({ status: 'FAIL', code: '400001' });
      expect(failureText(replay.envelope)).toMatch(/already used/);
    }

    for (let round = 0; round < 5; round++) {
      const no = tradeNo();
      const results = await Promise.all(nodes.map((n) => n.client(merchant).request<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody({ merchantTradeNo: no }))));
      const won = results.filter((r) => r.envelope?.status === 'SUCCESS');
      expect(won).toHaveLength(1);
      created.push(String(won[0]!.envelope!.data!.prepayId));
      for (const r of results.filter((x) => x.envelope?.status !== 'SUCCESS')) expect(r.envelope?.code).toBe('400201');
      const orders = await node(round).adminOk<unknown[]>('GET', `/orders?merchantTradeNo=${no}&merchantId=${merchant.merchantId}`);
      expect(orders).toHaveLength(1);
    }
  });

  it('delivers every webhook attempt exactly once, one event per business fact, and the nodes agree', async () => {
    // every event reaches DELIVERED: workers on all nodes expire, refund, pay out and deliver
    const events = await eventually(
      'every webhook to be delivered',
      async () => {
        const list = await allEvents(node(2), merchant.merchantId);
        const expected = paid.size + closedOrExpired.length + refunds.length + payouts.length;
        return list.length >= expected && list.every((e) => e.status === 'DELIVERED') ? list : undefined;
      },
      60_000,
      300,
    );

    // one event per business fact
    const facts = events.map((e) => `${e.bizType}/${e.bizStatus}/${e.refType}/${e.refId}`);
    expect(new Set(facts).size).toBe(facts.length);
    const count = (bizType: string, bizStatus: string) => events.filter((e) => e.bizType === bizType && e.bizStatus === bizStatus).length;
    expect(count('PAY', 'PAY_SUCCESS')).toBe(paid.size);
    expect(count('PAY', 'PAY_CLOSED')).toBe(closedOrExpired.length);
    expect(count('PAY_REFUND', 'REFUND_SUCCESS')).toBe(refunds.length);
    expect(count('PAYOUT', 'SUCCESS')).toBe(payouts.length);
    expect(events).toHaveLength(paid.size + closedOrExpired.length + refunds.length + payouts.length);
    expect(new Set(events.filter((e) => e.bizType === 'PAY_REFUND').map((e) => e.refId))).toEqual(new Set(refunds));

    // each attempt in the log reached the receiver exactly once; nothing else did
    let attempts = 0;
    let retried = 0;
    for (const [i, e] of events.entries()) {
      const detail = await node(i).adminOk<EventView & { attemptLog: AttemptView[] }>('GET', `/webhooks/${e.eventId}`);
      const log = detail.attemptLog;
      expect(log.map((a) => a.attemptNo)).toEqual(log.map((_, k) => k + 1));
      expect(log.filter((a) => a.outcome === 'SUCCESS')).toHaveLength(1);
      expect(log.at(-1)?.outcome).toBe('SUCCESS');
      for (const a of log) {
        expect(a.outcome === 'SUCCESS' || a.outcome === 'FAILED', JSON.stringify(a)).toBe(true);
        expect(hook.countNonce(a.requestHeaders['BinancePay-Nonce']!), `${e.eventId} attempt ${a.attemptNo}`).toBe(1);
      }
      attempts += log.length;
      if (log.length > 1) retried++;
    }
    expect(hook.received).toHaveLength(attempts);
    expect(retried).toBeGreaterThan(0); // the receiver failed some first attempts: retries crossed nodes

    // the nodes agree
    const views = await Promise.all(nodes.map((n) => allEvents(n, merchant.merchantId)));
    for (const v of views) expect(v.map((e) => [e.eventId, e.status, e.attempts])).toEqual(events.map((e) => [e.eventId, e.status, e.attempts]));
    for (const prepayId of [created[0]!, [...paid][13]!, closedOrExpired.at(-1)!]) {
      const answers = await Promise.all(nodes.map((n) => n.client(merchant).call<Record<string, unknown>>('/binancepay/openapi/v2/order/query', { prepayId })));
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
    }
    expect((await node(0).client(merchant).call<{ status: string }>('/binancepay/openapi/v2/order/query', { prepayId: closedOrExpired.at(-1)! })).status).toBe('EXPIRED');
    const balances = await Promise.all(nodes.map((n) => n.adminOk('GET', `/merchants/${merchant.merchantId}/balances`)));
    expect(balances[1]).toEqual(balances[0]);
    expect(balances[2]).toEqual(balances[0]);
    for (const n of nodes) {
      const verify = await n.adminOk<{ ok: boolean; problems: string[] }>('GET', '/ledger/verify');
      expect(verify.ok, JSON.stringify(verify.problems)).toBe(true);
    }

    // per-node metrics add up to the whole
    const texts = await Promise.all(nodes.map(async (n) => (await fetch(`${n.url}/metrics`)).text()));
    const sum = (name: string, match: Record<string, string> = {}) => texts.reduce((total, t) => total + metricSum(t, name, match), 0);
    expect(sum('bpay_webhook_attempts_total')).toBe(attempts);
    expect(sum('bpay_webhook_attempts_total', { result: 'SUCCESS' })).toBe(events.length);
    expect(sum('bpay_orders_created_total')).toBe(created.length);
    expect(sum('bpay_orders_paid_total')).toBe(paid.size);
    expect(sum('bpay_webhook_events_total', { biz_type: 'PAY_REFUND' })).toBe(refunds.length);
    expect(sum('bpay_webhook_events_total', { biz_type: 'PAY', biz_status: 'PAY_CLOSED' })).toBe(closedOrExpired.length);
    // every node reports the same (whole-database) queue
    for (const t of texts) expect(metricSum(t, 'bpay_webhook_queue_depth')).toBe(0);
  });

  it('each node stops cleanly on SIGTERM while the others keep serving', async () => {
    const last = nodes[NODES - 1]!;
    for (const n of nodes.slice(0, NODES - 1)) expect(await n.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect((await last.client(merchant).call<{ prepayId: string }>('/binancepay/openapi/v2/order/query', { prepayId: created[0]! })).prepayId).toBe(created[0]);
    expect(await last.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
