/**
 * Operating webhooks: the event log with its attempts, redelivery, test notifications and the
 * `bpay listen` connections. Delivery itself is the dispatcher's (deps.webhooks, wired by the
 * composition root); these use cases read the log and ask the dispatcher to act.
 */
import { Errors, fail } from '../domain/errors.ts';
import { webhookBody, type ListenerConnection, type ListenerReport, type ListenerSink, type OutboxEvent, type WebhookAttempt } from '../domain/webhook.ts';
import { randomDigits } from '../lib/ids.ts';
import { jsonNumber, stringifyJson } from '../lib/json.ts';
import { enqueue } from '../outbox/enqueue.ts';
import { withTransaction } from '../store/db.ts';
import { findMerchant } from '../store/merchants-repo.ts';
import * as repo from '../store/webhooks-repo.ts';
import type { ServiceDeps } from './deps.ts';

/** refType of test notifications; their merchantTradeNo starts with TEST_MERCHANT_TRADE_NO_PREFIX */
export const TEST_REF_TYPE = 'test';
export const TEST_MERCHANT_TRADE_NO_PREFIX = 'TEST';

/** The store's event filter, with the page size optional (the service caps it). */
export type EventQuery = Omit<repo.EventFilter, 'limit'> & { limit?: number | undefined };

export interface EventWithAttempts {
  event: OutboxEvent;
  /** the body every attempt sends (headers differ per attempt: fresh timestamp, nonce, signature) */
  body: string;
  attempts: WebhookAttempt[];
}

export async function listWebhookEvents(deps: ServiceDeps, query: EventQuery): Promise<OutboxEvent[]> {
  return repo.listEvents(deps.store.db, { ...query, limit: Math.min(query.limit ?? 50, 500) });
}

export async function getWebhookEvent(deps: ServiceDeps, eventId: string): Promise<EventWithAttempts> {
  const event = await repo.findEvent(deps.store.db, eventId);
  if (!event) fail(Errors.NOT_FOUND, `webhook event ${eventId} not found`);
  return { event, body: webhookBody(event), attempts: await repo.listAttempts(deps.store.db, eventId) };
}

/** One new attempt of one event, now; nothing is overwritten (ARCHITECTURE.md principle 8). */
export async function redeliverWebhook(deps: ServiceDeps, eventId: string, url?: string): Promise<WebhookAttempt> {
  return deps.webhooks.redeliver(eventId, { url });
}

export interface RedeliveryResult {
  eventId: string;
  attempt?: WebhookAttempt;
  error?: { code: string; message: string };
}

/** Redelivers each matching event in turn (at most `limit`); a refusal of one does not stop the rest. */
export async function redeliverWebhooks(deps: ServiceDeps, query: EventQuery, url?: string): Promise<RedeliveryResult[]> {
  const hasFilter = [query.merchantId, query.status, query.bizType, query.bizId, query.refType, query.refId, query.ids].some((v) => v !== undefined);
  if (!hasFilter) fail(Errors.BAD_ADMIN_REQUEST, 'name the events to redeliver: ids, or a filter (merchantId, status, bizType, bizId, refType, refId)');
  const events = await repo.listEvents(deps.store.db, { ...query, limit: Math.min(query.limit ?? 100, 500) });
  const results: RedeliveryResult[] = [];
  // oldest first, one at a time: a receiver sees them in the order they happened
  for (const event of events.reverse()) {
    try {
      results.push({ eventId: event.id, attempt: await deps.webhooks.redeliver(event.id, { url }) });
    } catch (error) {
      const e = error as { code?: string; message?: string };
      results.push({ eventId: event.id, error: { code: e.code ?? Errors.UNKNOWN_ERROR.code, message: e.message ?? String(error) } });
    }
  }
  return results;
}

export interface TestNotification {
  event: OutboxEvent;
  attempt: WebhookAttempt | undefined;
}

/**
 * A signed PAY_SUCCESS-shaped notification that no order backs, clearly marked: refType "test",
 * merchantTradeNo "TEST…", productName "binance-pay-server test notification". It is a real outbox
 * event: its first attempt runs now and failures are retried on the normal schedule.
 */
export async function sendTestNotification(deps: ServiceDeps, merchantId: number, url?: string): Promise<TestNotification> {
  const merchant = await findMerchant(deps.store.db, merchantId);
  if (!merchant) fail(Errors.NOT_FOUND, `merchant ${merchantId} not found`);
  const target = url ?? merchant.webhookUrl;
  const listening = (await deps.webhooks.listListeners(merchantId)).length > 0;
  if (!target && !listening) {
    fail(Errors.CONFLICT, `merchant ${merchantId} has no webhook URL and no \`bpay listen\` is connected: pass a url or set the merchant's webhookUrl`);
  }
  const nowMs = deps.clock.now();
  const prepayId = deps.ids.next();
  const merchantTradeNo = `${TEST_MERCHANT_TRADE_NO_PREFIX}${randomDigits(12)}`;
  // key order and literals as a real PAY_SUCCESS (order-events.ts, fact sheet §9 G)
  const data = stringifyJson({
    merchantTradeNo,
    totalFee: jsonNumber('1.00000000'),
    transactTime: nowMs,
    currency: 'USDT',
    openUserId: 'TEST0000000000000000000000000000',
    productType: 'TEST',
    productName: 'binance-pay-server test notification',
    tradeType: 'WEB',
    transactionId: `TEST_${prepayId}`,
    commission: jsonNumber('0'),
  });
  const eventId = await withTransaction(deps.store, (tx) =>
    enqueue(tx, { merchantId, bizType: 'PAY', bizId: prepayId, bizStatus: 'PAY_SUCCESS', data, webhookUrl: target, refType: TEST_REF_TYPE, refId: merchantTradeNo }, nowMs),
  );
  // with a URL it is PENDING: a scheduled first attempt; without one only a listener can take it
  const attempt = target ? await deps.webhooks.deliverNow(eventId) : await deps.webhooks.redeliver(eventId, {});
  const event = await repo.findEvent(deps.store.db, eventId);
  if (!event) throw new Error(`test event ${eventId} vanished`);
  return { event, attempt };
}

export async function connectWebhookListener(deps: ServiceDeps, merchantId: number, forwardTo: string | null, sink: ListenerSink): Promise<ListenerConnection> {
  const merchant = await findMerchant(deps.store.db, merchantId);
  if (!merchant) fail(Errors.NOT_FOUND, `merchant ${merchantId} not found`);
  return deps.webhooks.connectListener({ merchantId, forwardTo, sink });
}

export async function reportListenerResult(deps: ServiceDeps, attemptId: string, report: ListenerReport): Promise<WebhookAttempt> {
  if (report.status === undefined && (report.error === undefined || report.error === '')) {
    fail(Errors.BAD_ADMIN_REQUEST, 'a report needs the local status (and body), or an error when forwarding failed');
  }
  return deps.webhooks.reportListenerResult(attemptId, report);
}

export async function listWebhookListeners(deps: ServiceDeps, merchantId: number) {
  const merchant = await findMerchant(deps.store.db, merchantId);
  if (!merchant) fail(Errors.NOT_FOUND, `merchant ${merchantId} not found`);
  return deps.webhooks.listListeners(merchantId);
}
