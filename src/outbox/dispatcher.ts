/**
 * The outbox dispatcher (ARCHITECTURE.md principle 8, fact sheet §5): claim → attempt → settle.
 * It claims due events (a lease), signs each attempt afresh with the key /certificates publishes,
 * delivers it — by HTTP (http-delivery.ts), or to the merchant's `bpay listen` connections when
 * there are any (listener-delivery.ts) — records the attempt, and schedules the next one on the
 * business clock.
 *
 * No delivery happens inside a database transaction: a one-statement claim, a one-write start of
 * the attempt, the I/O, then one write for the outcome and the event's new state. Up to
 * `concurrency` attempts run at once and claims refill the pool as attempts finish, so the drain
 * rate is set by the receivers, not by a batch waiting for its slowest member. Per event attempts
 * are sequential (the lease); across events there is no ordering (docs/webhooks.md).
 */
import { randomUUID } from 'node:crypto';
import { Errors, fail } from '../domain/errors.ts';
import {
  judgeAck,
  maxAutoAttempts,
  retryDelayAfter,
  type AttemptTrigger,
  type OutboxEvent,
  type WebhookAttempt,
  type WebhookOperations,
  type WebhookSettings,
} from '../domain/webhook.ts';
import type { Clock } from '../lib/clock.ts';
import { randomString } from '../lib/ids.ts';
import { batched } from '../store/batched.ts';
import { isUniqueViolation, type Store } from '../store/db.ts';
import * as repo from '../store/webhooks-repo.ts';
import { clipBody, httpDelivery, INTERRUPTED_BY_SHUTDOWN } from './http-delivery.ts';
import { listenerDelivery, LISTENER_SHUTDOWN } from './listener-delivery.ts';
import type { ListenerHub, LocalListener } from './listener-hub.ts';
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
  /** attempts in flight at once (default 64); claims take half of that at a time */
  concurrency?: number;
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

/** after interrupting attempts at shutdown, how long their outcomes get to be recorded */
const SETTLE_AFTER_INTERRUPT_MS = 5_000;

export interface Dispatcher extends WebhookOperations {
  readonly nodeId: string;
  readonly hub: ListenerHub;
  /** Stops claiming and disconnects listeners at once, without waiting (Fastify's preClose). */
  stop(): void;
  /** Events this process has leased and not yet settled or released. */
  heldLeases(): number;
}

type Transport = { via: 'HTTP'; url: string } | { via: 'LISTENER'; url: string; listeners: LocalListener[] };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function stateOf(event: OutboxEvent): repo.EventAfterAttempt {
  return { status: event.status, nextAttemptAtMs: event.nextAttemptAtMs, lastHttpStatus: event.lastHttpStatus, lastError: event.lastError, deliveredAtMs: event.deliveredAtMs };
}

/**
 * The event's state after an attempt: DELIVERED on success; after a failed scheduled attempt the
 * next one on the retry schedule (at once when our own shutdown cut it short), or FAILED when the
 * schedule is used up. Manual attempts leave the schedule as it was.
 */
export function stateAfterAttempt(event: OutboxEvent, trigger: AttemptTrigger, outcome: Pick<WebhookAttempt, 'outcome' | 'responseStatus' | 'error'>, nowMs: number, retryScheduleMs: readonly number[]): repo.EventAfterAttempt {
  const next: repo.EventAfterAttempt = { ...stateOf(event), lastHttpStatus: outcome.responseStatus, lastError: outcome.error };
  if (outcome.outcome === 'SUCCESS') return { ...next, status: 'DELIVERED', deliveredAtMs: nowMs };
  if (trigger !== 'SCHEDULE') return next;
  const delay = retryDelayAfter(retryScheduleMs, event.autoAttempts + 1);
  const interrupted = outcome.error === INTERRUPTED_BY_SHUTDOWN || outcome.error === LISTENER_SHUTDOWN;
  return delay === undefined ? { ...next, status: 'FAILED' } : { ...next, status: 'PENDING', nextAttemptAtMs: nowMs + (interrupted ? 0 : delay) };
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, clock, wallClock, settings, log } = options;
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const claimSize = Math.max(1, Math.floor(concurrency / 2));
  const graceMs = options.listenerGraceMs ?? 5_000;
  const leaseSlackMs = options.leaseSlackMs ?? 60_000;
  const nodeId = `node_${randomString(12)}`;
  let stopped = false;
  let shuttingDown: Promise<void> | undefined;
  /** aborted when graceful shutdown stops waiting for attempts in flight */
  const interrupt = new AbortController();
  const http = httpDelivery({ fetch: options.fetch ?? fetch, timeoutMs: settings.timeoutMs, wallClock, interrupt: interrupt.signal });
  const listeners = listenerDelivery({ store, clock, wallClock, settings, log, nodeId, graceMs });
  /** eventId → lease token of every event this process holds (released at shutdown) */
  const held = new Map<string, string>();
  /** attempts (claimed or manual) still running */
  const inflight = new Set<Promise<unknown>>();
  // the attempts that start or finish in one turn of the event loop share a transaction (one write
  // and one commit on PostgreSQL for all of them)
  const startOne = batched((items: ReadonlyArray<{ leaseToken: string; attempt: repo.NewAttempt }>) => repo.startAttempts(store, items), { maxInFlight: 2 });
  const finishOne = batched((items: readonly repo.FinishAndSettle[]) => repo.finishAndSettleMany(store, items), { maxInFlight: 2 });

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

  const letGo = (eventId: string, leaseToken: string) => {
    if (held.get(eventId) === leaseToken) held.delete(eventId);
  };

  async function settle(eventId: string, leaseToken: string, next: repo.EventAfterAttempt): Promise<boolean> {
    const settled = await repo.settleEvent(store.db, eventId, leaseToken, next);
    letGo(eventId, leaseToken);
    return settled;
  }

  async function release(eventId: string, leaseToken: string): Promise<void> {
    await repo.releaseLease(store, eventId, leaseToken);
    letGo(eventId, leaseToken);
  }

  function notifyAttempt(attempt: WebhookAttempt): void {
    try {
      options.onAttempt?.(attempt);
    } catch {
      // metrics never break delivery
    }
  }

  function transportFor(event: OutboxEvent, urlOverride: string | undefined): Transport | undefined {
    if (urlOverride) return { via: 'HTTP', url: urlOverride };
    const local = listeners.listenersFor(event);
    if (local.length > 0) return { via: 'LISTENER', url: local[0]?.forwardTo ?? event.webhookUrl ?? 'bpay-listen:', listeners: local };
    if (event.webhookUrl) return { via: 'HTTP', url: event.webhookUrl };
    return undefined;
  }

  /** The attempt's row, recorded while the lease is ours; undefined when it was lost. */
  async function start(event: OutboxEvent, leaseToken: string, trigger: AttemptTrigger, transport: Transport, headers: Record<string, string>, body: string): Promise<WebhookAttempt | undefined> {
    try {
      return await startOne({
        leaseToken,
        attempt: {
          eventId: event.id,
          merchantId: event.merchantId,
          attemptNo: event.attempts + 1,
          autoAttempts: event.autoAttempts + (trigger === 'SCHEDULE' ? 1 : 0),
          trigger,
          via: transport.via,
          requestUrl: transport.url,
          requestHeaders: headers,
          requestBody: body,
          startedAtMs: clock.now(),
        },
      });
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
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
    const signed = await signWebhook(event, await options.signer(), String(wallClock.now()), webhookNonce());
    const headers = transport.via === 'HTTP' ? { ...signed.headers, 'user-agent': WEBHOOK_USER_AGENT } : signed.headers;
    const started = await start(event, leaseToken, trigger, transport, headers, signed.body);
    if (!started) return undefined;

    let finished: WebhookAttempt;
    let settled: boolean;
    if (transport.via === 'HTTP') {
      const r = await http.post(transport.url, headers, signed.body);
      const verdict = r.error !== null ? { ok: false as const, reason: r.error } : judgeAck(r.status ?? 0, r.body ?? '', settings.strictAck);
      const result: repo.AttemptResult = { outcome: verdict.ok ? 'SUCCESS' : 'FAILED', responseStatus: r.status, responseBody: clipBody(r.body), latencyMs: r.latencyMs, error: verdict.ok ? null : verdict.reason, finishedAtMs: clock.now() };
      // the outcome and the event's new state in one write
      const written = await finishOne({ attemptId: started.id, result, eventId: event.id, leaseToken, next: stateAfterAttempt(event, trigger, result, result.finishedAtMs, settings.retryScheduleMs) });
      letGo(event.id, leaseToken);
      finished = written.attempt ?? { ...started, ...result };
      settled = written.settled;
    } else {
      finished = await listeners.deliver(started, event, transport.listeners, headers, signed.body);
      settled = await settle(event.id, leaseToken, stateAfterAttempt(event, trigger, finished, clock.now(), settings.retryScheduleMs));
    }
    notifyAttempt(finished);
    if (!settled) log.warn({ eventId: event.id, attemptId: finished.id }, 'webhook lease expired during the attempt; its outcome is recorded, the event state is left to the new holder');
    return finished;
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

  function conflictIfLost<T>(value: T | undefined, eventId: string): T {
    if (value === undefined) fail(Errors.CONFLICT, `an attempt of webhook event ${eventId} is in progress; try again when it has finished`);
    return value;
  }

  /**
   * Claims and attempts due events until none is left: up to `concurrency` attempts at once, a new
   * claim of `claimSize` whenever that many places are free. Events that become due during the
   * pass are taken by the next one (a commit that enqueues one wakes the dispatcher again).
   */
  async function dispatchPass(): Promise<number> {
    let attempts = 0;
    let more = true;
    const running = new Set<Promise<void>>();
    while (!stopped) {
      if (more && concurrency - running.size >= claimSize) {
        const lease = newLease();
        const claimed = await repo.claimDueEvents(store, { dueBy: clock.now(), lease, limit: claimSize, skipMerchants: await listeners.merchantsListenedElsewhere() });
        if (claimed.length < claimSize) more = false;
        for (const event of claimed) {
          held.set(event.id, lease.token);
          const job: Promise<void> = track(processClaimed(event, lease.token)).then((attempt) => {
            running.delete(job);
            if (attempt) attempts++;
          });
          running.add(job);
        }
        continue;
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
    // stopped with attempts running: they finish (or are interrupted by shutdown) before the pass ends
    await Promise.allSettled([...running]);
    return attempts;
  }

  function stop(): void {
    stopped = true;
    listeners.stop();
  }

  return {
    nodeId,
    hub: listeners.hub,
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

    connectListener: (input) => listeners.connect(input),
    reportListenerResult: (attemptId, report) => listeners.report(attemptId, report),
    listListeners: (merchantId) => listeners.list(merchantId),

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
        await listeners.forget().catch(() => undefined);
      })();
      return shuttingDown;
    },
  };
}
