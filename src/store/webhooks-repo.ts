/**
 * Outbox events, their delivery attempts and the `bpay listen` registry. Claiming is the one
 * place with a lock: on PostgreSQL `FOR UPDATE SKIP LOCKED` + a lease written in the same
 * transaction, so concurrent dispatchers never take the same event; SQLite is one process and its
 * write transactions are immediate (serialised).
 */
import { sql, type Selectable } from 'kysely';
import type { AttemptOutcome, AttemptTrigger, AttemptVia, ListenerInfo, OutboxEvent, OutboxStatus, WebhookAttempt } from '../domain/webhook.ts';
import { toNumber, toNumberOrNull, withTransaction, type Queryable, type Store } from './db.ts';
import type { OutboxEventsTable, WebhookAttemptsTable, WebhookListenersTable } from './schema.ts';

function toEvent(row: Selectable<OutboxEventsTable>): OutboxEvent {
  return {
    id: String(row.id),
    merchantId: toNumber(row.merchant_id),
    bizType: row.biz_type,
    bizId: row.biz_id,
    bizStatus: row.biz_status,
    data: row.data_json,
    webhookUrl: row.webhook_url,
    refType: row.ref_type,
    refId: row.ref_id,
    status: row.status as OutboxStatus,
    attempts: toNumber(row.attempts),
    autoAttempts: toNumber(row.auto_attempts),
    nextAttemptAtMs: toNumber(row.next_attempt_at_ms),
    createdAtMs: toNumber(row.created_at_ms),
    lastAttemptAtMs: toNumberOrNull(row.last_attempt_at_ms),
    lastHttpStatus: toNumberOrNull(row.last_http_status),
    lastError: row.last_error,
    deliveredAtMs: toNumberOrNull(row.delivered_at_ms),
    leaseToken: row.lease_token,
    leaseUntilMs: toNumberOrNull(row.lease_until_ms),
  };
}

function toAttempt(row: Selectable<WebhookAttemptsTable>): WebhookAttempt {
  return {
    id: String(row.id),
    eventId: String(row.event_id),
    merchantId: toNumber(row.merchant_id),
    attemptNo: toNumber(row.attempt_no),
    trigger: row.trigger as AttemptTrigger,
    via: row.via as AttemptVia,
    listenerId: row.listener_id,
    requestUrl: row.request_url,
    requestHeaders: JSON.parse(row.request_headers) as Record<string, string>,
    requestBody: row.request_body,
    responseStatus: toNumberOrNull(row.response_status),
    responseBody: row.response_body,
    latencyMs: toNumberOrNull(row.latency_ms),
    error: row.error,
    outcome: row.outcome as AttemptOutcome | null,
    startedAtMs: toNumber(row.started_at_ms),
    finishedAtMs: toNumberOrNull(row.finished_at_ms),
  };
}

function toListener(row: Selectable<WebhookListenersTable>): ListenerInfo {
  return {
    listenerId: row.listener_id,
    merchantId: toNumber(row.merchant_id),
    nodeId: row.node_id,
    forwardTo: row.forward_to,
    connectedAtMs: toNumber(row.connected_at_ms),
    seenAtMs: toNumber(row.seen_at_ms),
  };
}

export interface Lease {
  token: string;
  /** wall clock: leases bound real time (HTTP timeouts), not the business clock */
  wallNowMs: number;
  untilMs: number;
}

/**
 * Takes up to `limit` PENDING events due at `dueBy` (business clock) whose lease is free or
 * expired, and leases them, in one statement. Merchants in `skipMerchants` are left alone (their
 * listener is held by another node, which delivers their events).
 */
export async function claimDueEvents(store: Store, input: { dueBy: number; lease: Lease; limit: number; skipMerchants: number[] }): Promise<OutboxEvent[]> {
  let due = store.db
    .selectFrom('outbox_events')
    .select('id')
    .where('status', '=', 'PENDING')
    .where('next_attempt_at_ms', '<=', input.dueBy)
    .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<', input.lease.wallNowMs)]))
    .orderBy('next_attempt_at_ms')
    .orderBy('id')
    .limit(input.limit);
  if (input.skipMerchants.length > 0) due = due.where('merchant_id', 'not in', input.skipMerchants);
  // PostgreSQL: rows another dispatcher is claiming are skipped, never waited for
  if (store.dialect === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await store.db
    .updateTable('outbox_events')
    .set({ lease_token: input.lease.token, lease_until_ms: input.lease.untilMs })
    .where('id', 'in', due)
    .returningAll()
    .execute();
  return rows.map(toEvent).sort((a, b) => a.nextAttemptAtMs - b.nextAttemptAtMs || Number(BigInt(a.id) - BigInt(b.id)));
}

/** Leases one event (any status) unless another holder's lease is still running. */
export async function leaseEvent(store: Store, eventId: string, lease: Lease): Promise<OutboxEvent | undefined> {
  const row = await store.db
    .updateTable('outbox_events')
    .set({ lease_token: lease.token, lease_until_ms: lease.untilMs })
    .where('id', '=', eventId)
    .where((eb) => eb.or([eb('lease_until_ms', 'is', null), eb('lease_until_ms', '<', lease.wallNowMs)]))
    .returningAll()
    .executeTakeFirst();
  return row ? toEvent(row) : undefined;
}

export async function releaseLease(store: Store, eventId: string, token: string): Promise<void> {
  await store.db.updateTable('outbox_events').set({ lease_token: null, lease_until_ms: null }).where('id', '=', eventId).where('lease_token', '=', token).execute();
}

export interface NewAttempt {
  eventId: string;
  merchantId: number;
  attemptNo: number;
  /** the event's scheduled-attempt count including this one if it is scheduled */
  autoAttempts: number;
  trigger: AttemptTrigger;
  via: AttemptVia;
  requestUrl: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
  startedAtMs: number;
}

/**
 * Records the start of an attempt while holding the lease: attempts the previous holder left
 * unfinished (it crashed) become ABANDONED, the attempt row is inserted (its number is unique per
 * event) and the event's counters move. Returns undefined when the lease was lost. Every statement
 * is conditioned on the lease, so all of them go out with COMMIT in one write.
 */
export async function startAttempt(store: Store, leaseToken: string, a: NewAttempt): Promise<WebhookAttempt | undefined> {
  const [started] = await startAttempts(store, [{ leaseToken, attempt: a }]);
  if (started instanceof Error) throw started;
  return started;
}

/**
 * `startAttempt` for several events in one transaction (the dispatcher's batches): one write with
 * its COMMIT on PostgreSQL. Should the transaction fail, each is started alone, so only its own
 * caller gets its error.
 */
export async function startAttempts(store: Store, items: ReadonlyArray<{ leaseToken: string; attempt: NewAttempt }>): Promise<Array<WebhookAttempt | undefined | Error>> {
  const all = () =>
    withTransaction(store, async (tx) => {
      const results = await tx.commitWith(...items.map(({ leaseToken, attempt }) => startStatements(tx.db, leaseToken, attempt)));
      return results.map(([owned, , inserted]) => (Number(owned.numUpdatedRows) === 1 && inserted ? toAttempt(inserted) : undefined));
    });
  if (items.length === 1) return all();
  return all().catch(() => Promise.all(items.map((item) => startAttempts(store, [item]).then(([r]) => r, (e: unknown) => (e instanceof Error ? e : new Error(String(e)))))));
}

/** The three statements of an attempt's start, each conditioned on the lease, issued together. */
function startStatements(q: Queryable, leaseToken: string, a: NewAttempt) {
  const leased = q.selectFrom('outbox_events').select(sql`1`.as('one')).where('id', '=', a.eventId).where('lease_token', '=', leaseToken);
  return Promise.all([
    q.updateTable('outbox_events').set({ attempts: a.attemptNo, auto_attempts: a.autoAttempts, last_attempt_at_ms: a.startedAtMs }).where('id', '=', a.eventId).where('lease_token', '=', leaseToken).executeTakeFirst(),
    q
      .updateTable('webhook_attempts')
      .set({ outcome: 'ABANDONED', error: 'the process delivering this attempt stopped before recording its outcome', finished_at_ms: a.startedAtMs })
      .where('event_id', '=', a.eventId)
      .where('outcome', 'is', null)
      .where((eb) => eb.exists(leased))
      .execute(),
    q
      .insertInto('webhook_attempts')
      .columns(['event_id', 'merchant_id', 'attempt_no', 'trigger', 'via', 'request_url', 'request_headers', 'request_body', 'started_at_ms'])
      .expression((eb) =>
        eb
          .selectFrom('outbox_events')
          .select([
            sql<bigint>`${BigInt(a.eventId)}`.as('event_id'),
            sql<number>`${a.merchantId}`.as('merchant_id'),
            sql<number>`${a.attemptNo}`.as('attempt_no'),
            sql<string>`${a.trigger}`.as('trigger'),
            sql<string>`${a.via}`.as('via'),
            sql<string>`${a.requestUrl}`.as('request_url'),
            sql<string>`${JSON.stringify(a.requestHeaders)}`.as('request_headers'),
            sql<string>`${a.requestBody}`.as('request_body'),
            sql<bigint>`${a.startedAtMs}`.as('started_at_ms'),
          ])
          .where('id', '=', a.eventId)
          .where('lease_token', '=', leaseToken),
      )
      .returningAll()
      .executeTakeFirst(),
  ] as const);
}

export interface AttemptResult {
  outcome: AttemptOutcome;
  responseStatus: number | null;
  responseBody: string | null;
  latencyMs: number | null;
  error: string | null;
  finishedAtMs: number;
  listenerId?: string | undefined;
  requestUrl?: string | undefined;
}

/** Writes an attempt's outcome once: the first writer wins (a listener report races its timeout). */
export async function finishAttempt(q: Queryable, attemptId: string, r: AttemptResult): Promise<boolean> {
  const result = await q
    .updateTable('webhook_attempts')
    .set({
      outcome: r.outcome,
      response_status: r.responseStatus,
      response_body: r.responseBody,
      latency_ms: r.latencyMs,
      error: r.error,
      finished_at_ms: r.finishedAtMs,
      ...(r.listenerId !== undefined ? { listener_id: r.listenerId } : {}),
      ...(r.requestUrl !== undefined ? { request_url: r.requestUrl } : {}),
    })
    .where('id', '=', attemptId)
    .where('outcome', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface EventAfterAttempt {
  status: OutboxStatus;
  nextAttemptAtMs: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  deliveredAtMs: number | null;
}

/**
 * An attempt's outcome and the event's state after it, in one transaction (one write with its
 * COMMIT on PostgreSQL). Answers whether the event was still ours to settle.
 */
export interface FinishAndSettle {
  attemptId: string;
  result: AttemptResult;
  eventId: string;
  leaseToken: string;
  next: EventAfterAttempt;
}

/** `finishAndSettle` for several attempts in one transaction; on failure each alone (as `startAttempts`). */
export async function finishAndSettleMany(store: Store, items: readonly FinishAndSettle[]): Promise<Array<{ attempt: WebhookAttempt | undefined; settled: boolean } | Error>> {
  const all = () =>
    withTransaction(store, async (tx) => {
      const results = await tx.commitWith(...items.map((i) => Promise.all([finishAttemptReturning(tx.db, i.attemptId, i.result), settleEvent(tx.db, i.eventId, i.leaseToken, i.next)] as const)));
      return results.map(([finished, settled]) => ({ attempt: finished ? toAttempt(finished) : undefined, settled }));
    });
  if (items.length === 1) return all();
  return all().catch(() => Promise.all(items.map((item) => finishAndSettleMany(store, [item]).then(([r]) => r as { attempt: WebhookAttempt | undefined; settled: boolean }, (e: unknown) => (e instanceof Error ? e : new Error(String(e)))))));
}

async function finishAttemptReturning(q: Queryable, attemptId: string, r: AttemptResult) {
  return q
    .updateTable('webhook_attempts')
    .set({ outcome: r.outcome, response_status: r.responseStatus, response_body: r.responseBody, latency_ms: r.latencyMs, error: r.error, finished_at_ms: r.finishedAtMs })
    .where('id', '=', attemptId)
    .where('outcome', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Records the event's state after an attempt and releases the lease (only by the lease holder). */
export async function settleEvent(q: Queryable, eventId: string, leaseToken: string, s: EventAfterAttempt): Promise<boolean> {
  const result = await q
    .updateTable('outbox_events')
    .set({
      status: s.status,
      next_attempt_at_ms: s.nextAttemptAtMs,
      last_http_status: s.lastHttpStatus,
      last_error: s.lastError,
      delivered_at_ms: s.deliveredAtMs,
      lease_token: null,
      lease_until_ms: null,
    })
    .where('id', '=', eventId)
    .where('lease_token', '=', leaseToken)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findEvent(q: Queryable, eventId: string): Promise<OutboxEvent | undefined> {
  const row = await q.selectFrom('outbox_events').selectAll().where('id', '=', eventId).executeTakeFirst();
  return row ? toEvent(row) : undefined;
}

export interface EventFilter {
  merchantId?: number | undefined;
  status?: OutboxStatus | undefined;
  bizType?: string | undefined;
  bizId?: string | undefined;
  refType?: string | undefined;
  refId?: string | undefined;
  ids?: string[] | undefined;
  /** newest first; events with a smaller id than this */
  beforeId?: string | undefined;
  limit: number;
}

export async function listEvents(q: Queryable, f: EventFilter): Promise<OutboxEvent[]> {
  let query = q.selectFrom('outbox_events').selectAll();
  if (f.merchantId !== undefined) query = query.where('merchant_id', '=', f.merchantId);
  if (f.status !== undefined) query = query.where('status', '=', f.status);
  if (f.bizType !== undefined) query = query.where('biz_type', '=', f.bizType);
  if (f.bizId !== undefined) query = query.where('biz_id', '=', f.bizId);
  if (f.refType !== undefined) query = query.where('ref_type', '=', f.refType);
  if (f.refId !== undefined) query = query.where('ref_id', '=', f.refId);
  if (f.ids !== undefined) query = query.where('id', 'in', f.ids.length > 0 ? f.ids : ['-1']);
  if (f.beforeId !== undefined) query = query.where('id', '<', f.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map(toEvent);
}

export async function findAttempt(q: Queryable, attemptId: string): Promise<WebhookAttempt | undefined> {
  const row = await q.selectFrom('webhook_attempts').selectAll().where('id', '=', attemptId).executeTakeFirst();
  return row ? toAttempt(row) : undefined;
}

export async function listAttempts(q: Queryable, eventId: string): Promise<WebhookAttempt[]> {
  const rows = await q.selectFrom('webhook_attempts').selectAll().where('event_id', '=', eventId).orderBy('attempt_no').execute();
  return rows.map(toAttempt);
}

// --- `bpay listen` registry (wall clock) ---

export async function insertListener(q: Queryable, l: Omit<ListenerInfo, 'seenAtMs'>): Promise<void> {
  await q
    .insertInto('webhook_listeners')
    .values({ listener_id: l.listenerId, merchant_id: l.merchantId, node_id: l.nodeId, forward_to: l.forwardTo, connected_at_ms: l.connectedAtMs, seen_at_ms: l.connectedAtMs })
    .execute();
}

export async function deleteListener(q: Queryable, listenerId: string): Promise<void> {
  await q.deleteFrom('webhook_listeners').where('listener_id', '=', listenerId).execute();
}

export async function deleteNodeListeners(q: Queryable, nodeId: string): Promise<void> {
  await q.deleteFrom('webhook_listeners').where('node_id', '=', nodeId).execute();
}

/** Heartbeat of one node's listeners; also forgets listeners of nodes that stopped beating. */
export async function touchListeners(q: Queryable, nodeId: string, nowMs: number, forgetBeforeMs: number): Promise<void> {
  await q.updateTable('webhook_listeners').set({ seen_at_ms: nowMs }).where('node_id', '=', nodeId).execute();
  await q.deleteFrom('webhook_listeners').where('seen_at_ms', '<', forgetBeforeMs).execute();
}

export async function listFreshListeners(q: Queryable, freshAfterMs: number, merchantId?: number): Promise<ListenerInfo[]> {
  let query = q.selectFrom('webhook_listeners').selectAll().where('seen_at_ms', '>=', freshAfterMs);
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  const rows = await query.orderBy('connected_at_ms').execute();
  return rows.map(toListener);
}

// --- operations: the delivery queue as metrics see it ---

export interface QueueDepth {
  /** PENDING events whose next attempt is due (business clock) */
  due: number;
  /** PENDING events waiting for a later retry */
  scheduled: number;
  /** PENDING events a node holds a running lease on right now */
  leased: number;
  /** next_attempt_at_ms of the longest-waiting due event, or null */
  oldestDueAtMs: number | null;
}

/** One indexed pass over PENDING events (outbox_events_due): cheap even with millions of delivered ones. */
export async function queueDepth(q: Queryable, dueBy: number, wallNowMs: number): Promise<QueueDepth> {
  const row = await q
    .selectFrom('outbox_events')
    .select([
      sql<unknown>`count(*)`.as('pending'),
      sql<unknown>`coalesce(sum(case when next_attempt_at_ms <= ${dueBy} then 1 else 0 end), 0)`.as('due'),
      sql<unknown>`coalesce(sum(case when lease_until_ms >= ${wallNowMs} then 1 else 0 end), 0)`.as('leased'),
      sql<unknown>`min(case when next_attempt_at_ms <= ${dueBy} then next_attempt_at_ms end)`.as('oldest_due'),
    ])
    .where('status', '=', 'PENDING')
    .executeTakeFirst();
  const pending = toNumber(row?.pending ?? 0);
  const due = toNumber(row?.due ?? 0);
  return { due, scheduled: pending - due, leased: toNumber(row?.leased ?? 0), oldestDueAtMs: toNumberOrNull(row?.oldest_due) };
}
