/**
 * The outbox dispatcher (ARCHITECTURE.md principle 8, fact sheet §5): claims due events, signs
 * each attempt afresh with the key /certificates publishes, delivers it — by HTTP POST, or to the
 * merchant's `bpay listen` connections instead when there are any — records the attempt, and
 * schedules the next one on the business clock.
 *
 * No delivery happens inside a database transaction: a short transaction claims (lease), another
 * records the attempt's start, the I/O runs, then single-row updates record the outcome.
 * Per event, attempts are sequential (the lease); across events there is no ordering.
 */
import { randomUUID } from 'node:crypto';
import { AppError, Errors, fail } from '../domain/errors.ts';
import {
  judgeAck,
  maxAutoAttempts,
  RESPONSE_BODY_LIMIT,
  retryDelayAfter,
  type AttemptTrigger,
  type ListenerInfo,
  type ListenerReport,
  type ListenerSink,
  type OutboxEvent,
  type PushedAttempt,
  type WebhookAttempt,
  type WebhookOperations,
  type WebhookSettings,
} from '../domain/webhook.ts';
import type { Clock } from '../lib/clock.ts';
import { randomString } from '../lib/ids.ts';
import { isUniqueViolation, type Store } from '../store/db.ts';
import * as repo from '../store/webhooks-repo.ts';
import { ListenerHub, type LocalListener } from './listener-hub.ts';
import { signWebhook, WEBHOOK_USER_AGENT, webhookNonce, type WebhookSigner } from './request.ts';

export interface DispatchLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DispatcherOptions {
  store: Store;
  /** business clock: when attempts are due (moves under time control) */
  clock: Clock;
  /** real time: leases, latency, the BinancePay-Timestamp header */
  wallClock: Clock;
  /** the active webhook key (services/certificates.ts activeSigner) */
  signer: () => Promise<WebhookSigner>;
  settings: WebhookSettings;
  log: DispatchLogger;
  /** events claimed per pass, all delivered concurrently (default 16) */
  batchSize?: number;
  /** extra time a listener has to report after forwarding (default 5 s) */
  listenerGraceMs?: number;
  fetch?: typeof fetch;
  /**
   * How much longer than the slowest attempt a claim is held (default 60 s). Leases compare the
   * wall clocks of different nodes, so this covers their skew; it is also how long events a crashed
   * node had claimed wait before another node takes them.
   */
  leaseSlackMs?: number;
  /** Told about every finished attempt of this process (metrics). */
  onAttempt?: (attempt: WebhookAttempt) => void;
}

/** How much of an answer is read to judge it; the stored copy is shorter (RESPONSE_BODY_LIMIT). */
const READ_LIMIT_BYTES = 64 * 1024;
const HEARTBEAT_MS = 10_000;
/** a listener whose node has not beaten for this long is treated as gone */
const LISTENER_FRESH_MS = 30_000;
/** the error of an HTTP attempt cut short by graceful shutdown */
const INTERRUPTED_BY_SHUTDOWN = 'interrupted: the server shut down during the attempt';
const LISTENER_SHUTDOWN = 'server shut down before the listener reported';
/** after interrupting attempts at shutdown, how long their outcomes get to be recorded */
const SETTLE_AFTER_INTERRUPT_MS = 5_000;

interface Transport {
  via: 'HTTP' | 'LISTENER';
  url: string;
  listeners: LocalListener[];
}

interface HttpOutcome {
  status: number | null;
  body: string | null;
  error: string | null;
  latencyMs: number;
}

function clipBody(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  return text.length > RESPONSE_BODY_LIMIT ? text.slice(0, RESPONSE_BODY_LIMIT) : text;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause && typeof cause === 'object') return [cause.code, cause.message].filter(Boolean).join(': ') || String(error);
  return error instanceof Error ? error.message : String(error);
}

async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

export interface Dispatcher extends WebhookOperations {
  readonly nodeId: string;
  readonly hub: ListenerHub;
  /** Stops claiming and disconnects listeners at once, without waiting (Fastify's preClose). */
  stop(): void;
  /** Events this process has leased and not yet settled or released. */
  heldLeases(): number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, clock, wallClock, settings, log } = options;
  const batchSize = options.batchSize ?? 16;
  const graceMs = options.listenerGraceMs ?? 5_000;
  const doFetch = options.fetch ?? fetch;
  const leaseSlackMs = options.leaseSlackMs ?? 60_000;
  const nodeId = `node_${randomString(12)}`;
  const hub = new ListenerHub();
  let stopped = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let shuttingDown: Promise<void> | undefined;
  /** aborted when graceful shutdown stops waiting for attempts in flight */
  const interrupt = new AbortController();
  /** eventId → lease token of every event this process holds (released at shutdown) */
  const held = new Map<string, string>();
  /** attempts (claimed or manual) still running */
  const inflight = new Set<Promise<unknown>>();

  /** long enough for the slowest attempt (HTTP timeout or listener wait) plus slack */
  const newLease = (): repo.Lease => {
    const wallNowMs = wallClock.now();
    return { token: randomUUID(), wallNowMs, untilMs: wallNowMs + settings.timeoutMs + graceMs + leaseSlackMs };
  };

  function track<T>(work: Promise<T>): Promise<T> {
    inflight.add(work);
    const done = () => void inflight.delete(work);
    work.then(done, done);
    return work;
  }

  async function settle(eventId: string, leaseToken: string, next: repo.EventAfterAttempt): Promise<boolean> {
    const settled = await repo.settleEvent(store.db, eventId, leaseToken, next);
    if (held.get(eventId) === leaseToken) held.delete(eventId);
    return settled;
  }

  async function release(eventId: string, leaseToken: string): Promise<void> {
    await repo.releaseLease(store, eventId, leaseToken);
    if (held.get(eventId) === leaseToken) held.delete(eventId);
  }

  function notifyAttempt(attempt: WebhookAttempt): void {
    try {
      options.onAttempt?.(attempt);
    } catch {
      // metrics never break delivery
    }
  }

  function transportFor(event: OutboxEvent, urlOverride: string | undefined): Transport | undefined {
    if (urlOverride) return { via: 'HTTP', url: urlOverride, listeners: [] };
    const listeners = hub.forMerchant(event.merchantId);
    if (listeners.length > 0) return { via: 'LISTENER', url: listeners[0]?.forwardTo ?? event.webhookUrl ?? 'bpay-listen:', listeners };
    if (event.webhookUrl) return { via: 'HTTP', url: event.webhookUrl, listeners: [] };
    return undefined;
  }

  async function post(url: string, headers: Record<string, string>, body: string): Promise<HttpOutcome> {
    const started = wallClock.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
    const onInterrupt = () => controller.abort();
    interrupt.signal.addEventListener('abort', onInterrupt, { once: true });
    if (interrupt.signal.aborted) controller.abort();
    let status: number | null = null;
    try {
      const response = await doFetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
      status = response.status;
      const text = await readLimited(response, READ_LIMIT_BYTES);
      return { status, body: text, error: null, latencyMs: wallClock.now() - started };
    } catch (error) {
      const message = interrupt.signal.aborted
        ? INTERRUPTED_BY_SHUTDOWN
        : controller.signal.aborted
          ? `timeout: no complete answer within ${settings.timeoutMs} ms`
          : `request failed: ${describeFetchError(error)}`;
      return { status, body: null, error: message, latencyMs: wallClock.now() - started };
    } finally {
      clearTimeout(timer);
      interrupt.signal.removeEventListener('abort', onInterrupt);
    }
  }

  async function deliverByHttp(attempt: WebhookAttempt, url: string, headers: Record<string, string>, body: string): Promise<WebhookAttempt> {
    const r = await post(url, headers, body);
    const verdict = r.error !== null ? { ok: false as const, reason: r.error } : judgeAck(r.status ?? 0, r.body ?? '', settings.strictAck);
    const result: repo.AttemptResult = {
      outcome: verdict.ok ? 'SUCCESS' : 'FAILED',
      responseStatus: r.status,
      responseBody: clipBody(r.body),
      latencyMs: r.latencyMs,
      error: verdict.ok ? null : verdict.reason,
      finishedAtMs: clock.now(),
    };
    await repo.finishAttempt(store.db, attempt.id, result);
    return { ...attempt, ...result };
  }

  async function deliverToListeners(attempt: WebhookAttempt, event: OutboxEvent, transport: Transport, headers: Record<string, string>, body: string): Promise<WebhookAttempt> {
    const pushed: PushedAttempt = {
      attemptId: attempt.id,
      eventId: event.id,
      attemptNo: attempt.attemptNo,
      merchantId: event.merchantId,
      bizType: event.bizType,
      bizId: event.bizId,
      bizStatus: event.bizStatus,
      webhookUrl: event.webhookUrl,
      headers,
      body,
      forwardTimeoutMs: settings.timeoutMs,
      reportWithinMs: settings.timeoutMs + graceMs,
    };
    const waited = await hub.push(pushed, transport.listeners, settings.timeoutMs + graceMs);
    if (waited !== 'reported') {
      const error =
        waited === 'timeout'
          ? `listener did not report within ${settings.timeoutMs + graceMs} ms`
          : waited === 'shutdown'
            ? LISTENER_SHUTDOWN
            : 'listener disconnected before reporting';
      // a report may have landed on another node meanwhile: the first write wins either way
      await repo.finishAttempt(store.db, attempt.id, { outcome: 'FAILED', responseStatus: null, responseBody: null, latencyMs: null, error, finishedAtMs: clock.now() });
    }
    return (await repo.findAttempt(store.db, attempt.id)) ?? attempt;
  }

  /**
   * One attempt of a leased event, then its new state. Returns undefined when the lease was lost
   * (another holder recorded this attempt number). Never throws for delivery failures.
   */
  async function attemptLeased(event: OutboxEvent, leaseToken: string, trigger: AttemptTrigger, urlOverride?: string): Promise<WebhookAttempt | undefined> {
    const transport = transportFor(event, urlOverride);
    if (!transport) {
      // a PENDING event always has a URL (enqueue decides NO_TARGET); be safe anyway
      await settle(event.id, leaseToken, { ...stateOf(event), status: trigger === 'SCHEDULE' ? 'NO_TARGET' : event.status });
      return undefined;
    }
    const signer = await options.signer();
    const signed = signWebhook(event, signer, String(wallClock.now()), webhookNonce());
    const headers = transport.via === 'HTTP' ? { ...signed.headers, 'user-agent': WEBHOOK_USER_AGENT } : signed.headers;
    let started: WebhookAttempt | undefined;
    try {
      started = await repo.startAttempt(store, leaseToken, {
        eventId: event.id,
        merchantId: event.merchantId,
        attemptNo: event.attempts + 1,
        autoAttempts: event.autoAttempts + (trigger === 'SCHEDULE' ? 1 : 0),
        trigger,
        via: transport.via,
        requestUrl: transport.url,
        requestHeaders: headers,
        requestBody: signed.body,
        startedAtMs: clock.now(),
      });
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
    if (!started) return undefined;

    const finished =
      transport.via === 'HTTP' ? await deliverByHttp(started, transport.url, headers, signed.body) : await deliverToListeners(started, event, transport, headers, signed.body);

    notifyAttempt(finished);
    const success = finished.outcome === 'SUCCESS';
    const nowMs = clock.now();
    let next: repo.EventAfterAttempt = { ...stateOf(event), lastHttpStatus: finished.responseStatus, lastError: finished.error };
    if (success) {
      next = { ...next, status: 'DELIVERED', deliveredAtMs: nowMs };
    } else if (trigger === 'SCHEDULE') {
      const delay = retryDelayAfter(settings.retryScheduleMs, event.autoAttempts + 1);
      // cut short by our own shutdown, not the receiver's fault: another node retries at once
      const interrupted = finished.error === INTERRUPTED_BY_SHUTDOWN || finished.error === LISTENER_SHUTDOWN;
      next = delay === undefined ? { ...next, status: 'FAILED' } : { ...next, status: 'PENDING', nextAttemptAtMs: nowMs + (interrupted ? 0 : delay) };
    }
    if (!(await settle(event.id, leaseToken, next))) {
      log.warn({ eventId: event.id, attemptId: finished.id }, 'webhook lease expired during the attempt; its outcome is recorded, the event state is left to the new holder');
    }
    return finished;
  }

  function stateOf(event: OutboxEvent): repo.EventAfterAttempt {
    return { status: event.status, nextAttemptAtMs: event.nextAttemptAtMs, lastHttpStatus: event.lastHttpStatus, lastError: event.lastError, deliveredAtMs: event.deliveredAtMs };
  }

  /** A claimed PENDING event: one scheduled attempt, unless a crash already used them all up. */
  async function processClaimed(event: OutboxEvent, leaseToken: string): Promise<WebhookAttempt | undefined> {
    try {
      if (interrupt.signal.aborted) {
        // claimed as shutdown gave up waiting: not attempted, handed back at once
        await release(event.id, leaseToken);
        return undefined;
      }
      if (event.attempts > 0) {
        // a holder that died between recording a successful attempt and settling the event (or lost
        // its lease in between) already delivered it: settle it instead of sending it again
        const last = (await repo.listAttempts(store.db, event.id)).at(-1);
        if (last?.outcome === 'SUCCESS') {
          await settle(event.id, leaseToken, { ...stateOf(event), status: 'DELIVERED', deliveredAtMs: last.finishedAtMs ?? clock.now(), lastHttpStatus: last.responseStatus, lastError: null });
          return undefined;
        }
      }
      if (event.autoAttempts >= maxAutoAttempts(settings.retryScheduleMs)) {
        await settle(event.id, leaseToken, { ...stateOf(event), status: 'FAILED' });
        return undefined;
      }
      return await attemptLeased(event, leaseToken, 'SCHEDULE');
    } catch (error) {
      // the lease expires and the event is claimed again; an unfinished attempt becomes ABANDONED
      log.error({ err: error, eventId: event.id }, 'webhook attempt failed unexpectedly');
      return undefined;
    }
  }

  /** Merchants whose only fresh listeners are held by other nodes: those nodes deliver their events. */
  async function merchantsListenedElsewhere(): Promise<number[]> {
    const fresh = await repo.listFreshListeners(store.db, wallClock.now() - LISTENER_FRESH_MS);
    const local = new Set(hub.merchants());
    return [...new Set(fresh.filter((l) => l.nodeId !== nodeId && !local.has(l.merchantId)).map((l) => l.merchantId))];
  }

  function startHeartbeat(): void {
    if (heartbeat) return;
    heartbeat = setInterval(() => {
      const now = wallClock.now();
      repo.touchListeners(store.db, nodeId, now, now - 2 * LISTENER_FRESH_MS).catch((error: unknown) => log.warn({ err: error }, 'listener heartbeat failed'));
    }, HEARTBEAT_MS);
    heartbeat.unref();
  }

  function conflictIfLost<T>(value: T | undefined, eventId: string): T {
    if (value === undefined) fail(Errors.CONFLICT, `an attempt of webhook event ${eventId} is in progress; try again when it has finished`);
    return value;
  }

  async function dispatchPass(): Promise<number> {
    let attempts = 0;
    while (!stopped) {
      const skipMerchants = await merchantsListenedElsewhere();
      const lease = newLease();
      const claimed = await repo.claimDueEvents(store, { dueBy: clock.now(), lease, limit: batchSize, skipMerchants });
      if (claimed.length === 0) break;
      for (const event of claimed) held.set(event.id, lease.token);
      const results = await Promise.all(claimed.map((event) => track(processClaimed(event, lease.token))));
      attempts += results.filter(Boolean).length;
      if (claimed.length < batchSize) break;
    }
    return attempts;
  }

  function stop(): void {
    stopped = true;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
    hub.closeAll();
  }

  return {
    nodeId,
    hub,
    settings,

    dispatchDue() {
      // the whole pass is tracked: a claim committing as shutdown begins is still released
      return track(dispatchPass());
    },

    async deliverNow(eventId) {
      if (stopped) return undefined;
      const lease = newLease();
      const event = await repo.leaseEvent(store, eventId, lease);
      if (!event) return undefined;
      held.set(eventId, lease.token);
      if (event.status !== 'PENDING') {
        await release(eventId, lease.token);
        return undefined;
      }
      return track(processClaimed(event, lease.token));
    },

    async redeliver(eventId, { url }) {
      const found = await repo.findEvent(store.db, eventId);
      if (!found) fail(Errors.NOT_FOUND, `webhook event ${eventId} not found`);
      if (!transportFor(found, url)) {
        fail(Errors.CONFLICT, `webhook event ${eventId} has no target (${found.status}: no webhookUrl on the request or the merchant) and no listener is connected; pass a url`);
      }
      if (stopped) fail(Errors.CONFLICT, 'the server is shutting down; redeliver through another node or after the restart');
      const lease = newLease();
      const event = conflictIfLost(await repo.leaseEvent(store, eventId, lease), eventId);
      held.set(eventId, lease.token);
      try {
        return conflictIfLost(await track(attemptLeased(event, lease.token, 'MANUAL', url)), eventId);
      } finally {
        // settled attempts already released it; this covers failures before that point
        await release(eventId, lease.token).catch(() => undefined);
      }
    },

    async connectListener({ merchantId, forwardTo, sink }: { merchantId: number; forwardTo: string | null; sink: ListenerSink }) {
      if (stopped) fail(Errors.CONFLICT, 'the server is shutting down');
      const listenerId = `lsn_${randomString(20)}`;
      await repo.insertListener(store.db, { listenerId, merchantId, nodeId, forwardTo, connectedAtMs: wallClock.now() });
      hub.add({ listenerId, merchantId, forwardTo, sink });
      startHeartbeat();
      log.info({ listenerId, merchantId, forwardTo }, 'webhook listener connected');
      let closed = false;
      return {
        listenerId,
        close() {
          if (closed) return;
          closed = true;
          hub.remove(listenerId);
          repo.deleteListener(store.db, listenerId).catch((error: unknown) => log.warn({ err: error, listenerId }, 'could not unregister a webhook listener'));
          log.info({ listenerId, merchantId }, 'webhook listener disconnected');
        },
      };
    },

    async reportListenerResult(attemptId: string, report: ListenerReport) {
      const attempt = await repo.findAttempt(store.db, attemptId);
      if (!attempt) fail(Errors.NOT_FOUND, `webhook attempt ${attemptId} not found`);
      if (attempt.via !== 'LISTENER') fail(Errors.CONFLICT, `webhook attempt ${attemptId} was delivered by HTTP, not through a listener`);
      const already = () => new AppError(Errors.CONFLICT, `webhook attempt ${attemptId} already has its outcome (${attempt.outcome ?? 'reported by another listener'}); only the first report counts`);
      if (attempt.outcome !== null) throw already();
      const verdict =
        report.error !== undefined && report.error !== ''
          ? { ok: false as const, reason: `listener could not forward: ${report.error}` }
          : judgeAck(report.status ?? 0, report.body ?? '', settings.strictAck);
      const recorded = await repo.finishAttempt(store.db, attemptId, {
        outcome: verdict.ok ? 'SUCCESS' : 'FAILED',
        responseStatus: report.status ?? null,
        responseBody: clipBody(report.body),
        latencyMs: report.latencyMs ?? null,
        error: verdict.ok ? null : verdict.reason,
        finishedAtMs: clock.now(),
        listenerId: report.listenerId,
        ...(report.forwardTo ? { requestUrl: report.forwardTo } : {}),
      });
      if (!recorded) throw already();
      hub.signal(attemptId);
      return (await repo.findAttempt(store.db, attemptId)) ?? attempt;
    },

    async listListeners(merchantId: number): Promise<ListenerInfo[]> {
      return repo.listFreshListeners(store.db, wallClock.now() - LISTENER_FRESH_MS, merchantId);
    },

    stop,

    heldLeases: () => held.size,

    shutdown({ drainMs = 0 } = {}) {
      stop();
      shuttingDown ??= (async () => {
        const settledAll = () => Promise.allSettled([...inflight]).then(() => true);
        if (inflight.size > 0 && !(await Promise.race([settledAll(), sleep(drainMs).then(() => false)]))) {
          log.warn({ inflight: inflight.size, drainMs }, 'webhook attempts still running at shutdown: interrupting them');
          interrupt.abort();
          await Promise.race([settledAll(), sleep(SETTLE_AFTER_INTERRUPT_MS)]);
        }
        // whatever is still ours (claimed but not attempted, or an attempt that failed unexpectedly):
        // release it now instead of making other nodes wait for the lease to run out
        const leases = [...held];
        await Promise.all(leases.map(([eventId, token]) => release(eventId, token).catch((error: unknown) => log.warn({ err: error, eventId }, 'could not release a webhook lease'))));
        if (leases.length > 0) log.info({ released: leases.length }, 'released webhook leases');
        await repo.deleteNodeListeners(store.db, nodeId).catch(() => undefined);
      })();
      return shuttingDown;
    },
  };
}
