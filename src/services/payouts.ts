/**
 * Batch payouts (fact sheet §3.8–3.10, §4.3). Acceptance reserves each detail's money with a pending
 * ledger transfer into the platform escrow (details the wallet cannot cover FAIL at once); the payout
 * worker then pays each receiver (post the reservation, escrow → payer) or releases it (void):
 * BINANCE_ID/PAY_ID receivers are paid or FAIL, EMAIL receivers without an account wait
 * (AWAITING_RECEIPT) until a payer with that email appears or 72 h pass (REFUNDED).
 */
import { Errors, fail } from '../domain/errors.ts';
import { merchantAccount, payerAccount, platformAccount, type AccountRef } from '../domain/ledger.ts';
import type { Merchant } from '../domain/merchant.ts';
import {
  EMAIL_CLAIM_WINDOW_MS,
  finalBatchStatus,
  MAX_TRANSFER_USD,
  type DetailStatus,
  type Payout,
  type PayoutDetail,
  type ReceiveType,
  type TransferMethod,
} from '../domain/payout.ts';
import { convertAmount, formatAmount, formatAmountTrimmed, MAX_AMOUNT, type Amount } from '../lib/amount.ts';
import { lockBalance, post, resolvePending, roomLeft } from '../ledger/ledger.ts';
import { enqueue } from '../outbox/enqueue.ts';
import { withTransaction, type Tx } from '../store/db.ts';
import { findMerchant } from '../store/merchants-repo.ts';
import { findPayer, findPayerByEmail } from '../store/payers-repo.ts';
import * as repo from '../store/payouts-repo.ts';
import type { ServiceDeps } from './deps.ts';
import { inputHash, once } from './idempotency.ts';
import { payoutEventData, payoutNonBinanceEventData } from './payout-events.ts';
import { hasRate, isSupportedAsset } from './rates.ts';
import { requireSubMerchant } from './sub-merchants.ts';

export interface PayoutDetailInput {
  merchantSendId: string;
  receiveType: ReceiveType;
  receiver: string;
  transferAmount: Amount;
  transferMethod: TransferMethod;
  remark?: string | undefined;
  extra: Record<string, unknown>;
}

export interface PayoutInput {
  requestId: string;
  bizScene: string;
  batchName: string;
  currency: string;
  totalAmount: Amount;
  totalNumber: number;
  details: PayoutDetailInput[];
  webhookUrl?: string | undefined;
  subMerchantId?: string | undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function validate(deps: ServiceDeps, input: PayoutInput): void {
  if (!isSupportedAsset(deps, input.currency)) fail(Errors.INVALID_PARAM_WRONG_VALUE, `currency ${input.currency} is not supported`);
  if (input.details.length !== input.totalNumber) {
    fail(Errors.INVALID_PARAM_WRONG_VALUE, `totalNumber ${input.totalNumber} does not match the ${input.details.length} entries of transferDetailList`);
  }
  const sum = input.details.reduce((acc, d) => acc + d.transferAmount, 0n);
  if (sum !== input.totalAmount) {
    fail(Errors.INVALID_PARAM_WRONG_VALUE, `totalAmount ${formatAmount(input.totalAmount)} does not match the sum of transferAmount ${formatAmount(sum)}`);
  }
  const seen = new Set<string>();
  const limit = hasRate(deps, input.currency) ? convertAmount(BigInt(MAX_TRANSFER_USD) * 100_000_000n, deps.settings.rates.USD ?? '1', deps.settings.rates[input.currency] ?? '1', 'DOWN') : undefined;
  input.details.forEach((d, i) => {
    const where = `transferDetailList[${i}]`;
    if (seen.has(d.merchantSendId)) fail(Errors.INVALID_PARAM_WRONG_VALUE, `${where}.merchantSendId ${d.merchantSendId} is not unique in this batch`);
    seen.add(d.merchantSendId);
    if (d.receiveType === 'EMAIL' ? !EMAIL.test(d.receiver) : !/^\d{1,18}$/.test(d.receiver)) {
      fail(Errors.INVALID_PARAM_WRONG_VALUE, `${where}.receiver must be ${d.receiveType === 'EMAIL' ? 'an email address' : 'a numeric Binance ID'} for receiveType ${d.receiveType}`);
    }
    if (limit !== undefined && d.transferAmount > limit) {
      fail(Errors.INVALID_PARAM_WRONG_VALUE, `${where}.transferAmount exceeds the per-transfer limit of ${MAX_TRANSFER_USD} USD (${formatAmount(limit)} ${input.currency})`);
    }
  });
}

/** The wallet a detail is paid from: the sub-merchant's when a partner pays out for one (2025-02, fact sheet §3.8). */
function sourceAccount(payout: Pick<Payout, 'merchantId' | 'currency' | 'subMerchantId'>, method: TransferMethod): AccountRef {
  return merchantAccount(payout.subMerchantId ?? payout.merchantId, payout.currency, method === 'SPOT_WALLET' ? 'SPOT' : 'FUNDING');
}

export async function createPayout(deps: ServiceDeps, merchant: Merchant, input: PayoutInput): Promise<{ payout: Payout; duplicate: boolean }> {
  validate(deps, input);
  if (input.subMerchantId !== undefined) await requireSubMerchant(deps, merchant, input.subMerchantId);
  const hash = inputHash(input);
  // requestId reuse: the same batch again is answered as first time (a safe retry); a different one is refused
  return once({
    key: `requestId ${input.requestId}`,
    hash,
    find: () => repo.findPayoutByRequestId(deps.store.db, merchant.merchantId, input.requestId),
    create: () => withTransaction(deps.store, (tx) => acceptPayout(deps, tx, merchant, input, hash)),
    replay: (payout) => ({ payout, duplicate: true }),
  });
}

async function acceptPayout(deps: ServiceDeps, tx: Tx, merchant: Merchant, input: PayoutInput, hash: string): Promise<{ payout: Payout; duplicate: boolean }> {
  const nowMs = deps.clock.now();
  const payout: Payout = {
    payoutId: deps.ids.next(),
    merchantId: merchant.merchantId,
    requestId: input.requestId,
    requestHash: hash,
    batchName: input.batchName,
    bizScene: input.bizScene,
    currency: input.currency,
    totalAmount: input.totalAmount,
    totalNumber: input.totalNumber,
    webhookUrl: input.webhookUrl ?? null,
    subMerchantId: input.subMerchantId ?? null,
    status: 'ACCEPTED',
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await repo.insertPayout(tx.db, payout);

  // Lock each source wallet once and reserve greedily in detail order; what does not fit fails now.
  const available = new Map<TransferMethod, Amount>();
  for (const method of new Set(input.details.map((d) => d.transferMethod))) {
    available.set(method, (await lockBalance(tx, sourceAccount(payout, method), nowMs)).available);
  }
  const details: PayoutDetail[] = input.details.map((d, seq) => {
    const left = available.get(d.transferMethod) ?? 0n;
    const covered = d.transferAmount <= left;
    if (covered) available.set(d.transferMethod, left - d.transferAmount);
    return {
      detailId: deps.ids.next(),
      payoutId: payout.payoutId,
      seq,
      merchantSendId: d.merchantSendId,
      receiveType: d.receiveType,
      receiver: d.receiveType === 'EMAIL' ? d.receiver.toLowerCase() : d.receiver,
      amount: d.transferAmount,
      transferMethod: d.transferMethod,
      remark: d.remark ?? null,
      extra: d.extra,
      status: covered ? 'PROCESSING' : 'FAIL',
      failReason: covered ? null : `insufficient ${d.transferMethod === 'SPOT_WALLET' ? 'spot' : 'funding'} wallet balance`,
      payeeBinanceId: null,
      pendingTransferId: null,
      awaitingUntilMs: null,
      updatedAtMs: nowMs,
    };
  });
  const reserving = details.filter((d) => d.status === 'PROCESSING');
  const posted = await post(
    tx,
    reserving.map((d) => ({ debit: sourceAccount(payout, d.transferMethod), credit: platformAccount('ESCROW', payout.currency), amount: d.amount, kind: 'PAYOUT' as const, refType: 'payout', refId: payout.payoutId, memo: `detail ${d.detailId}`, pending: true })),
    nowMs,
  );
  reserving.forEach((d, i) => (d.pendingTransferId = posted[i]?.id ?? null));
  await repo.insertDetails(tx.db, details);
  return { payout, duplicate: false };
}

/** Pays or releases one detail under the payout lock; returns its new status. */
async function settleDetail(deps: ServiceDeps, tx: Tx, payout: Payout, detail: PayoutDetail, nowMs: number): Promise<DetailStatus> {
  if (detail.pendingTransferId === null) return detail.status;
  const payer = detail.receiveType === 'EMAIL' ? await findPayerByEmail(tx.db, detail.receiver) : await findPayer(tx.db, detail.receiver);
  if (payer && roomLeft(await lockBalance(tx, payerAccount(payer.binanceId, payout.currency), nowMs)) < detail.amount) {
    await resolvePending(tx, detail.pendingTransferId, 'VOID', nowMs);
    await repo.updateDetail(tx.db, detail.detailId, { status: 'FAIL', failReason: `the receiver's funding wallet cannot hold more than ${formatAmountTrimmed(MAX_AMOUNT)} ${payout.currency}` }, nowMs);
    return 'FAIL';
  }
  if (payer) {
    await resolvePending(tx, detail.pendingTransferId, 'POST', nowMs);
    await post(tx, [{ debit: platformAccount('ESCROW', payout.currency), credit: payerAccount(payer.binanceId, payout.currency), amount: detail.amount, kind: 'PAYOUT', refType: 'payout', refId: payout.payoutId, memo: `detail ${detail.detailId}` }], nowMs);
    await repo.updateDetail(tx.db, detail.detailId, { status: 'SUCCESS', payeeBinanceId: payer.binanceId, awaitingUntilMs: null }, nowMs);
    return 'SUCCESS';
  }
  if (detail.receiveType !== 'EMAIL') {
    await resolvePending(tx, detail.pendingTransferId, 'VOID', nowMs);
    await repo.updateDetail(tx.db, detail.detailId, { status: 'FAIL', failReason: `no Binance user with ${detail.receiveType} ${detail.receiver}` }, nowMs);
    return 'FAIL';
  }
  const until = detail.awaitingUntilMs ?? payout.createdAtMs + EMAIL_CLAIM_WINDOW_MS;
  if (nowMs >= until) {
    await resolvePending(tx, detail.pendingTransferId, 'VOID', nowMs);
    await repo.updateDetail(tx.db, detail.detailId, { status: 'REFUNDED', failReason: 'receiver did not register within 72 hours' }, nowMs);
    return 'REFUNDED';
  }
  if (detail.status !== 'AWAITING_RECEIPT') await repo.updateDetail(tx.db, detail.detailId, { status: 'AWAITING_RECEIPT', awaitingUntilMs: until }, nowMs);
  return 'AWAITING_RECEIPT';
}

/** One pass over a batch: settle open details, move the batch on, enqueue what Binance notifies. */
async function advancePayout(deps: ServiceDeps, payoutId: string): Promise<void> {
  await withTransaction(deps.store, async (tx) => {
    const nowMs = deps.clock.now();
    const payout = await repo.lockPayout(tx, payoutId);
    if (!payout || !['ACCEPTED', 'PROCESSING'].includes(payout.status)) return;
    const merchant = await findMerchant(tx.db, payout.merchantId);
    const target = payout.webhookUrl ?? merchant?.webhookUrl ?? null;
    const details = await repo.detailsOf(tx.db, payoutId);
    for (const d of details) {
      if (d.status !== 'PROCESSING' && d.status !== 'AWAITING_RECEIPT') continue;
      const status = await settleDetail(deps, tx, payout, d, nowMs);
      if (status !== d.status && d.receiveType === 'EMAIL' && (status === 'SUCCESS' || status === 'REFUNDED')) {
        const settled = { ...d, status };
        await enqueue(tx, { merchantId: payout.merchantId, bizType: 'PAYOUT_NON_BN', bizId: payout.payoutId, bizStatus: status, data: payoutNonBinanceEventData(payout, settled), webhookUrl: target, refType: 'payout', refId: payout.payoutId }, nowMs);
      }
      d.status = status;
    }
    const final = finalBatchStatus(details);
    const next = final ?? 'PROCESSING';
    if (next !== payout.status) await repo.setPayoutStatus(tx.db, payoutId, next, nowMs);
    if (final) {
      await enqueue(tx, { merchantId: payout.merchantId, bizType: 'PAYOUT', bizId: payout.payoutId, bizStatus: final, data: payoutEventData({ ...payout, status: final }), webhookUrl: target, refType: 'payout', refId: payout.payoutId }, nowMs);
    }
  });
}

/** The payout worker: new batches, email receivers who registered, claim windows that ended. */
export async function processPayouts(deps: ServiceDeps, batchSize = 50): Promise<number> {
  const nowMs = deps.clock.now();
  const ids = new Set([
    ...(await repo.payoutIdsWithStatus(deps.store.db, 'ACCEPTED', batchSize)),
    ...(await repo.awaitingPayoutIds(deps.store.db, { expiredBy: nowMs }, batchSize)),
    ...(await awaitingWithRegisteredReceiver(deps, batchSize)),
  ]);
  for (const id of ids) await advancePayout(deps, id);
  return ids.size;
}

async function awaitingWithRegisteredReceiver(deps: ServiceDeps, limit: number): Promise<string[]> {
  const rows = await deps.store.db
    .selectFrom('payout_details as d')
    .innerJoin('payers as p', 'p.email', 'd.receiver')
    .select('d.payout_id')
    .distinct()
    .where('d.status', '=', 'AWAITING_RECEIPT')
    .limit(limit)
    .execute();
  return rows.map((r) => r.payout_id);
}

/** A payer with this email just appeared: pay what waits for it now rather than at the next tick. */
export async function claimEmailPayouts(deps: ServiceDeps, email: string): Promise<void> {
  for (const id of await repo.awaitingPayoutIds(deps.store.db, { email: email.toLowerCase() }, 500)) await advancePayout(deps, id);
}

export async function queryPayout(deps: ServiceDeps, merchant: Merchant, requestId: string, statuses: DetailStatus[] | 'ALL'): Promise<{ payout: Payout; details: PayoutDetail[] }> {
  const payout = await repo.findPayoutByRequestId(deps.store.db, merchant.merchantId, requestId);
  if (!payout) fail(Errors.INVALID_PARAM_WRONG_VALUE, `requestId ${requestId} not found`);
  const details = await repo.detailsOf(deps.store.db, payout.payoutId);
  return { payout, details: statuses === 'ALL' ? details : details.filter((d) => statuses.includes(d.status)) };
}

/** Validate receiver (fact sheet §3.10): true when a Binance user matches (and the optional email matches too). */
export async function checkReceiver(deps: ServiceDeps, input: { receiverId: string; registrationEmail?: string | undefined }): Promise<boolean> {
  if (!/^\d{1,18}$/.test(input.receiverId)) return false;
  const payer = await findPayer(deps.store.db, input.receiverId);
  if (!payer) return false;
  if (input.registrationEmail !== undefined && payer.email !== input.registrationEmail.toLowerCase()) return false;
  return true;
}

export async function getPayout(deps: ServiceDeps, payoutId: string): Promise<{ payout: Payout; details: PayoutDetail[] }> {
  const payout = await repo.findPayout(deps.store.db, payoutId);
  if (!payout) fail(Errors.NOT_FOUND, `payout ${payoutId} not found`);
  return { payout, details: await repo.detailsOf(deps.store.db, payoutId) };
}

export function listPayouts(deps: ServiceDeps, filter: { merchantId?: number | undefined; requestId?: string | undefined; limit?: number }): Promise<Payout[]> {
  return repo.listPayouts(deps.store.db, { merchantId: filter.merchantId, requestId: filter.requestId, limit: Math.min(filter.limit ?? 50, 500) });
}
