/**
 * GET /metrics, /healthz and /readyz on both dialects: request counts and latency by route pattern
 * and envelope code, business counters that only count what committed, webhook attempts and queue
 * depth, process metrics, a registry per app, the optional BPAY_METRICS_TOKEN, and readiness that
 * fails with a reason when the database is gone or a migration is missing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { ACK, startRecordingReceiver, type RecordingReceiver } from '../helpers/process.ts';
import { createPayer, pay } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

/** One sample of the exposition text: the value of `name{labels…}` whose labels include `match`. */
function sample(text: string, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) {
      total += Number(m[3]);
      found = true;
    }
  }
  return found ? total : NaN;
}

describeEachDialect('metrics and health', (dialect) => {
  let server: TestServer;
  let hook: RecordingReceiver;
  let merchant: MerchantCredentials;

  const scrape = async (s: TestServer = server, headers: Record<string, string> = {}) => {
    const r = await fetch(`${s.baseUrl}/metrics`, { headers });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return r.text();
  };

  beforeAll(async () => {
    hook = await startRecordingReceiver();
    server = await startTestServer(dialect, { BPAY_WEBHOOK_TIMEOUT_MS: '2000' });
    merchant = await server.createMerchant({ name: 'Metered Shop', webhookUrl: hook.url });
  });
  afterAll(async () => {
    await server?.close();
    await hook?.close();
  });

  it('counts requests by route pattern (never the raw URL), HTTP status and Binance code, with a latency histogram', async () => {
    const prepayId = await createOrder(server, merchant);
    await server.client(merchant).request('/binancepay/openapi/v2/order/query', { prepayId });
    await server.client({ ...merchant, apiSecret: 'x'.repeat(64) }).request('/binancepay/openapi/v2/order/query', { prepayId }); // 400002
    await fetch(`${server.baseUrl}/binancepay/openapi/no/such/path`, { method: 'POST' });
    await fetch(`${server.baseUrl}/nowhere/${prepayId}`);
    await server.admin('GET', `/orders/${prepayId}`);

    const text = await scrape();
    expect(text).toContain('# TYPE bpay_http_requests_total counter');
    expect(text).toContain('# TYPE bpay_http_request_duration_seconds histogram');
    const route = '/binancepay/openapi/v2/order/query';
    expect(sample(text, 'bpay_http_requests_total', { method: 'POST', route, status_code: '200', code: '000000' })).toBe(1);
    expect(sample(text, 'bpay_http_requests_total', { method: 'POST', route, status_code: '400', code: '400002' })).toBe(1);
    expect(sample(text, 'bpay_http_requests_total', { route: '/binancepay/openapi/v3/order', code: '000000' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'bpay_http_requests_total', { route: '/admin/v1/orders/:prepayId', status_code: '200', code: '000000' })).toBe(1);
    // unknown paths share one label: hostile URLs cannot blow up the series count
    expect(sample(text, 'bpay_http_requests_total', { route: '(unmatched)', status_code: '404', code: '404000' })).toBe(2);
    expect(text).not.toContain(prepayId);
    expect(sample(text, 'bpay_http_request_duration_seconds_count', { method: 'POST', route, status_code: '200' })).toBe(1);
    expect(sample(text, 'bpay_http_request_duration_seconds_bucket', { method: 'POST', route, status_code: '200', le: '+Inf' })).toBe(1);
    // process metrics come along
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^bpay_node_info\{node_id="node_\w+",dialect="(sqlite|postgres)"\} 1$/m);
  });

  it('counts orders, ledger transfers and webhook events only once they commit, and webhook attempts by outcome', async () => {
    const before = await scrape();
    const payer = await createPayer(server, ['20:USDT']);
    const first = await createOrder(server, merchant, { orderAmount: '15' });
    const second = await createOrder(server, merchant, { orderAmount: '15' });
    expect((await pay(server, first, payer.binanceId)).body.status).toBe('SUCCESS');
    // not enough left: the payment's transaction rolls back and must count nothing
    expect((await pay(server, second, payer.binanceId)).body.code).toBe('900402');

    hook.answer = (_request, seen) => (seen === 0 ? { status: 500, body: 'first attempt fails' } : { status: 200, body: ACK });
    await server.built.workers.runAll(); // attempt 1 fails
    await server.adminOk('POST', '/time/advance', { by: '16s' }); // attempt 2 succeeds
    hook.answer = () => ({ status: 200, body: ACK });

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => (sample(after, name, labels) || 0) - (sample(before, name, labels) || 0);
    expect(delta('bpay_orders_created_total')).toBe(2);
    expect(delta('bpay_orders_paid_total')).toBe(1);
    expect(delta('bpay_ledger_transfers_total', { kind: 'PAYMENT', phase: 'POSTED' })).toBe(1);
    expect(delta('bpay_webhook_events_total', { biz_type: 'PAY', biz_status: 'PAY_SUCCESS', ref_type: 'order' })).toBe(1);
    expect(delta('bpay_webhook_attempts_total', { result: 'FAILED', trigger: 'SCHEDULE', via: 'HTTP' })).toBe(1);
    expect(delta('bpay_webhook_attempts_total', { result: 'SUCCESS', trigger: 'SCHEDULE', via: 'HTTP' })).toBe(1);
    expect(delta('bpay_webhook_attempt_duration_seconds_count', { via: 'HTTP' })).toBe(2);
    // the payer's funding is a committed transfer too
    expect(sample(after, 'bpay_ledger_transfers_total')).toBeGreaterThanOrEqual(2);
  });

  it('reports the webhook queue: due, scheduled for a retry, and the age of the oldest due event', async () => {
    const payer = await createPayer(server, ['100:USDT']);
    hook.answer = () => ({ status: 503, body: 'down' });
    const a = await createOrder(server, merchant, { orderAmount: '1' });
    expect((await pay(server, a, payer.binanceId)).body.status).toBe('SUCCESS');
    server.built.businessClock.advance(5_000); // due for 5 s
    let text = await scrape();
    expect(sample(text, 'bpay_webhook_queue_depth', { state: 'due' })).toBe(1);
    expect(sample(text, 'bpay_webhook_oldest_due_age_seconds')).toBeGreaterThanOrEqual(5);
    await server.built.workers.runAll(); // fails: scheduled for a retry in 15 s
    text = await scrape();
    expect(sample(text, 'bpay_webhook_queue_depth', { state: 'due' })).toBe(0);
    expect(sample(text, 'bpay_webhook_queue_depth', { state: 'scheduled' })).toBe(1);
    expect(sample(text, 'bpay_webhook_queue_depth', { state: 'leased' })).toBe(0);
    expect(sample(text, 'bpay_webhook_oldest_due_age_seconds')).toBe(0);
    hook.answer = () => ({ status: 200, body: ACK });
    await server.adminOk('POST', '/time/advance', { by: '16s' });
  });

  it('keeps one registry per app: two apps in one process count separately', async () => {
    const other = await startTestServer(dialect);
    try {
      const m = await other.createMerchant();
      await createOrder(other, m);
      const mine = sample(await scrape(), 'bpay_orders_created_total');
      expect(sample(await scrape(other), 'bpay_orders_created_total')).toBe(1);
      expect(mine).toBeGreaterThanOrEqual(3);
    } finally {
      await other.close();
    }
  });

  it('requires BPAY_METRICS_TOKEN when it is set; /healthz and /readyz never need a token', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const s = await startTestServer(dialect, { BPAY_METRICS_TOKEN: token });
    try {
      const none = await fetch(`${s.baseUrl}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await none.json()).toMatchObject({ status: 'FAIL', code: '900401' });
      expect((await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect((await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: `Bearer ${s.adminToken}` } })).status).toBe(401);
      expect(await scrape(s, { authorization: `Bearer ${token}` })).toContain('bpay_http_requests_total');
      expect(await (await fetch(`${s.baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
      expect((await fetch(`${s.baseUrl}/readyz`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('is not ready, with the reason, while a migration is missing or the database is gone; alive all the same', async () => {
    const s = await startTestServer(dialect);
    try {
      // before any probe has seen a complete schema: one migration goes missing
      await s.db.store.db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '0005_platform' as never).execute();
      const missing = await fetch(`${s.baseUrl}/readyz`);
      expect(missing.status).toBe(503);
      expect(missing.headers.get('cache-control')).toBe('no-store');
      expect(await missing.json()).toEqual({ status: 'unavailable', reason: 'migrations not applied: 0005_platform', checks: { database: 'ok', migrations: 'pending' } });
      expect((await fetch(`${s.baseUrl}/healthz`)).status).toBe(200);

      await s.db.store.close(); // the database goes away under the running app
      const gone = await fetch(`${s.baseUrl}/readyz`);
      expect(gone.status).toBe(503);
      const body = (await gone.json()) as { status: string; reason: string; checks: unknown };
      expect(body.status).toBe('unavailable');
      expect(body.reason).toMatch(/^database unreachable: /);
      expect(body.checks).toEqual({ database: 'unavailable', migrations: 'unknown' });
      expect(await (await fetch(`${s.baseUrl}/healthz`)).json()).toEqual({ status: 'ok' }); // liveness never asks the database
    } finally {
      await s.close();
    }
  });
});
