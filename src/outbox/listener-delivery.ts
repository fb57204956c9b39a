/**
 * Delivery through `bpay listen` connections: a merchant with a listener connected here gets its
 * attempts pushed down that connection instead of POSTed, and the listener reports the answer its
 * local receiver gave. The database registry (webhook_listeners, kept fresh by a heartbeat) tells
 * other nodes which merchants are listened to here, so they leave those events to this node.
 */
import { AppError, Errors, fail } from '../domain/errors.ts';
import { judgeAck, type ListenerInfo, type ListenerReport, type ListenerSink, type OutboxEvent, type PushedAttempt, type WebhookAttempt, type WebhookSettings } from '../domain/webhook.ts';
import type { Clock } from '../lib/clock.ts';
import { randomString } from '../lib/ids.ts';
import type { Store } from '../store/db.ts';
import * as repo from '../store/webhooks-repo.ts';
import { clipBody } from './http-delivery.ts';
import { ListenerHub, type LocalListener } from './listener-hub.ts';
import type { DispatchLogger } from './dispatcher.ts';

const HEARTBEAT_MS = 10_000;
/** a listener whose node has not beaten for this long is treated as gone */
const LISTENER_FRESH_MS = 30_000;
export const LISTENER_SHUTDOWN = 'server shut down before the listener reported';

export interface ListenerDeliveryOptions {
  store: Store;
  clock: Clock;
  wallClock: Clock;
  settings: WebhookSettings;
  log: DispatchLogger;
  nodeId: string;
  /** extra time a listener has to report after forwarding */
  graceMs: number;
}

export interface ListenerDelivery {
  readonly hub: ListenerHub;
  /** this node's listeners of the event's merchant (none: deliver by HTTP) */
  listenersFor(event: OutboxEvent): LocalListener[];
  /** Pushes a started attempt to the listeners and waits for the first report (or fails it). */
  deliver(attempt: WebhookAttempt, event: OutboxEvent, listeners: LocalListener[], headers: Record<string, string>, body: string): Promise<WebhookAttempt>;
  /** Merchants whose only fresh listeners are held by other nodes: those nodes deliver their events. */
  merchantsListenedElsewhere(): Promise<number[]>;
  connect(input: { merchantId: number; forwardTo: string | null; sink: ListenerSink }): Promise<{ listenerId: string; close(): void }>;
  report(attemptId: string, report: ListenerReport): Promise<WebhookAttempt>;
  list(merchantId: number): Promise<ListenerInfo[]>;
  /** Disconnects every listener at once and stops the heartbeat. */
  stop(): void;
  /** Unregisters this node's listeners (the end of shutdown). */
  forget(): Promise<void>;
}

export function listenerDelivery(options: ListenerDeliveryOptions): ListenerDelivery {
  const { store, clock, wallClock, settings, log, nodeId, graceMs } = options;
  const hub = new ListenerHub();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  function startHeartbeat(): void {
    if (heartbeat) return;
    heartbeat = setInterval(() => {
      const now = wallClock.now();
      repo.touchListeners(store.db, nodeId, now, now - 2 * LISTENER_FRESH_MS).catch((error: unknown) => log.warn({ err: error }, 'listener heartbeat failed'));
    }, HEARTBEAT_MS);
    heartbeat.unref();
  }

  return {
    hub,

    listenersFor: (event) => hub.forMerchant(event.merchantId),

    async deliver(attempt, event, listeners, headers, body) {
      const reportWithinMs = settings.timeoutMs + graceMs;
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
        reportWithinMs,
      };
      const waited = await hub.push(pushed, listeners, reportWithinMs);
      if (waited !== 'reported') {
        const error =
          waited === 'timeout' ? `listener did not report within ${reportWithinMs} ms` : waited === 'shutdown' ? LISTENER_SHUTDOWN : 'listener disconnected before reporting';
        // a report may have landed on another node meanwhile: the first write wins either way
        await repo.finishAttempt(store.db, attempt.id, { outcome: 'FAILED', responseStatus: null, responseBody: null, latencyMs: null, error, finishedAtMs: clock.now() });
      }
      return (await repo.findAttempt(store.db, attempt.id)) ?? attempt;
    },

    async merchantsListenedElsewhere() {
      const fresh = await repo.listFreshListeners(store.db, wallClock.now() - LISTENER_FRESH_MS);
      const local = new Set(hub.merchants());
      return [...new Set(fresh.filter((l) => l.nodeId !== nodeId && !local.has(l.merchantId)).map((l) => l.merchantId))];
    },

    async connect({ merchantId, forwardTo, sink }) {
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

    async report(attemptId, report) {
      const attempt = await repo.findAttempt(store.db, attemptId);
      if (!attempt) fail(Errors.NOT_FOUND, `webhook attempt ${attemptId} not found`);
      if (attempt.via !== 'LISTENER') fail(Errors.CONFLICT, `webhook attempt ${attemptId} was delivered by HTTP, not through a listener`);
      const already = () => new AppError(Errors.CONFLICT, `webhook attempt ${attemptId} already has its outcome (${attempt.outcome ?? 'reported by another listener'}); only the first report counts`);
      if (attempt.outcome !== null) throw already();
      const verdict =
        report.error !== undefined && report.error !== '' ? { ok: false as const, reason: `listener could not forward: ${report.error}` } : judgeAck(report.status ?? 0, report.body ?? '', settings.strictAck);
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

    list: (merchantId) => repo.listFreshListeners(store.db, wallClock.now() - LISTENER_FRESH_MS, merchantId),

    stop() {
      stopped = true;
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      hub.closeAll();
    },

    forget: () => repo.deleteNodeListeners(store.db, nodeId),
  };
}
