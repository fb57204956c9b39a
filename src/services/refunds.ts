/**
 * Refunds (fact sheet §3.5, §3.6, §4.2, §7.4). The refund API reserves the money at once with a
 * pending ledger transfer (merchant → payer), so an uncovered refund fails with 400304 and parallel
 * refunds can never overdraw; the order goes REFUNDING and the refund REFUND_PENDING. The refund
 * worker then posts it (REFUND_SUCCESS) — or an operator rejects it (voided, REFUND_REJECTED) — and
 * the PAY_REFUND notification is enqueued with the change.
 */
import { AppError, Errors, fail } from '../domain/errors.ts';
import { merchantAccount, payerAccount } from '../domain/ledger.ts';
import type { Merchant } from '../domain/merchant.ts';
import { effectiveStatus, settlementMerchantId, type Order, type OrderStatus } from '../domain/order.ts';
import { REFUND_ATTEMPTS, type Refund } from '../domain/refund.ts';
import { formatAmount, type Amount } from '../lib/amount.ts';
import { InsufficientFundsError } from '../ledger/errors.ts';
import { post, preparePendingResolution } from '../ledger/ledger.ts';
import { enqueue } from '../outbox/enqueue.ts';
import { lockThen, together, withTransaction, type Tx } from '../store/db.ts';
import { findMerchant } from '../store/merchants-repo.ts';
import * as orders from '../store/orders-repo.ts';
import * as repo from '../store/refunds-repo.ts';
import type { ServiceDeps } from './deps.ts';
import { inputHash, once, sameRequest } from './idempotency.ts';
import { webhookTarget } from './orders.ts';
import { refundEventData } from './refund-events.ts';

export interface RefundInput {
  refundRequestId: string;
  prepayId: string;
  refundAmount: Amount;
  refundReason?: string | undefined;
  webhookUrl?: string | undefined;
}

export interface RefundOutcome {
  refund: Refund;
  order: Order;
  /** true when this refundRequestId was seen before (fact sheet §3.5 duplicateRequest "Y") */
  duplicate: boolean;
}

const REFUNDABLE: OrderStatus[] = ['PAID', 'REFUNDING', 'REFUNDED'];


function missingOrderOf(refund: Refund): never {
  throw new Error(`order ${refund.prepayId} of refund ${refund.refundId} is missing`);
}

/** A refundRequestId used again: the same request is answered as it was; a different one is refused. */
function reuseOf(existing: Refund, hash: string): Refund {
  return sameRequest(existing, hash, `refundRequestId ${existing.refundRequestId}`);
}

async function replay(deps: ServiceDeps, refund: Refund): Promise<RefundOutcome> {
  const order = await orders.findOrderByPrepayId(deps.store.db, refund.prepayId);
  return { refund, order: order ?? missingOrderOf(refund), duplicate: true };
}

/** The status an order has once its refunds are what they are (fact sheet §4.1). */
function statusAfterRefunds(order: Order, refundedAmount: Amount, pending: boolean): OrderStatus {
  if (pending) return 'REFUNDING';
  if (refundedAmount === 0n) return 'PAID';
  return refundedAmount === order.orderAmount ? 'FULL_REFUNDED' : 'REFUNDED';
}

export async function refundOrder(deps: ServiceDeps, merchant: Merchant, input: RefundInput): Promise<RefundOutcome> {
  const hash = inputHash(input);
  return once({
    key: `refundRequestId ${input.refundRequestId}`,
    hash,
    // a retried request is recognised inside the transaction, by the read that goes out with the order's lock
    lookFirst: false,
    find: () => repo.findRefundByRequestId(deps.store.db, merchant.merchantId, input.refundRequestId),
    create: () => withTransaction(deps.store, (tx) => createRefund(deps, tx, merchant, input, hash)),
    replay: (refund) => replay(deps, refund),
  });
}

async function createRefund(deps: ServiceDeps, tx: Tx, merchant: Merchant, input: RefundInput, hash: string): Promise<RefundOutcome> {
  const nowMs = deps.clock.now();
  // the request id is re-checked under the order's lock: parallel retries of one refund serialise here
  const [order, seen] = await lockThen(orders.lockOrder(tx, input.prepayId), repo.findRefundByRequestId(tx.db, merchant.merchantId, input.refundRequestId));
  // the same request again names the same order, so `order` is the refund's
  if (seen) return { refund: reuseOf(seen, hash), order: order ?? missingOrderOf(seen), duplicate: true };
  if (!order || order.merchantId !== merchant.merchantId) fail(Errors.INVALID_PREPAY_ID, `prepayId ${input.prepayId} is not an order of this merchant`);

  const status = effectiveStatus(order, nowMs);
  if (order.refundCount >= REFUND_ATTEMPTS) fail(Errors.TOO_MANY_REFUND_ATTEMPTS, `Refund attempts more than ${REFUND_ATTEMPTS} times for order ${order.prepayId}.`);
  if (status === 'FULL_REFUNDED') fail(Errors.INVALID_REFUND_AMOUNT, `Refund amount is greater than remaining amount: order ${order.prepayId} is fully refunded.`);
  if (!REFUNDABLE.includes(status)) fail(Errors.INVALID_PREPAY_ID, `order ${order.prepayId} is ${status}: only paid orders can be refunded`);

  const remaining = order.orderAmount - order.refundedAmount;
  const attemptsLeft = REFUND_ATTEMPTS - order.refundCount;
  // fact sheet §3.5: with one attempt left, the requested amount is ignored and the remainder is refunded
  const amount = attemptsLeft === 1 ? remaining : input.refundAmount;
  if (amount > remaining || remaining <= 0n) {
    fail(Errors.INVALID_REFUND_AMOUNT, `Refund amount ${formatAmount(input.refundAmount)} is greater than remaining amount ${formatAmount(remaining)}.`);
  }
  if (!order.payerBinanceId) throw new Error(`paid order ${order.prepayId} has no payer`);

  const refundId = deps.ids.next();
  let pendingId: string;
  try {
    const [reserved] = await post(
      tx,
      [{ debit: merchantAccount(settlementMerchantId(order), order.currency), credit: payerAccount(order.payerBinanceId, order.currency), amount, kind: 'REFUND', refType: 'order', refId: order.prepayId, memo: `refund ${refundId}`, pending: true }],
      nowMs,
    );
    if (!reserved) throw new Error('ledger returned no transfer');
    pendingId = reserved.id;
  } catch (error) {
    if (error instanceof InsufficientFundsError) {
      throw new AppError(Errors.ACCOUNT_REMAINING_AMOUNT_NOT_ENOUGH, `merchant account remaining amount is not enough to do refund: ${formatAmount(error.available)} ${order.currency} available, ${formatAmount(amount)} needed`);
    }
    throw error;
  }

  const refundedAmount = order.refundedAmount + amount;
  const refund: Refund = {
    refundId,
    merchantId: merchant.merchantId,
    refundRequestId: input.refundRequestId,
    prepayId: order.prepayId,
    requestHash: hash,
    requestedAmount: input.refundAmount,
    refundAmount: amount,
    refundedTotal: refundedAmount,
    remainingAttempts: attemptsLeft - 1,
    currency: order.currency,
    refundReason: input.refundReason ?? null,
    webhookUrl: input.webhookUrl ?? null,
    status: 'REFUND_PENDING',
    pendingTransferId: pendingId,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  const patch = { status: 'REFUNDING' as const, refundedAmount, refundCount: order.refundCount + 1 };
  // the last statements: COMMIT goes out with them
  await tx.commitWith(repo.insertRefund(tx.db, refund), orders.updateOrder(tx, order.prepayId, patch, nowMs));
  return { refund, order: { ...order, ...patch, updatedAtMs: nowMs }, duplicate: false };
}

/** Resolves one pending refund: SUCCESS posts the reserved money, REJECT voids it. */
async function settleRefund(deps: ServiceDeps, refundId: string, outcome: 'SUCCESS' | 'REJECT'): Promise<Refund | undefined> {
  return withTransaction(deps.store, async (tx) => {
    const nowMs = deps.clock.now();
    const [order, refund] = await lockThen(orders.lockOrderOfRefund(tx, refundId), repo.findRefund(tx.db, refundId));
    if (!order || !refund || refund.status !== 'REFUND_PENDING' || refund.pendingTransferId === null) return undefined;

    const settled: Refund = { ...refund, status: outcome === 'SUCCESS' ? 'REFUND_SUCCESS' : 'REFUND_FAIL', updatedAtMs: nowMs };
    const [resolve, , siblings, merchant] = await together(
      preparePendingResolution(tx, refund.pendingTransferId, outcome === 'SUCCESS' ? 'POST' : 'VOID', nowMs),
      repo.setRefundStatus(tx.db, refund.refundId, settled.status, nowMs),
      repo.refundsOfOrder(tx.db, order.prepayId),
      findMerchant(tx.db, order.merchantId),
    );

    const refundedAmount = outcome === 'SUCCESS' ? order.refundedAmount : order.refundedAmount - refund.refundAmount;
    const refundCount = outcome === 'SUCCESS' ? order.refundCount : order.refundCount - 1;
    const othersPending = siblings.some((r) => r.refundId !== refund.refundId && r.status === 'REFUND_PENDING');
    const status = statusAfterRefunds(order, refundedAmount, othersPending);
    // the money's move, the order and the event in one round trip, COMMIT with them
    await tx.commitWith(
      resolve(),
      orders.updateOrder(tx, order.prepayId, { status, refundedAmount, refundCount }, nowMs),
      enqueue(
        tx,
        {
          merchantId: order.merchantId,
          bizType: 'PAY_REFUND',
          bizId: order.prepayId,
          bizStatus: outcome === 'SUCCESS' ? 'REFUND_SUCCESS' : 'REFUND_REJECTED',
          data: refundEventData({ ...order, status, refundedAmount, refundCount }, settled, nowMs),
          webhookUrl: webhookTarget(refund.webhookUrl, merchant),
          refType: 'refund',
          refId: refund.refundId,
        },
        nowMs,
      ),
    );
    return settled;
  });
}

/** The refund worker: completes pending refunds older than `delayMs`. */
export async function processPendingRefunds(deps: ServiceDeps, delayMs = 0, batchSize = 100): Promise<number> {
  let done = 0;
  for (;;) {
    const ids = await repo.pendingRefundIds(deps.store.db, deps.clock.now() - delayMs, batchSize);
    for (const id of ids) if (await settleRefund(deps, id, 'SUCCESS')) done++;
    if (ids.length < batchSize) return done;
  }
}

/** Sandbox control: complete or reject one pending refund now. */
export async function settlePendingRefund(deps: ServiceDeps, refundId: string, outcome: 'SUCCESS' | 'REJECT'): Promise<Refund> {
  const settled = await settleRefund(deps, refundId, outcome);
  if (settled) return settled;
  const refund = await repo.findRefund(deps.store.db, refundId);
  if (!refund) fail(Errors.NOT_FOUND, `refund ${refundId} not found`);
  fail(Errors.CONFLICT, `refund ${refundId} is ${refund.status}, not pending`);
}

export async function queryRefund(deps: ServiceDeps, merchant: Merchant, refundRequestId: string): Promise<{ refund: Refund; order: Order }> {
  const refund = await repo.findRefundByRequestId(deps.store.db, merchant.merchantId, refundRequestId);
  if (!refund) fail(Errors.INVALID_PARAM_WRONG_VALUE, `refundRequestId ${refundRequestId} not found`);
  const order = await orders.findOrderByPrepayId(deps.store.db, refund.prepayId);
  if (!order) throw new Error(`order ${refund.prepayId} of refund ${refund.refundId} is missing`);
  return { refund, order };
}

export function listRefunds(deps: ServiceDeps, filter: Parameters<typeof repo.listRefunds>[1]): Promise<Refund[]> {
  return repo.listRefunds(deps.store.db, filter);
}

export function refundsOfOrder(deps: ServiceDeps, prepayId: string): Promise<Refund[]> {
  return repo.refundsOfOrder(deps.store.db, prepayId);
}
