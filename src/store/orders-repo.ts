import { type Insertable, type Selectable, sql } from 'kysely';
import type { Order, OrderStatus, PaymentInfo, TerminalType } from '../domain/order.ts';
import { batched, type BatchOptions } from './batched.ts';
import { precompiled } from './compiled.ts';
import type { Queryable, Store, Tx } from './db.ts';
import { fromBool, isUniqueViolation, toBigInt, toBool, toNumber, toNumberOrNull } from './db.ts';
import type { OrdersTable } from './schema.ts';

function toOrder(row: Selectable<OrdersTable>): Order {
  return {
    prepayId: row.prepay_id,
    merchantId: toNumber(row.merchant_id),
    subMerchantId: row.sub_merchant_id,
    merchantTradeNo: row.merchant_trade_no,
    apiVersion: toNumber(row.api_version) as 1 | 2 | 3,
    terminalType: row.terminal_type as TerminalType,
    currency: row.currency,
    orderAmount: toBigInt(row.order_amount),
    fiatCurrency: row.fiat_currency,
    fiatAmount: row.fiat_amount === null ? null : toBigInt(row.fiat_amount),
    status: row.status as OrderStatus,
    description: row.description,
    goods: row.goods_json ? (JSON.parse(row.goods_json) as Order['goods']) : [],
    extra: row.extra_json ? (JSON.parse(row.extra_json) as Record<string, unknown>) : {},
    passThroughInfo: row.pass_through_info,
    webhookUrl: row.webhook_url,
    returnUrl: row.return_url,
    cancelUrl: row.cancel_url,
    supportPayCurrency: row.support_pay_currency ? row.support_pay_currency.split(',') : null,
    profitSharing: toBool(row.profit_sharing),
    linkToken: row.link_token,
    createTimeMs: toNumber(row.create_time_ms),
    expireTimeMs: toNumber(row.expire_time_ms),
    updatedAtMs: toNumber(row.updated_at_ms),
    transactTimeMs: toNumberOrNull(row.transact_time_ms),
    transactionId: row.transaction_id,
    payerBinanceId: row.payer_binance_id === null ? null : String(row.payer_binance_id),
    openUserId: row.open_user_id,
    paymentInfo: row.payment_json ? (JSON.parse(row.payment_json) as PaymentInfo) : null,
    commission: toBigInt(row.commission),
    refundedAmount: toBigInt(row.refunded_amount),
    refundCount: toNumber(row.refund_count),
    closedAtMs: toNumberOrNull(row.closed_at_ms),
  };
}

/** The row of a new order, column by column (insertOrder's statement is compiled once: compiled.ts). */
function orderRow(o: Order): Insertable<OrdersTable> {
  return {
    prepay_id: o.prepayId,
    merchant_id: o.merchantId,
    sub_merchant_id: o.subMerchantId,
    merchant_trade_no: o.merchantTradeNo,
    api_version: o.apiVersion,
    terminal_type: o.terminalType,
    currency: o.currency,
    order_amount: o.orderAmount,
    fiat_currency: o.fiatCurrency,
    fiat_amount: o.fiatAmount,
    status: o.status,
    description: o.description,
    goods_json: JSON.stringify(o.goods),
    extra_json: JSON.stringify(o.extra),
    pass_through_info: o.passThroughInfo,
    webhook_url: o.webhookUrl,
    return_url: o.returnUrl,
    cancel_url: o.cancelUrl,
    support_pay_currency: o.supportPayCurrency ? o.supportPayCurrency.join(',') : null,
    profit_sharing: fromBool(o.profitSharing),
    link_token: o.linkToken,
    create_time_ms: o.createTimeMs,
    expire_time_ms: o.expireTimeMs,
    updated_at_ms: o.updatedAtMs,
  };
}

const ORDER_COLUMNS = Object.keys(orderRow({ goods: [], extra: {}, supportPayCurrency: null, profitSharing: false } as unknown as Order)) as Array<keyof Insertable<OrdersTable>>;

const insertOrderRow = precompiled((q, $) => q.insertInto('orders').values(Object.fromEntries(ORDER_COLUMNS.map((c, i) => [c, $(i)])) as Insertable<OrdersTable>));

export async function insertOrder(q: Queryable, o: Order): Promise<void> {
  const row = orderRow(o);
  await insertOrderRow(
    q,
    ORDER_COLUMNS.map((c) => row[c]),
  );
}

/** Inserts a new order, answering false when a unique key (its merchantTradeNo) is taken. */
export type OrderInserter = (order: Order) => Promise<boolean>;

/**
 * New orders are the hottest write after nonces: those of one event-loop turn go to the database
 * as one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` (batched.ts). A row the statement
 * skipped lost a unique-key race (within the batch too: the first of two wins). Should the
 * statement itself fail (a value a constraint refuses), each order is inserted alone, so only its
 * own caller gets the error.
 */
export function orderInserter(store: Store, options: BatchOptions): OrderInserter {
  return batched(async (items: readonly Order[]) => {
    try {
      const rows = await store.db.insertInto('orders').values(items.map(orderRow)).onConflict((oc) => oc.doNothing()).returning('prepay_id').execute();
      const inserted = new Set(rows.map((r) => r.prepay_id));
      return items.map((o) => inserted.has(o.prepayId));
    } catch {
      return Promise.all(items.map((o) => insertOrder(store.db, o).then(() => true, (error: unknown) => (isUniqueViolation(error) ? false : asError(error)))));
    }
  }, options);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

const selectOrderByPrepayId = precompiled((q, $) => q.selectFrom('orders').selectAll().where('prepay_id', '=', $(0)));

export async function findOrderByPrepayId(q: Queryable, prepayId: string): Promise<Order | undefined> {
  const row = (await selectOrderByPrepayId(q, [prepayId])).rows[0];
  return row ? toOrder(row) : undefined;
}

/** Reads an order by prepayId outside any transaction. */
export type OrderReader = (prepayId: string) => Promise<Order | undefined>;

/**
 * On PostgreSQL the order reads of one event-loop turn share one statement
 * (`prepay_id = any($1)`, batched.ts), as nonces and new orders do: one round trip for many
 * queries. A SQLite read is a synchronous lookup in this process with nothing to share, so each
 * runs alone.
 */
export function orderReader(store: Store, options: BatchOptions): OrderReader {
  if (store.dialect !== 'postgres') return (prepayId) => findOrderByPrepayId(store.db, prepayId);
  return batched(async (prepayIds: readonly string[]) => {
    const unique = [...new Set(prepayIds)];
    let rows: Array<Selectable<OrdersTable>>;
    try {
      rows = await store.db.selectFrom('orders').selectAll().where(sql<boolean>`prepay_id = any(${unique}::text[])`).execute();
    } catch {
      // one value PostgreSQL cannot take (a NUL byte) must not fail the other requests' reads
      return Promise.all(prepayIds.map((id) => findOrderByPrepayId(store.db, id).catch(asError)));
    }
    const byId = new Map(rows.map((row) => [row.prepay_id, row]));
    return prepayIds.map((id) => {
      const row = byId.get(id);
      return row ? toOrder(row) : undefined;
    });
  }, options);
}

export async function findOrderByTradeNo(q: Queryable, merchantId: number, merchantTradeNo: string): Promise<Order | undefined> {
  const row = await q.selectFrom('orders').selectAll().where('merchant_id', '=', merchantId).where('merchant_trade_no', '=', merchantTradeNo).executeTakeFirst();
  return row ? toOrder(row) : undefined;
}

export async function findOrderByLinkToken(q: Queryable, linkToken: string): Promise<Order | undefined> {
  const row = await q.selectFrom('orders').selectAll().where('link_token', '=', linkToken).executeTakeFirst();
  return row ? toOrder(row) : undefined;
}

/** Reads and locks an order for the rest of the transaction (lock what you check). */
export async function lockOrder(tx: Tx, prepayId: string): Promise<Order | undefined> {
  const row = await tx.db
    .selectFrom('orders')
    .selectAll()
    .where('prepay_id', '=', prepayId)
    .$if(tx.dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row ? toOrder(row) : undefined;
}

/** Locks the order of the refund `refundId` (found by the refund's key, so it needs no read of the refund first). */
export async function lockOrderOfRefund(tx: Tx, refundId: string): Promise<Order | undefined> {
  const row = await tx.db
    .selectFrom('orders')
    .selectAll()
    .where('prepay_id', '=', (eb) => eb.selectFrom('refunds').select('prepay_id').where('refund_id', '=', refundId))
    .$if(tx.dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row ? toOrder(row) : undefined;
}

export interface OrderPatch {
  status?: OrderStatus;
  transactTimeMs?: number;
  transactionId?: string;
  payerBinanceId?: string;
  openUserId?: string;
  paymentInfo?: PaymentInfo;
  commission?: bigint;
  refundedAmount?: bigint;
  refundCount?: number;
  closedAtMs?: number;
}

/** Updates a locked order. */
export async function updateOrder(tx: Tx, prepayId: string, patch: OrderPatch, nowMs: number): Promise<void> {
  await tx.db
    .updateTable('orders')
    .set({
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.transactTimeMs !== undefined ? { transact_time_ms: patch.transactTimeMs } : {}),
      ...(patch.transactionId !== undefined ? { transaction_id: patch.transactionId } : {}),
      ...(patch.payerBinanceId !== undefined ? { payer_binance_id: BigInt(patch.payerBinanceId) } : {}),
      ...(patch.openUserId !== undefined ? { open_user_id: patch.openUserId } : {}),
      ...(patch.paymentInfo !== undefined ? { payment_json: JSON.stringify(patch.paymentInfo) } : {}),
      ...(patch.commission !== undefined ? { commission: patch.commission } : {}),
      ...(patch.refundedAmount !== undefined ? { refunded_amount: patch.refundedAmount } : {}),
      ...(patch.refundCount !== undefined ? { refund_count: patch.refundCount } : {}),
      ...(patch.closedAtMs !== undefined ? { closed_at_ms: patch.closedAtMs } : {}),
      updated_at_ms: nowMs,
    })
    .where('prepay_id', '=', prepayId)
    .execute();
}

/** Unpaid orders whose expireTime has passed, oldest first (the expiry sweeper's batch). */
export async function findExpiredCandidates(q: Queryable, nowMs: number, limit: number): Promise<string[]> {
  const rows = await q
    .selectFrom('orders')
    .select('prepay_id')
    .where('status', 'in', ['INITIAL', 'PENDING'])
    .where('expire_time_ms', '<=', nowMs)
    .orderBy('expire_time_ms')
    .limit(limit)
    .execute();
  return rows.map((r) => r.prepay_id);
}

export interface OrderFilter {
  merchantId?: number | undefined;
  status?: OrderStatus | undefined;
  merchantTradeNo?: string | undefined;
  limit: number;
  /** createTime cursor: orders created before this (newest first paging) */
  beforeCreateTimeMs?: number | undefined;
}

export async function listOrders(q: Queryable, f: OrderFilter): Promise<Order[]> {
  let query = q.selectFrom('orders').selectAll().orderBy('create_time_ms', 'desc').orderBy('prepay_id', 'desc').limit(f.limit);
  if (f.merchantId !== undefined) query = query.where('merchant_id', '=', f.merchantId);
  if (f.status !== undefined) query = query.where('status', '=', f.status);
  if (f.merchantTradeNo !== undefined) query = query.where('merchant_trade_no', '=', f.merchantTradeNo);
  if (f.beforeCreateTimeMs !== undefined) query = query.where('create_time_ms', '<', f.beforeCreateTimeMs);
  return (await query.execute()).map(toOrder);
}
