/**
 * Webhook delivery end to end on both dialects, through real HTTP to a real local receiver:
 * signature (SDK and node:crypto), exact body, retries on every kind of failure following the
 * business clock, the retry limit, restart and crash recovery, redelivery, NO_TARGET / SUPPRESSED,
 * test notifications, `bpay listen` streams (several listeners, a listener that disconnects), and on
 * PostgreSQL two server processes delivering each attempt exactly once.
 */
import { createVerify } from 'node:crypto';
import { CertificateStore, verifyWebhook } from '@binance-pay-server/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp, type BuiltApp } from '../../src/app.ts';
import type { AttemptView, EventView } from '../../src/http/admin/webhooks.ts';
import { OffsetClock, systemClock } from '../../src/lib/clock.ts';
import { parseJsonExact } from '../../src/lib/json.ts';
import { claimDueEvents, startAttempt } from '../../src/store/webhooks-repo.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { ACK, ok, startReceiver, type Receiver } from '../helpers/receiver.ts';
import { createPayer, pay } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';



type EventDetail = EventView & { body: string; attemptLog: AttemptView[] };

const TIMEOUT_MS = 400;
const ENV = { BPAY_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS), BPAY_WEBHOOK_RETRY_SCHEDULE: '15s,1m,5m,15m,1h,2h' };
const SCHEDULE_AFTER_FIRST = ['1m', '5m', '15m', '1h', '2h'];

/** A real clock running ahead: a process whose wall time is past another's lease. */
function clockAhead(ms: number): OffsetClock {
  const clock = new OffsetClock(systemClock);
  clock.setOffset(ms);
  return clock;
}

function nodeVerify(certPublic: string, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const payload = `${String(headers['binancepay-timestamp'])}\n${String(headers['binancepay-nonce'])}\n${body}\n`;
  return createVerify('RSA-SHA256').update(payload, 'utf8').verify(certPublic, String(headers['binancepay-signature']), 'base64');
}

/** Reads Server-Sent Events from a fetch response. */
function sseReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async function next(): Promise<{ event: string; data: string }> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n').filter((l) => !l.startsWith(':'));
        if (lines.length === 0) continue;
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
        const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        return { event, data };
      }
      const { done, value } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

describeEachDialect('webhooks', (dialect) => {
  let server: TestServer;
  let payerId: string;
  const receivers: Receiver[] = [];

  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
  const events = (q: Record<string, string>) => server.adminOk<EventView[]>('GET', `/webhooks?${new URLSearchParams(q).toString()}`);
  const show = (eventId: string) => server.adminOk<EventDetail>('GET', `/webhooks/${eventId}`);
  const runWorkers = () => server.built.workers.runAll();
  const advance = (by: string) => server.adminOk('POST', '/time/advance', { by });
  const merchantWith = (webhookUrl: string | null) => server.createMerchant({ name: 'Hook Shop', webhookUrl });

  async function paidOrder(m: MerchantCredentials, overrides: Record<string, unknown> = {}): Promise<string> {
    const prepayId = await createOrder(server, m, overrides);
    const r = await pay(server, prepayId, payerId);
    expect(r.body.status, JSON.stringify(r.body)).toBe('SUCCESS');
    return prepayId;
  }

  async function eventOf(prepayId: string, bizStatus = 'PAY_SUCCESS'): Promise<EventView> {
    const list = (await events({ prepayId })).filter((e) => e.bizStatus === bizStatus);
    expect(list).toHaveLength(1);
    return list[0]!;
  }

  beforeAll(async () => {
    server = await startTestServer(dialect, ENV);
    payerId = (await createPayer(server, ['1000000:USDT'])).binanceId;
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('delivers a signed PAY_SUCCESS that the SDK and node:crypto both verify, with bizId > 2^53 as a bare literal', async () => {
    const hook = await receiver();
    const m = await merchantWith(hook.url);
    const prepayId = await paidOrder(m, { orderAmount: '12.5' });
    expect(hook.received).toHaveLength(0); // nothing is sent inside the payment's transaction
    await runWorkers();
    expect(hook.received).toHaveLength(1);
    const [req] = hook.received;
    expect(req!.method).toBe('POST');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['binancepay-nonce']).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(req!.headers['binancepay-timestamp']).toMatch(/^\d{13}$/);
    expect(Math.abs(Number(req!.headers['binancepay-timestamp']) - Date.now())).toBeLessThan(60_000);

    // the SDK, with certificates fetched through the SDK client from /certificates
    const client = server.client(m);
    const certificates = await client.getCertificates();
    expect(req!.headers['binancepay-certificate-sn']).toBe(certificates[0]!.certSerial);
    const verified = await verifyWebhook(req!.body, req!.headers, certificates);
    expect(verified).toMatchObject({ bizType: 'PAY', bizId: prepayId, bizIdStr: prepayId, bizStatus: 'PAY_SUCCESS' });
    expect(await verifyWebhook(Buffer.from(req!.body), req!.headers, new CertificateStore(client))).toMatchObject({ bizId: prepayId });
    // independently, node:crypto over ts \n nonce \n body \n
    expect(nodeVerify(certificates[0]!.certPublic, req!.headers, req!.body)).toBe(true);
    expect(nodeVerify(certificates[0]!.certPublic, req!.headers, req!.body.replace('12.5', '12.6'))).toBe(false);

    // exact shape: key order, bizId a bare literal equal to the prepayId digits, beyond 2^53
    expect(BigInt(prepayId) > 2n ** 53n).toBe(true);
    expect(req!.body.startsWith('{"bizType":"PAY","data":"{')).toBe(true);
    expect(req!.body.endsWith(`","bizIdStr":"${prepayId}","bizId":${prepayId},"bizStatus":"PAY_SUCCESS"}`)).toBe(true);
    const outer = JSON.parse(req!.body) as Record<string, unknown>;
    expect(Object.keys(outer)).toEqual(['bizType', 'data', 'bizIdStr', 'bizId', 'bizStatus']);
    expect(typeof outer.data).toBe('string');
    expect(outer.bizIdStr).toBe(prepayId);
    const dataText = outer.data as string;
    expect(dataText).toMatch(/"totalFee":12\.50000000,/);
    // the literal as written, read without going through a JS number
    const parsed = parseJsonExact(dataText);
    if (!parsed.ok) throw new Error(parsed.message);
    const data = parsed.value as Record<string, unknown>;
    expect(String(data.totalFee)).toBe('12.50000000');
    expect(data).toMatchObject({ currency: 'USDT', tradeType: 'WEB' });

    const event = await eventOf(prepayId);
    expect(event).toMatchObject({ status: 'DELIVERED', attempts: 1, autoAttempts: 1, refType: 'order', refId: prepayId, webhookUrl: hook.url, lastHttpStatus: 200, lastError: null, nextAttemptAtMs: null });
    const detail = await show(event.eventId);
    expect(detail.body).toBe(req!.body);
    expect(detail.attemptLog).toHaveLength(1);
    const attempt = detail.attemptLog[0]!;
    expect(attempt).toMatchObject({ attemptNo: 1, trigger: 'SCHEDULE', via: 'HTTP', outcome: 'SUCCESS', url: hook.url, responseStatus: 200, responseBody: ACK, error: null, requestBody: req!.body });
    expect(attempt.requestHeaders['BinancePay-Signature']).toBe(req!.headers['binancepay-signature']);
    expect(attempt.requestHeaders['BinancePay-Nonce']).toBe(req!.headers['binancepay-nonce']);
    expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);

    // delivered means done: later passes send nothing more
    await advance('3h');
    expect(hook.countFor(prepayId)).toBe(1);
  });

  it('retries HTTP 500 on the business-clock schedule, re-signing every attempt, and FAILS after 1 + 6 attempts; redelivery then succeeds without losing history', async () => {
    const hook = await receiver(() => ({ status: 500, body: 'boom' }));
    const m = await merchantWith(hook.url);
    const prepayId = await paidOrder(m);
    await runWorkers();
    let event = await eventOf(prepayId);
    expect(event).toMatchObject({ status: 'PENDING', attempts: 1, lastHttpStatus: 500, lastError: 'HTTP 500 (expected 200)' });
    const firstAt = (await show(event.eventId)).attemptLog[0]!.startedAtMs;
    expect(event.nextAttemptAtMs! - firstAt).toBeGreaterThanOrEqual(15_000);
    expect(event.nextAttemptAtMs! - firstAt).toBeLessThan(16_000);

    // not due yet: real time passing does nothing, business time decides
    await runWorkers();
    await advance('14s');
    expect(hook.countFor(prepayId)).toBe(1);
    await advance('1s');
    expect(hook.countFor(prepayId)).toBe(2);
    for (const [i, by] of SCHEDULE_AFTER_FIRST.entries()) {
      await advance(by);
      expect(hook.countFor(prepayId), `after ${by}`).toBe(3 + i);
    }
    event = await eventOf(prepayId);
    expect(event).toMatchObject({ status: 'FAILED', attempts: 7, autoAttempts: 7, nextAttemptAtMs: null });
    await advance('1d');
    expect(hook.countFor(prepayId)).toBe(7);

    const detail = await show(event.eventId);
    expect(detail.attemptLog.map((a) => [a.attemptNo, a.trigger, a.outcome, a.responseStatus])).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => [n, 'SCHEDULE', 'FAILED', 500]));
    const gaps = detail.attemptLog.slice(1).map((a, i) => a.startedAtMs - detail.attemptLog[i]!.startedAtMs);
    [15_000, 60_000, 300_000, 900_000, 3_600_000, 7_200_000].forEach((delay, i) => expect(gaps[i]).toBeGreaterThanOrEqual(delay));
    expect(new Set(detail.attemptLog.map((a) => a.requestHeaders['BinancePay-Nonce'])).size).toBe(7);
    expect(new Set(detail.attemptLog.map((a) => a.requestHeaders['BinancePay-Signature'])).size).toBe(7);
    expect(new Set(hook.received.map((r) => r.body)).size).toBe(1);

    // redelivery: a new MANUAL attempt; a success marks it DELIVERED; nothing is overwritten
    hook.handler = ok;
    const r = await server.adminOk<{ event: EventView; attempt: AttemptView }>('POST', `/webhooks/${event.eventId}/redeliver`, {});
    expect(r.attempt).toMatchObject({ attemptNo: 8, trigger: 'MANUAL', via: 'HTTP', outcome: 'SUCCESS', responseStatus: 200 });
    expect(r.event).toMatchObject({ status: 'DELIVERED', attempts: 8, autoAttempts: 7 });
    const after = await show(event.eventId);
    expect(after.attemptLog).toHaveLength(8);
    expect(after.attemptLog.slice(0, 7)).toEqual(detail.attemptLog);
    expect(hook.countFor(prepayId)).toBe(8);

    // to another URL: recorded with that URL, the stored target is kept
    const other = await receiver();
    const again = await server.adminOk<{ event: EventView; attempt: AttemptView }>('POST', `/webhooks/${event.eventId}/redeliver`, { url: other.url });
    expect(again.attempt).toMatchObject({ attemptNo: 9, url: other.url, outcome: 'SUCCESS' });
    expect(again.event.webhookUrl).toBe(hook.url);
    expect(other.received[0]!.body).toBe(hook.received[0]!.body);
    expect(other.received[0]!.headers['binancepay-signature']).not.toBe(hook.received[7]!.headers['binancepay-signature']);
  });

  it.each([
    ['a timeout', (): 'hang' => 'hang', /^timeout: no complete answer within 400 ms$/, null],
    ['returnCode FAIL', () => ({ status: 200, body: '{"returnCode":"FAIL","returnMessage":"try later"}' }), /returnCode is "FAIL"/, 200],
    ['a non-JSON 200', () => ({ status: 200, body: 'OK', contentType: 'text/plain' }), /not JSON/, 200],
    ['a wrong-shape 200', () => ({ status: 200, body: '{"code":"SUCCESS","message":"Done"}' }), /returnCode is missing/, 200],
    ['a closed port', null, /^request failed: ECONNREFUSED/, null],
  ] as const)('retries after %s and then delivers', async (_name, firstAnswer, reason, status) => {
    const hook = await receiver((_req, index) => (index === 0 && firstAnswer ? firstAnswer() : { status: 200, body: ACK }));
    const dead = await startReceiver();
    await dead.close(); // a URL where nothing listens
    const m = await merchantWith(firstAnswer ? hook.url : dead.url);
    const prepayId = await paidOrder(m);
    await runWorkers();
    let event = await eventOf(prepayId);
    expect(event.status).toBe('PENDING');
    expect(event.lastError).toMatch(reason);
    expect(event.lastHttpStatus).toBe(status);
    if (!firstAnswer) {
      // nothing listens at the merchant URL: an operator redelivers to one that works
      await server.adminOk('POST', `/webhooks/${event.eventId}/redeliver`, { url: hook.url });
      const detail = await show(event.eventId);
      expect(detail.attemptLog.map((a) => [a.trigger, a.outcome])).toEqual([
        ['SCHEDULE', 'FAILED'],
        ['MANUAL', 'SUCCESS'],
      ]);
      expect((await eventOf(prepayId)).status).toBe('DELIVERED');
      return;
    }
    await advance('15s');
    event = await eventOf(prepayId);
    expect(event).toMatchObject({ status: 'DELIVERED', attempts: 2, lastHttpStatus: 200, lastError: null });
    const detail = await show(event.eventId);
    expect(detail.attemptLog.map((a) => a.outcome)).toEqual(['FAILED', 'SUCCESS']);
    expect(detail.attemptLog[0]!.error).toMatch(reason);
    if (firstAnswer() === 'hang') expect(detail.attemptLog[0]!.latencyMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
  });

  it('records NO_TARGET and SUPPRESSED events without sending them; NO_TARGET can be redelivered to a given URL', async () => {
    const hook = await receiver();
    // no URL anywhere: NO_TARGET
    const bare = await merchantWith(null);
    const noTarget = await paidOrder(bare);
    await runWorkers();
    let event = await eventOf(noTarget);
    expect(event).toMatchObject({ status: 'NO_TARGET', attempts: 0, webhookUrl: null });
    const refused = await server.admin('POST', `/webhooks/${event.eventId}/redeliver`, {});
    expect(refused.httpStatus).toBe(409);
    expect(refused.body.errorMessage).toMatch(/no target/);
    const sent = await server.adminOk<{ event: EventView; attempt: AttemptView }>('POST', `/webhooks/${event.eventId}/redeliver`, { url: hook.url });
    expect(sent.attempt).toMatchObject({ attemptNo: 1, trigger: 'MANUAL', outcome: 'SUCCESS' });
    expect(sent.event.status).toBe('DELIVERED');
    expect(hook.countFor(noTarget)).toBe(1);

    // PAY_CLOSED opt-out: recorded as SUPPRESSED, never sent
    const m = await merchantWith(hook.url);
    await server.adminOk('PATCH', `/merchants/${m.merchantId}`, { payClosedNotify: false });
    const closed = await createOrder(server, m);
    expect(await server.client(m).call('/binancepay/openapi/order/close', { prepayId: closed })).toBe(true);
    await runWorkers();
    event = await eventOf(closed, 'PAY_CLOSED');
    expect(event).toMatchObject({ status: 'SUPPRESSED', attempts: 0, webhookUrl: hook.url });
    await advance('1h');
    expect(hook.countFor(closed)).toBe(0);

    // and with notifications on, PAY_CLOSED goes out
    await server.adminOk('PATCH', `/merchants/${m.merchantId}`, { payClosedNotify: true });
    const closedToo = await createOrder(server, m);
    expect(await server.client(m).call('/binancepay/openapi/order/close', { prepayId: closedToo })).toBe(true);
    await runWorkers();
    expect((await eventOf(closedToo, 'PAY_CLOSED')).status).toBe('DELIVERED');
    expect(hook.received.find((r) => r.bizId === closedToo)!.body).toMatch(/"bizStatus":"PAY_CLOSED"}$/);
  });

  it('lists events by merchant, order, status and ref, and redelivers many at once', async () => {
    const hook = await receiver(() => ({ status: 503, body: '' }));
    const m = await merchantWith(hook.url);
    const ids = [await paidOrder(m), await paidOrder(m), await paidOrder(m)];
    await runWorkers();
    const listed = await events({ merchantId: String(m.merchantId) });
    expect(listed.map((e) => e.bizId)).toEqual([...ids].reverse()); // newest first
    expect(await events({ merchantId: String(m.merchantId), status: 'DELIVERED' })).toEqual([]);
    expect((await events({ refType: 'order', refId: ids[1]! })).map((e) => e.bizId)).toEqual([ids[1]]);
    expect((await events({ merchantId: String(m.merchantId), limit: '2' })).length).toBe(2);
    expect((await server.admin('GET', '/webhooks?status=LOST')).httpStatus).toBe(400);
    expect((await server.admin('GET', '/webhooks/999999999')).httpStatus).toBe(404);
    expect((await server.admin('POST', '/webhooks/redeliver', {})).httpStatus).toBe(400);

    hook.handler = ok;
    const results = await server.adminOk<Array<{ eventId: string; attempt?: AttemptView }>>('POST', '/webhooks/redeliver', { merchantId: m.merchantId, status: 'PENDING' });
    expect(results).toHaveLength(3);
    expect(results.map((r) => r.attempt?.outcome)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(hook.received.slice(3).map((r) => r.bizId)).toEqual(ids); // oldest first
    expect((await events({ merchantId: String(m.merchantId), status: 'DELIVERED' })).length).toBe(3);
  });

  it('sends a clearly marked, signed test notification', async () => {
    const hook = await receiver();
    const m = await merchantWith(hook.url);
    const r = await server.adminOk<{ event: EventView; attempt: AttemptView }>('POST', `/merchants/${m.merchantId}/webhooks/test`, {});
    expect(r.event).toMatchObject({ test: true, refType: 'test', bizType: 'PAY', bizStatus: 'PAY_SUCCESS', status: 'DELIVERED' });
    expect(r.attempt).toMatchObject({ attemptNo: 1, trigger: 'SCHEDULE', outcome: 'SUCCESS' });
    const [req] = hook.received;
    const verified = await verifyWebhook(req!.body, req!.headers, await server.client(m).getCertificates());
    expect((verified.data as { merchantTradeNo: string }).merchantTradeNo).toMatch(/^TEST\d{12}$/);
    expect(BigInt(verified.bizId) > 2n ** 53n).toBe(true);
    const bare = await merchantWith(null);
    expect((await server.admin('POST', `/merchants/${bare.merchantId}/webhooks/test`, {})).httpStatus).toBe(409);
    expect((await server.adminOk<{ event: EventView }>('POST', `/merchants/${bare.merchantId}/webhooks/test`, { url: hook.url })).event.status).toBe('DELIVERED');
  });

  it('resumes pending retries after a restart on the same database', async () => {
    const s = await startTestServer(dialect, ENV);
    let b: BuiltApp | undefined;
    try {
      const hook = await receiver((_r, i) => (i === 0 ? { status: 500, body: '' } : { status: 200, body: ACK }));
      const m = await s.createMerchant({ name: 'Restart Shop', webhookUrl: hook.url });
      const payer = await createPayer(s, ['100:USDT']);
      const prepayId = await createOrder(s, m);
      expect((await pay(s, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
      await s.built.workers.runAll();
      expect(hook.received).toHaveLength(1);
      await s.built.close(); // the process stops

      b = await buildApp({ config: s.config, store: s.db.openAnother(), logger: false });
      b.businessClock.advance(15_000);
      await b.workers.runAll();
      expect(hook.received).toHaveLength(2);
      const [event] = await b.deps.store.db.selectFrom('outbox_events').selectAll().where('biz_id', '=', prepayId).execute();
      expect(event).toMatchObject({ status: 'DELIVERED' });
      const attempts = await b.deps.store.db.selectFrom('webhook_attempts').selectAll().where('event_id', '=', event!.id).orderBy('attempt_no').execute();
      expect(attempts.map((a) => [Number(a.attempt_no), a.outcome, Number(a.response_status)])).toEqual([
        [1, 'FAILED', 500],
        [2, 'SUCCESS', 200],
      ]);
    } finally {
      if (b) {
        await b.close();
        await b.deps.store.close();
      }
      await s.db.drop();
    }
  });

  it('takes over an attempt a crashed process left unfinished once its lease expires (ABANDONED, then a new attempt)', async () => {
    const s = await startTestServer(dialect, ENV);
    let b: BuiltApp | undefined;
    try {
      const hook = await receiver();
      const m = await s.createMerchant({ name: 'Crash Shop', webhookUrl: hook.url });
      const payer = await createPayer(s, ['100:USDT']);
      const prepayId = await createOrder(s, m);
      expect((await pay(s, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
      await s.built.close();
      // a process claims the event and records attempt 1's start, then dies before sending
      const now = Date.now();
      const [claimed] = await claimDueEvents(s.db.store, { dueBy: now + 60_000, lease: { token: 'dead', wallNowMs: now, untilMs: now + 60_000 }, limit: 10, skipMerchants: [] });
      expect(claimed?.bizId).toBe(prepayId);
      await startAttempt(s.db.store, 'dead', { eventId: claimed!.id, merchantId: m.merchantId, attemptNo: 1, autoAttempts: 1, trigger: 'SCHEDULE', via: 'HTTP', requestUrl: hook.url, requestHeaders: {}, requestBody: '', startedAtMs: now });

      // while the lease runs, nobody else touches it
      const c = await buildApp({ config: s.config, store: s.db.openAnother(), logger: false });
      await c.workers.runAll();
      expect(hook.received).toHaveLength(0);
      await c.close();
      await c.deps.store.close();

      // a process whose real clock is past the lease takes over
      b = await buildApp({ config: s.config, store: s.db.openAnother(), logger: false, clock: clockAhead(120_000) });
      await b.workers.runAll();
      expect(hook.countFor(prepayId)).toBe(1);
      const attempts = await b.deps.store.db.selectFrom('webhook_attempts').selectAll().where('event_id', '=', claimed!.id).orderBy('attempt_no').execute();
      expect(attempts.map((a) => [Number(a.attempt_no), a.outcome])).toEqual([
        [1, 'ABANDONED'],
        [2, 'SUCCESS'],
      ]);
    } finally {
      if (b) {
        await b.close();
        await b.deps.store.close();
      }
      await s.db.drop();
    }
  });

  async function openStream(merchantId: number, forwardTo = 'http://127.0.0.1:1/local') {
    const controller = new AbortController();
    const response = await fetch(`${server.baseUrl}/admin/v1/merchants/${merchantId}/webhooks/stream?forwardTo=${encodeURIComponent(forwardTo)}`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const next = sseReader(response);
    const ready = await next();
    expect(ready.event).toBe('ready');
    const info = JSON.parse(ready.data) as { listenerId: string; timeoutMs: number };
    return { next, listenerId: info.listenerId, info, close: () => controller.abort() };
  }

  it('streams to listeners, counts the first report, and retries an attempt whose listener disconnected', async () => {
    const hook = await receiver();
    const m = await merchantWith(hook.url);
    const a = await openStream(m.merchantId, 'http://127.0.0.1:3000/a');
    const b = await openStream(m.merchantId, 'http://127.0.0.1:3000/b');
    expect(a.info.timeoutMs).toBe(TIMEOUT_MS);
    const listeners = await server.adminOk<Array<{ listenerId: string; forwardTo: string }>>('GET', `/merchants/${m.merchantId}/webhooks/listeners`);
    expect(listeners.map((l) => l.listenerId).sort()).toEqual([a.listenerId, b.listenerId].sort());

    const prepayId = await paidOrder(m);
    const running = runWorkers();
    const [pa, pb] = await Promise.all([a.next(), b.next()]);
    expect(pa.event).toBe('attempt');
    expect(pb.data).toBe(pa.data);
    const pushed = JSON.parse(pa.data) as { attemptId: string; eventId: string; bizId: string; headers: Record<string, string>; body: string };
    expect(pushed.bizId).toBe(prepayId);
    const certs = await server.client(m).getCertificates();
    expect(await verifyWebhook(pushed.body, pushed.headers, certs)).toMatchObject({ bizId: prepayId });
    expect(pushed.body).toContain(`"bizId":${prepayId},`);

    const report = (listenerId: string, body: Record<string, unknown>) => server.admin<AttemptView>('POST', `/webhook-attempts/${pushed.attemptId}/result`, { listenerId, ...body });
    const first = await report(b.listenerId, { status: 200, body: ACK, latencyMs: 3, forwardTo: 'http://127.0.0.1:3000/b' });
    expect(first.body.data).toMatchObject({ outcome: 'SUCCESS', via: 'LISTENER', listenerId: b.listenerId, url: 'http://127.0.0.1:3000/b', responseStatus: 200, latencyMs: 3 });
    const second = await report(a.listenerId, { status: 500, body: 'late' });
    expect(second.httpStatus).toBe(409);
    await running;
    expect(hook.received).toHaveLength(0); // instead of, not in addition to
    let event = await eventOf(prepayId);
    expect(event).toMatchObject({ status: 'DELIVERED', attempts: 1 });

    // a listener that goes away mid-attempt: the attempt fails at once and is retried, never lost
    b.close();
    const lost = await paidOrder(m);
    const pending = runWorkers();
    const got = await a.next();
    expect((JSON.parse(got.data) as { bizId: string }).bizId).toBe(lost);
    a.close();
    await pending;
    event = await eventOf(lost);
    expect(event).toMatchObject({ status: 'PENDING', attempts: 1, lastError: 'listener disconnected before reporting' });
    const detail = await show(event.eventId);
    expect(detail.attemptLog[0]).toMatchObject({ via: 'LISTENER', outcome: 'FAILED', trigger: 'SCHEDULE' });
    // no listener any more: the retry goes to the merchant URL
    await advance('15s');
    expect((await eventOf(lost)).status).toBe('DELIVERED');
    expect(hook.countFor(lost)).toBe(1);
    expect(await server.adminOk('GET', `/merchants/${m.merchantId}/webhooks/listeners`)).toEqual([]);
  });

  it('refuses reports that do not fit', async () => {
    expect((await server.admin('POST', '/webhook-attempts/999999999/result', { listenerId: 'x', status: 200, body: ACK })).httpStatus).toBe(404);
    expect((await server.admin('POST', '/webhook-attempts/1/result', { listenerId: 'x' })).httpStatus).toBe(400);
    const hook = await receiver();
    const m = await merchantWith(hook.url);
    const prepayId = await paidOrder(m);
    await runWorkers();
    const { attemptLog } = await show((await eventOf(prepayId)).eventId);
    const r = await server.admin('POST', `/webhook-attempts/${attemptLog[0]!.attemptId}/result`, { listenerId: 'x', status: 200, body: ACK });
    expect(r.httpStatus).toBe(409);
    expect((await server.admin('GET', '/merchants/1/webhooks/stream')).httpStatus).toBe(404);
  });

  if (dialect === 'postgres') {
    it('two server processes on one database deliver each attempt exactly once', async () => {
      const hook = await receiver((req) => (hook.countFor(req.bizId!) === 1 ? { status: 500, body: 'first try fails' } : { status: 200, body: ACK }));
      const m = await merchantWith(hook.url);
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push(await paidOrder(m));
      const other = await buildApp({ config: server.config, store: server.db.openAnother(), logger: false });
      try {
        const both = () => Promise.all([runWorkers(), other.workers.runAll(), runWorkers(), other.workers.runAll()]);
        await both();
        for (const id of ids) expect(hook.countFor(id), id).toBe(1);
        server.built.businessClock.advance(15_000);
        other.businessClock.advance(15_000);
        await both();
        await both();
        for (const id of ids) expect(hook.countFor(id), id).toBe(2);
        const rows = await server.db.store.db
          .selectFrom('webhook_attempts')
          .innerJoin('outbox_events', 'outbox_events.id', 'webhook_attempts.event_id')
          .select(['outbox_events.biz_id', 'webhook_attempts.attempt_no', 'webhook_attempts.outcome'])
          .where('outbox_events.merchant_id', '=', m.merchantId)
          .execute();
        expect(rows).toHaveLength(80);
        for (const id of ids) {
          expect(rows.filter((r) => r.biz_id === id).map((r) => [Number(r.attempt_no), r.outcome]).sort()).toEqual([
            [1, 'FAILED'],
            [2, 'SUCCESS'],
          ]);
        }
        expect((await events({ merchantId: String(m.merchantId), status: 'DELIVERED', limit: '100' })).length).toBe(40);
      } finally {
        await other.close();
        await other.deps.store.close();
      }
    });
  }
});
