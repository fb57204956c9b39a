import type { Selectable } from 'kysely';
import type { Split, SplitDetail, SplitDetailStatusValue, SplitReturn } from '../domain/profit-sharing.ts';
import type { Queryable } from './db.ts';
import { toBigInt, toNumber, toNumberOrNull } from './db.ts';
import type { PsReturnsTable } from './schema.ts';

export async function addReceiver(q: Queryable, merchantId: number, account: string, nowMs: number): Promise<void> {
  await q
    .insertInto('ps_receivers')
    .values({ merchant_id: merchantId, account, created_at_ms: nowMs })
    .onConflict((oc) => oc.columns(['merchant_id', 'account']).doNothing())
    .execute();
}

export async function deleteReceiver(q: Queryable, merchantId: number, account: string): Promise<boolean> {
  const r = await q.deleteFrom('ps_receivers').where('merchant_id', '=', merchantId).where('account', '=', account).executeTakeFirst();
  return (r.numDeletedRows ?? 0n) > 0n;
}

export async function receiverAccounts(q: Queryable, merchantId: number, accounts: string[]): Promise<Set<string>> {
  if (accounts.length === 0) return new Set();
  const rows = await q.selectFrom('ps_receivers').select('account').where('merchant_id', '=', merchantId).where('account', 'in', accounts).execute();
  return new Set(rows.map((r) => r.account));
}

export async function pageReceivers(q: Queryable, merchantId: number, offset: number, limit: number): Promise<{ accounts: string[]; total: number }> {
  const rows = await q.selectFrom('ps_receivers').select('account').where('merchant_id', '=', merchantId).orderBy('created_at_ms').orderBy('account').offset(offset).limit(limit).execute();
  const count = await q.selectFrom('ps_receivers').select((eb) => eb.fn.countAll().as('n')).where('merchant_id', '=', merchantId).executeTakeFirstOrThrow();
  return { accounts: rows.map((r) => r.account), total: toNumber(count.n) };
}

export async function insertSplit(q: Queryable, s: Split): Promise<void> {
  await q
    .insertInto('ps_splits')
    .values({
      split_order_no: s.splitOrderNo,
      merchant_id: s.merchantId,
      merchant_request_id: s.merchantRequestId,
      prepay_id: s.prepayId,
      request_hash: s.requestHash,
      status: s.status,
      total_amount: s.totalAmount,
      created_at_ms: s.createdAtMs,
      finished_at_ms: s.finishedAtMs,
    })
    .execute();
  for (const [seq, d] of s.details.entries()) {
    await q
      .insertInto('ps_split_details')
      .values({
        detail_id: d.detailId,
        split_order_no: s.splitOrderNo,
        seq,
        account: d.account,
        amount: d.amount,
        description: d.description,
        webhook_url: d.webhookUrl,
        status: d.status,
        fail_reason: d.failReason,
        returned_amount: d.returnedAmount,
        finished_at_ms: d.finishedAtMs,
      })
      .execute();
  }
}

async function loadSplit(q: Queryable, where: { merchantId: number; merchantRequestId?: string; splitOrderNo?: string }): Promise<Split | undefined> {
  let query = q.selectFrom('ps_splits').selectAll().where('merchant_id', '=', where.merchantId);
  if (where.merchantRequestId !== undefined) query = query.where('merchant_request_id', '=', where.merchantRequestId);
  if (where.splitOrderNo !== undefined) query = query.where('split_order_no', '=', where.splitOrderNo);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const details = await q.selectFrom('ps_split_details').selectAll().where('split_order_no', '=', row.split_order_no).orderBy('seq').execute();
  return {
    splitOrderNo: row.split_order_no,
    merchantId: toNumber(row.merchant_id),
    merchantRequestId: row.merchant_request_id,
    prepayId: row.prepay_id,
    requestHash: row.request_hash,
    status: toNumber(row.status),
    totalAmount: toBigInt(row.total_amount),
    createdAtMs: toNumber(row.created_at_ms),
    finishedAtMs: toNumberOrNull(row.finished_at_ms),
    details: details.map(
      (d): SplitDetail => ({
        detailId: d.detail_id,
        account: d.account,
        amount: toBigInt(d.amount),
        description: d.description,
        webhookUrl: d.webhook_url,
        status: toNumber(d.status) as SplitDetailStatusValue,
        failReason: d.fail_reason,
        returnedAmount: toBigInt(d.returned_amount),
        finishedAtMs: toNumberOrNull(d.finished_at_ms),
      }),
    ),
  };
}

export function findSplitByRequestId(q: Queryable, merchantId: number, merchantRequestId: string): Promise<Split | undefined> {
  return loadSplit(q, { merchantId, merchantRequestId });
}

export function findSplitByNo(q: Queryable, merchantId: number, splitOrderNo: string): Promise<Split | undefined> {
  return loadSplit(q, { merchantId, splitOrderNo });
}

/** Money an order has shared out and not got back: Σ finished splits − Σ successful returns. */
export async function sharedOutOf(q: Queryable, prepayId: string): Promise<bigint> {
  const split = await q.selectFrom('ps_splits').select((eb) => eb.fn.sum<string | number | bigint>('total_amount').as('n')).where('prepay_id', '=', prepayId).executeTakeFirst();
  const returned = await q
    .selectFrom('ps_returns')
    .select((eb) => eb.fn.sum<string | number | bigint>('return_amount').as('n'))
    .where('prepay_id', '=', prepayId)
    .where('status', '=', 2)
    .executeTakeFirst();
  return toBigInt(split?.n ?? 0) - toBigInt(returned?.n ?? 0);
}

export async function addReturned(q: Queryable, detailId: string, returnedAmount: bigint): Promise<void> {
  await q.updateTable('ps_split_details').set({ returned_amount: returnedAmount }).where('detail_id', '=', detailId).execute();
}

function toReturn(r: Selectable<PsReturnsTable>): SplitReturn {
  return {
    returnOrderNo: r.return_order_no,
    merchantId: toNumber(r.merchant_id),
    merchantReturnNo: r.merchant_return_no,
    prepayId: r.prepay_id,
    splitOrderNo: r.split_order_no,
    originMerchantRequestId: r.origin_merchant_request_id,
    transferOutAccount: r.transfer_out_account,
    returnAmount: toBigInt(r.return_amount),
    description: r.description,
    webhookUrl: r.webhook_url,
    requestHash: r.request_hash,
    status: toNumber(r.status) as SplitDetailStatusValue,
    failReason: r.fail_reason,
    createdAtMs: toNumber(r.created_at_ms),
    finishedAtMs: toNumberOrNull(r.finished_at_ms),
  };
}

export async function insertReturn(q: Queryable, r: SplitReturn): Promise<void> {
  await q
    .insertInto('ps_returns')
    .values({
      return_order_no: r.returnOrderNo,
      merchant_id: r.merchantId,
      merchant_return_no: r.merchantReturnNo,
      prepay_id: r.prepayId,
      split_order_no: r.splitOrderNo,
      origin_merchant_request_id: r.originMerchantRequestId,
      transfer_out_account: r.transferOutAccount,
      return_amount: r.returnAmount,
      description: r.description,
      webhook_url: r.webhookUrl,
      request_hash: r.requestHash,
      status: r.status,
      fail_reason: r.failReason,
      created_at_ms: r.createdAtMs,
      finished_at_ms: r.finishedAtMs,
    })
    .execute();
}

export async function findReturn(q: Queryable, merchantId: number, merchantReturnNo: string): Promise<SplitReturn | undefined> {
  const row = await q.selectFrom('ps_returns').selectAll().where('merchant_id', '=', merchantId).where('merchant_return_no', '=', merchantReturnNo).executeTakeFirst();
  return row ? toReturn(row) : undefined;
}
