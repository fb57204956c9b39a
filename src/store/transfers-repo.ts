import type { TransferStatus, TransferType, WalletTransfer } from '../domain/transfer.ts';
import type { Queryable } from './db.ts';
import { toBigInt, toNumber } from './db.ts';

export type { TransferStatus, TransferType, WalletTransfer };

export async function insertTransfer(q: Queryable, t: WalletTransfer): Promise<void> {
  await q
    .insertInto('wallet_transfers')
    .values({
      tran_id: t.tranId,
      merchant_id: t.merchantId,
      request_hash: t.requestHash,
      currency: t.currency,
      amount: t.amount,
      amount_text: t.amountText,
      transfer_type: t.transferType,
      status: t.status,
      fail_reason: t.failReason,
      created_at_ms: t.createdAtMs,
    })
    .execute();
}

export async function findTransfer(q: Queryable, merchantId: number, tranId: string): Promise<WalletTransfer | undefined> {
  const r = await q.selectFrom('wallet_transfers').selectAll().where('merchant_id', '=', merchantId).where('tran_id', '=', tranId).executeTakeFirst();
  if (!r) return undefined;
  return {
    tranId: r.tran_id,
    merchantId: toNumber(r.merchant_id),
    requestHash: r.request_hash,
    currency: r.currency,
    amount: toBigInt(r.amount),
    amountText: r.amount_text,
    transferType: r.transfer_type as TransferType,
    status: r.status as TransferStatus,
    failReason: r.fail_reason,
    createdAtMs: toNumber(r.created_at_ms),
  };
}
