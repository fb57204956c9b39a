/**
 * Profit sharing (fact sheet §3.14). A partner registers receivers (Binance IDs), then splits a paid
 * order created with `orderTags.ifProfitSharing=true` among them: one ledger post moves every
 * receiver's share from the settling merchant's funding wallet, so a split is all receivers or
 * none, and parallel splits can never share out more than the order has left (they serialise on
 * the order lock). A return pulls money back from one receiver of a split.
 */
import { AppError, Errors, fail } from '../domain/errors.ts';
import { merchantAccount, payerAccount } from '../domain/ledger.ts';
import type { Merchant } from '../domain/merchant.ts';
import { effectiveStatus, settlementMerchantId, type Order } from '../domain/order.ts';
import { SplitDetailStatus, SplitStatus, type Split, type SplitReturn } from '../domain/profit-sharing.ts';
import { formatAmount, type Amount } from '../lib/amount.ts';
import { randomDigits } from '../lib/ids.ts';
import { InsufficientFundsError } from '../ledger/errors.ts';
import { post } from '../ledger/ledger.ts';
import { withTransaction, type Tx } from '../store/db.ts';
import * as orders from '../store/orders-repo.ts';
import { findPayer } from '../store/payers-repo.ts';
import * as repo from '../store/profit-sharing-repo.ts';
import type { ServiceDeps } from './deps.ts';
import { inputHash, once, sameRequest } from './idempotency.ts';

export async function addReceiver(deps: ServiceDeps, merchant: Merchant, account: string): Promise<string> {
  if (!(await findPayer(deps.store.db, account))) fail(Errors.ACCOUNT_NOT_FOUND, `account not found: no Binance user ${account}`);
  await repo.addReceiver(deps.store.db, merchant.merchantId, account, deps.clock.now());
  return account;
}

export async function deleteReceiver(deps: ServiceDeps, merchant: Merchant, account: string): Promise<string> {
  if (!(await repo.deleteReceiver(deps.store.db, merchant.merchantId, account))) fail(Errors.INVALID_PARAM_WRONG_VALUE, `account ${account} is not a registered receiver`);
  return account;
}

export async function queryReceivers(deps: ServiceDeps, merchant: Merchant, pageNum: number, pageSize: number) {
  const { accounts, total } = await repo.pageReceivers(deps.store.db, merchant.merchantId, (pageNum - 1) * pageSize, pageSize);
  return { accounts, total, totalPages: Math.ceil(total / pageSize) };
}

/** The order's splits live under its lock: only PAID (or partly refunded) profit-sharing orders split. */
async function lockSplittableOrder(tx: Tx, deps: ServiceDeps, merchant: Merchant, prepayId: string): Promise<Order> {
  const order = await orders.lockOrder(tx, prepayId);
  const status = order ? effectiveStatus(order, deps.clock.now()) : undefined;
  if (!order || order.merchantId !== merchant.merchantId || !order.profitSharing || (status !== 'PAID' && status !== 'REFUNDED')) {
    fail(Errors.ORDER_NOT_SUCCESS, 'order not found or order status is not success');
  }
  return order;
}

export interface SplitInput {
  merchantRequestId: string;
  prepayOrderId: string;
  receivers: Array<{ account: string; amount: Amount; description?: string | undefined; webhookUrl?: string | undefined }>;
}

export async function submitSplit(deps: ServiceDeps, merchant: Merchant, input: SplitInput): Promise<Split> {
  const hash = inputHash(input);
  const key = `merchantRequestId ${input.merchantRequestId}`;
  const find = (q = deps.store.db) => repo.findSplitByRequestId(q, merchant.merchantId, input.merchantRequestId);
  // the same split again is answered as stored; a different one is refused
  const replay = (existing: Split) => sameRequest(existing, hash, key);
  const accounts = input.receivers.map((r) => r.account);
  return once({
    key,
    hash,
    find,
    replay: (split) => split,
    create: async () => {
      if (new Set(accounts).size !== accounts.length) fail(Errors.INVALID_PARAM_WRONG_VALUE, 'receiverList names an account twice');
      return withTransaction(deps.store, async (tx) => {
        const nowMs = deps.clock.now();
        const order = await lockSplittableOrder(tx, deps, merchant, input.prepayOrderId);
        const again = await find(tx.db);
        if (again) return replay(again);
        const registered = await repo.receiverAccounts(tx.db, merchant.merchantId, accounts);
        const unknown = accounts.find((a) => !registered.has(a));
        if (unknown !== undefined) fail(Errors.INVALID_PARAM_WRONG_VALUE, `account ${unknown} is not a registered receiver (add-receiver first)`);
        const total = input.receivers.reduce((sum, r) => sum + r.amount, 0n);
        const left = order.orderAmount - order.refundedAmount - (await repo.sharedOutOf(tx.db, order.prepayId));
        if (total > left) fail(Errors.INVALID_PARAM_WRONG_VALUE, `the split totals ${formatAmount(total)} ${order.currency} but only ${formatAmount(left)} of the order is left to share`);

        const splitOrderNo = randomDigits(18);
        try {
          await post(
            tx,
            input.receivers.map((r) => ({ debit: merchantAccount(settlementMerchantId(order), order.currency), credit: payerAccount(r.account, order.currency), amount: r.amount, kind: 'PROFIT_SHARING' as const, refType: 'ps_split', refId: splitOrderNo })),
            nowMs,
          );
        } catch (error) {
          if (error instanceof InsufficientFundsError) throw new AppError(Errors.ACCOUNT_REMAINING_AMOUNT_NOT_ENOUGH, `merchant account remaining amount is not enough to split: ${formatAmount(error.available)} ${order.currency} available`);
          throw error;
        }
        const split: Split = {
          splitOrderNo,
          merchantId: merchant.merchantId,
          merchantRequestId: input.merchantRequestId,
          prepayId: order.prepayId,
          requestHash: hash,
          status: SplitStatus.FINISHED,
          totalAmount: total,
          createdAtMs: nowMs,
          finishedAtMs: nowMs,
          details: input.receivers.map((r) => ({
            detailId: randomDigits(18),
            account: r.account,
            amount: r.amount,
            description: r.description ?? null,
            webhookUrl: r.webhookUrl ?? null,
            status: SplitDetailStatus.SUCCESS,
            failReason: null,
            returnedAmount: 0n,
            finishedAtMs: nowMs,
          })),
        };
        await repo.insertSplit(tx.db, split);
        return split;
      });
    },
  });
}

export async function querySplit(deps: ServiceDeps, merchant: Merchant, merchantRequestId: string, prepayOrderId: string): Promise<Split> {
  const order = await orders.findOrderByPrepayId(deps.store.db, prepayOrderId);
  if (!order || order.merchantId !== merchant.merchantId || !order.profitSharing) fail(Errors.ORDER_NOT_SUCCESS, 'order not found or order status is not success');
  const split = await repo.findSplitByRequestId(deps.store.db, merchant.merchantId, merchantRequestId);
  if (!split || split.prepayId !== prepayOrderId) fail(Errors.INVALID_PARAM_WRONG_VALUE, `no split ${merchantRequestId} for order ${prepayOrderId}`);
  return split;
}

export interface ReturnInput {
  prepayOrderId: string;
  splitOrderNo?: string | undefined;
  originMerchantRequestId?: string | undefined;
  merchantReturnNo: string;
  transferOutAccount: string;
  returnAmount: Amount;
  description: string;
  webhookUrl?: string | undefined;
}

/**
 * Pulls money back from a receiver of a split into the merchant's wallet. A receiver who has spent
 * it gets a recorded FAIL (status 3, failReason), not an error: the outcome is stored and replayed.
 */
export async function returnSplit(deps: ServiceDeps, merchant: Merchant, input: ReturnInput): Promise<SplitReturn> {
  const hash = inputHash(input);
  const key = `merchantReturnNo ${input.merchantReturnNo}`;
  const find = (q = deps.store.db) => repo.findReturn(q, merchant.merchantId, input.merchantReturnNo);
  const replay = (existing: SplitReturn) => sameRequest(existing, hash, key);
  return once({
    key,
    hash,
    find,
    replay: (ret) => ret,
    create: async () => {
      if (input.splitOrderNo === undefined && input.originMerchantRequestId === undefined) fail(Errors.MANDATORY_PARAM_EMPTY_OR_MALFORMED, 'splitOrderNo or originMerchantRequestId is mandatory');
      return withTransaction(deps.store, async (tx) => {
        const nowMs = deps.clock.now();
        const order = await orders.lockOrder(tx, input.prepayOrderId);
        if (!order || order.merchantId !== merchant.merchantId || !order.profitSharing) fail(Errors.ORDER_NOT_SUCCESS, 'order not found or order status is not success');
        const again = await find(tx.db);
        if (again) return replay(again);
        const split =
          input.splitOrderNo !== undefined ? await repo.findSplitByNo(tx.db, merchant.merchantId, input.splitOrderNo) : await repo.findSplitByRequestId(tx.db, merchant.merchantId, input.originMerchantRequestId ?? '');
        if (!split || split.prepayId !== order.prepayId) fail(Errors.INVALID_PARAM_WRONG_VALUE, 'no such split for this order');
        const detail = split.details.find((d) => d.account === input.transferOutAccount && d.status === SplitDetailStatus.SUCCESS);
        if (!detail) fail(Errors.INVALID_PARAM_WRONG_VALUE, `account ${input.transferOutAccount} received nothing in split ${split.splitOrderNo}`);
        const returnable = detail.amount - detail.returnedAmount;
        if (input.returnAmount > returnable) fail(Errors.INVALID_PARAM_WRONG_VALUE, `returnAmount ${formatAmount(input.returnAmount)} exceeds the ${formatAmount(returnable)} still returnable from ${input.transferOutAccount}`);

        let status: SplitReturn['status'] = SplitDetailStatus.SUCCESS;
        let failReason: string | null = null;
        try {
          await post(tx, [{ debit: payerAccount(input.transferOutAccount, order.currency), credit: merchantAccount(settlementMerchantId(order), order.currency), amount: input.returnAmount, kind: 'PROFIT_SHARING_RETURN', refType: 'ps_split', refId: split.splitOrderNo }], nowMs);
          await repo.addReturned(tx.db, detail.detailId, detail.returnedAmount + input.returnAmount);
        } catch (error) {
          if (!(error instanceof InsufficientFundsError)) throw error;
          status = SplitDetailStatus.FAIL;
          failReason = 'insufficient balance in the receiver account';
        }
        const ret: SplitReturn = {
          returnOrderNo: randomDigits(18),
          merchantId: merchant.merchantId,
          merchantReturnNo: input.merchantReturnNo,
          prepayId: order.prepayId,
          splitOrderNo: split.splitOrderNo,
          originMerchantRequestId: split.merchantRequestId,
          transferOutAccount: input.transferOutAccount,
          returnAmount: input.returnAmount,
          description: input.description,
          webhookUrl: input.webhookUrl ?? null,
          requestHash: hash,
          status,
          failReason,
          createdAtMs: nowMs,
          finishedAtMs: nowMs,
        };
        await repo.insertReturn(tx.db, ret);
        return ret;
      });
    },
  });
}
