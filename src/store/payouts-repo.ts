import type { Selectable } from 'kysely';
import type { BatchStatus, DetailStatus, Payout, PayoutDetail, ReceiveType, TransferMethod } from '../domain/payout.ts';
import type { Queryable, Tx } from './db.ts';
import { toBigInt, toNumber, toNumberOrNull } from './db.ts';
import type { PayoutDetailsTable, PayoutsTable } from './schema.ts';

function toPayout(r: Selectable<PayoutsTable>): Payout {
  return {
    payoutId: r.payout_id,
    merchantId: toNumber(r.merchant_id),
    requestId: r.request_id,
    requestHash: r.request_hash,
    batchName: r.batch_name,
    bizScene: r.biz_scene,
    currency: r.currency,
    totalAmount: toBigInt(r.total_amount),
    totalNumber: toNumber(r.total_number),
    webhookUrl: r.webhook_url,
    subMerchantId: r.sub_merchant_id,
    status: r.status as BatchStatus,
    createdAtMs: toNumber(r.created_at_ms),
    updatedAtMs: toNumber(r.updated_at_ms),
  };
}

function toDetail(r: Selectable<PayoutDetailsTable>): PayoutDetail {
  return {
    detailId: r.detail_id,
    payoutId: r.payout_id,
    seq: toNumber(r.seq),
    merchantSendId: r.merchant_send_id,
    receiveType: r.receive_type as ReceiveType,
    receiver: r.receiver,
    amount: toBigInt(r.amount),
    transferMethod: r.transfer_method as TransferMethod,
    remark: r.remark,
    extra: r.extra_json ? (JSON.parse(r.extra_json) as Record<string, unknown>) : {},
    status: r.status as DetailStatus,
    failReason: r.fail_reason,
    payeeBinanceId: r.payee_binance_id === null ? null : String(r.payee_binance_id),
    pendingTransferId: r.pending_transfer_id === null ? null : String(r.pending_transfer_id),
    awaitingUntilMs: toNumberOrNull(r.awaiting_until_ms),
    updatedAtMs: toNumber(r.updated_at_ms),
  };
}

export async function insertPayout(q: Queryable, p: Payout): Promise<void> {
  await q
    .insertInto('payouts')
    .values({
      payout_id: p.payoutId,
      merchant_id: p.merchantId,
      request_id: p.requestId,
      request_hash: p.requestHash,
      batch_name: p.batchName,
      biz_scene: p.bizScene,
      currency: p.currency,
      total_amount: p.totalAmount,
      total_number: p.totalNumber,
      webhook_url: p.webhookUrl,
      sub_merchant_id: p.subMerchantId,
      status: p.status,
      created_at_ms: p.createdAtMs,
      updated_at_ms: p.updatedAtMs,
    })
    .execute();
}

export async function insertDetails(q: Queryable, details: PayoutDetail[]): Promise<void> {
  // chunked: SQLite allows a limited number of bound parameters per statement
  for (let i = 0; i < details.length; i += 50) {
    await q
      .insertInto('payout_details')
      .values(
        details.slice(i, i + 50).map((d) => ({
          detail_id: d.detailId,
          payout_id: d.payoutId,
          seq: d.seq,
          merchant_send_id: d.merchantSendId,
          receive_type: d.receiveType,
          receiver: d.receiver,
          amount: d.amount,
          transfer_method: d.transferMethod,
          remark: d.remark,
          extra_json: JSON.stringify(d.extra),
          status: d.status,
          fail_reason: d.failReason,
          payee_binance_id: d.payeeBinanceId === null ? null : BigInt(d.payeeBinanceId),
          pending_transfer_id: d.pendingTransferId === null ? null : BigInt(d.pendingTransferId),
          awaiting_until_ms: d.awaitingUntilMs,
          updated_at_ms: d.updatedAtMs,
        })),
      )
      .execute();
  }
}

export async function findPayoutByRequestId(q: Queryable, merchantId: number, requestId: string): Promise<Payout | undefined> {
  const row = await q.selectFrom('payouts').selectAll().where('merchant_id', '=', merchantId).where('request_id', '=', requestId).executeTakeFirst();
  return row ? toPayout(row) : undefined;
}

export async function findPayout(q: Queryable, payoutId: string): Promise<Payout | undefined> {
  const row = await q.selectFrom('payouts').selectAll().where('payout_id', '=', payoutId).executeTakeFirst();
  return row ? toPayout(row) : undefined;
}

/** Reads and locks a payout batch (its details change only under this lock). */
export async function lockPayout(tx: Tx, payoutId: string): Promise<Payout | undefined> {
  const row = await tx.db
    .selectFrom('payouts')
    .selectAll()
    .where('payout_id', '=', payoutId)
    .$if(tx.dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return row ? toPayout(row) : undefined;
}

export async function detailsOf(q: Queryable, payoutId: string): Promise<PayoutDetail[]> {
  return (await q.selectFrom('payout_details').selectAll().where('payout_id', '=', payoutId).orderBy('seq').execute()).map(toDetail);
}

export async function setPayoutStatus(q: Queryable, payoutId: string, status: BatchStatus, nowMs: number): Promise<void> {
  await q.updateTable('payouts').set({ status, updated_at_ms: nowMs }).where('payout_id', '=', payoutId).execute();
}

export interface DetailPatch {
  status: DetailStatus;
  failReason?: string | null;
  payeeBinanceId?: string | null;
  awaitingUntilMs?: number | null;
}

export async function updateDetail(q: Queryable, detailId: string, patch: DetailPatch, nowMs: number): Promise<void> {
  await q
    .updateTable('payout_details')
    .set({
      status: patch.status,
      ...(patch.failReason !== undefined ? { fail_reason: patch.failReason } : {}),
      ...(patch.payeeBinanceId !== undefined ? { payee_binance_id: patch.payeeBinanceId === null ? null : BigInt(patch.payeeBinanceId) } : {}),
      ...(patch.awaitingUntilMs !== undefined ? { awaiting_until_ms: patch.awaitingUntilMs } : {}),
      updated_at_ms: nowMs,
    })
    .where('detail_id', '=', detailId)
    .execute();
}

export async function payoutIdsWithStatus(q: Queryable, status: BatchStatus, limit: number): Promise<string[]> {
  const rows = await q.selectFrom('payouts').select('payout_id').where('status', '=', status).orderBy('created_at_ms').limit(limit).execute();
  return rows.map((r) => r.payout_id);
}

/** Payouts with email details waiting for `email`, or whose claim window ended by `nowMs`. */
export async function awaitingPayoutIds(q: Queryable, f: { email?: string; expiredBy?: number }, limit: number): Promise<string[]> {
  let query = q.selectFrom('payout_details').select('payout_id').distinct().where('status', '=', 'AWAITING_RECEIPT');
  if (f.email !== undefined) query = query.where('receiver', '=', f.email);
  if (f.expiredBy !== undefined) query = query.where('awaiting_until_ms', '<=', f.expiredBy);
  return (await query.limit(limit).execute()).map((r) => r.payout_id);
}

export async function listPayouts(q: Queryable, f: { merchantId?: number | undefined; requestId?: string | undefined; limit: number }): Promise<Payout[]> {
  let query = q.selectFrom('payouts').selectAll().orderBy('created_at_ms', 'desc').limit(f.limit);
  if (f.merchantId !== undefined) query = query.where('merchant_id', '=', f.merchantId);
  if (f.requestId !== undefined) query = query.where('request_id', '=', f.requestId);
  return (await query.execute()).map(toPayout);
}
