import type { Selectable } from 'kysely';
import type { Refund, RefundStatus } from '../domain/refund.ts';
import type { Queryable } from './db.ts';
import { toBigInt, toNumber } from './db.ts';
import type { RefundsTable } from './schema.ts';

function toRefund(r: Selectable<RefundsTable>): Refund {
  return {
    refundId: r.refund_id,
    merchantId: toNumber(r.merchant_id),
    refundRequestId: r.refund_request_id,
    prepayId: r.prepay_id,
    requestHash: r.request_hash,
    requestedAmount: toBigInt(r.requested_amount),
    refundAmount: toBigInt(r.refund_amount),
    refundedTotal: toBigInt(r.refunded_total),
    remainingAttempts: toNumber(r.remaining_attempts),
    currency: r.currency,
    refundReason: r.refund_reason,
    webhookUrl: r.webhook_url,
    status: r.status as RefundStatus,
    pendingTransferId: r.pending_transfer_id === null ? null : String(r.pending_transfer_id),
    createdAtMs: toNumber(r.created_at_ms),
    updatedAtMs: toNumber(r.updated_at_ms),
  };
}

export async function insertRefund(q: Queryable, r: Refund): Promise<void> {
  await q
    .insertInto('refunds')
    .values({
      refund_id: r.refundId,
      merchant_id: r.merchantId,
      refund_request_id: r.refundRequestId,
      prepay_id: r.prepayId,
      request_hash: r.requestHash,
      requested_amount: r.requestedAmount,
      refund_amount: r.refundAmount,
      refunded_total: r.refundedTotal,
      remaining_attempts: r.remainingAttempts,
      currency: r.currency,
      refund_reason: r.refundReason,
      webhook_url: r.webhookUrl,
      status: r.status,
      pending_transfer_id: r.pendingTransferId === null ? null : BigInt(r.pendingTransferId),
      created_at_ms: r.createdAtMs,
      updated_at_ms: r.updatedAtMs,
    })
    .execute();
}

export async function findRefundByRequestId(q: Queryable, merchantId: number, refundRequestId: string): Promise<Refund | undefined> {
  const row = await q.selectFrom('refunds').selectAll().where('merchant_id', '=', merchantId).where('refund_request_id', '=', refundRequestId).executeTakeFirst();
  return row ? toRefund(row) : undefined;
}

export async function findRefund(q: Queryable, refundId: string): Promise<Refund | undefined> {
  const row = await q.selectFrom('refunds').selectAll().where('refund_id', '=', refundId).executeTakeFirst();
  return row ? toRefund(row) : undefined;
}

export async function refundsOfOrder(q: Queryable, prepayId: string): Promise<Refund[]> {
  return (await q.selectFrom('refunds').selectAll().where('prepay_id', '=', prepayId).orderBy('created_at_ms').orderBy('refund_id').execute()).map(toRefund);
}

export async function pendingRefundIds(q: Queryable, createdBeforeMs: number, limit: number): Promise<string[]> {
  const rows = await q
    .selectFrom('refunds')
    .select('refund_id')
    .where('status', '=', 'REFUND_PENDING')
    .where('created_at_ms', '<=', createdBeforeMs)
    .orderBy('created_at_ms')
    .limit(limit)
    .execute();
  return rows.map((r) => r.refund_id);
}

export async function setRefundStatus(q: Queryable, refundId: string, status: RefundStatus, nowMs: number): Promise<void> {
  await q.updateTable('refunds').set({ status, updated_at_ms: nowMs }).where('refund_id', '=', refundId).execute();
}

export async function listRefunds(q: Queryable, f: { merchantId?: number | undefined; prepayId?: string | undefined; status?: RefundStatus | undefined; limit: number }): Promise<Refund[]> {
  let query = q.selectFrom('refunds').selectAll().orderBy('created_at_ms', 'desc').limit(f.limit);
  if (f.merchantId !== undefined) query = query.where('merchant_id', '=', f.merchantId);
  if (f.prepayId !== undefined) query = query.where('prepay_id', '=', f.prepayId);
  if (f.status !== undefined) query = query.where('status', '=', f.status);
  return (await query.execute()).map(toRefund);
}
