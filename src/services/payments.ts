/**
 * The payer side of an order: a simulated Binance user starts paying (PENDING), pays (PAID, money
 * moves through the ledger in the same transaction as the status and its PAY_SUCCESS event), or the
 * payment fails (ERROR). Insufficient balance refuses the payment and moves nothing.
 */
import { AppError, Errors, fail } from '../domain/errors.ts';
import { merchantAccount, payerAccount, platformAccount, type TransferSpec } from '../domain/ledger.ts';
import { effectiveStatus, nextStatus, settlementMerchantId, type Order, type OrderEvent, type PaymentInfo } from '../domain/order.ts';
import { convertAmount, formatAmount, multiplyByRate, priceRatio } from '../lib/amount.ts';
import { InsufficientFundsError } from '../ledger/errors.ts';
import { post } from '../ledger/ledger.ts';
import { enqueue } from '../outbox/enqueue.ts';
import { together, withTransaction, type Tx } from '../store/db.ts';
import { findMerchant, findMerchantOfOrder } from '../store/merchants-repo.ts';
import * as orders from '../store/orders-repo.ts';
import { findOpenUserIdOfOrder, findPayer } from '../store/payers-repo.ts';
import type { ServiceDeps } from './deps.ts';
import { payEventData } from './order-events.ts';
import { payerDetailOf } from './payer-detail.ts';
import { webhookTarget } from './orders.ts';
import { openUserIdFor } from './payers.ts';
import { hasRate, priceInUsdt } from './rates.ts';

export interface PayInput {
  prepayId: string;
  payerBinanceId: string;
  /** currency the payer pays with; default the order currency (or the first allowed one) */
  payCurrency?: string | undefined;
}

/** Currencies this order may be paid with (fact sheet §3.1 supportPayCurrency; default all). */
export function payableCurrencies(deps: ServiceDeps, order: Pick<Order, 'currency' | 'supportPayCurrency'>): string[] {
  const allowed = order.supportPayCurrency ?? deps.settings.assets;
  return allowed.filter((c) => c === order.currency || (hasRate(deps, c) && hasRate(deps, order.currency)));
}

async function lockForPayment(deps: ServiceDeps, tx: Tx, prepayId: string, event: OrderEvent, nowMs: number): Promise<Order> {
  const order = await orders.lockOrder(tx, prepayId);
  if (!order) fail(Errors.NOT_FOUND, `order ${prepayId} not found`);
  const status = effectiveStatus(order, nowMs);
  if (!nextStatus(status, event)) {
    const why = status === 'EXPIRED' ? 'it expired' : status === 'CANCELED' ? 'the merchant closed it' : `it is ${status}`;
    fail(Errors.CONFLICT, `order ${prepayId} cannot be paid: ${why}`);
  }
  return order;
}

async function requirePayer(deps: ServiceDeps, tx: Tx, binanceId: string) {
  const payer = await findPayer(tx.db, binanceId);
  if (!payer) fail(Errors.NOT_FOUND, `payer ${binanceId} not found`);
  return payer;
}

/** INITIAL → PENDING: the payer scanned the QR code and started paying. */
export async function startPayment(deps: ServiceDeps, prepayId: string, payerBinanceId: string): Promise<Order> {
  return withTransaction(deps.store, async (tx) => {
    const nowMs = deps.clock.now();
    await requirePayer(deps, tx, payerBinanceId);
    const order = await lockForPayment(deps, tx, prepayId, 'START_PAYMENT', nowMs);
    await orders.updateOrder(tx, prepayId, { status: 'PENDING' }, nowMs);
    return { ...order, status: 'PENDING' as const, updatedAtMs: nowMs };
  });
}

/** INITIAL|PENDING → ERROR: the payment failed on the payer's side (sandbox action). */
export async function failPayment(deps: ServiceDeps, prepayId: string): Promise<Order> {
  return withTransaction(deps.store, async (tx) => {
    const nowMs = deps.clock.now();
    const order = await lockForPayment(deps, tx, prepayId, 'FAIL', nowMs);
    await orders.updateOrder(tx, prepayId, { status: 'ERROR' }, nowMs);
    return { ...order, status: 'ERROR' as const, updatedAtMs: nowMs };
  });
}

export async function payOrder(deps: ServiceDeps, input: PayInput): Promise<Order> {
  return withTransaction(deps.store, async (tx) => {
    const nowMs = deps.clock.now();
    // Statements that do not depend on each other are issued together (one round trip on
    // PostgreSQL); `together` reports the first failure in the order given: an unknown payer first.
    // The order's merchant and the payer's openUserId for it are read by the order's key, so they
    // go out with the order's lock.
    const [payer, order, merchant, knownOpenUserId] = await together(
      requirePayer(deps, tx, input.payerBinanceId),
      lockForPayment(deps, tx, input.prepayId, 'PAY', nowMs),
      findMerchantOfOrder(tx.db, input.prepayId),
      findOpenUserIdOfOrder(tx.db, input.payerBinanceId, input.prepayId),
    );
    if (!merchant) throw new Error(`merchant ${order.merchantId} of order ${order.prepayId} is missing`);
    const openUserId = knownOpenUserId ?? (await openUserIdFor(tx, payer.binanceId, order.merchantId, nowMs));
    const settlement = settlementMerchantId(order) === order.merchantId ? merchant : await findMerchant(tx.db, settlementMerchantId(order));

    const allowed = payableCurrencies(deps, order);
    const payCurrency = input.payCurrency ?? (allowed.includes(order.currency) ? order.currency : allowed[0]);
    if (payCurrency === undefined || !allowed.includes(payCurrency)) {
      fail(Errors.PAY_CURRENCY_NOT_SUPPORTED, `order ${order.prepayId} accepts ${allowed.join(', ') || 'no currency this server can convert'}; ${input.payCurrency ?? 'none'} was chosen`);
    }

    // Paying in another currency: the platform's conversion desk takes that currency and pays the
    // merchant in the order currency; the payer pays the rounded-up equivalent.
    const sameCurrency = payCurrency === order.currency;
    const payAmount = sameCurrency ? order.orderAmount : convertAmount(order.orderAmount, priceInUsdt(deps, order.currency), priceInUsdt(deps, payCurrency), 'UP');
    const price = sameCurrency ? '1.00000000' : formatAmount(priceRatio(priceInUsdt(deps, payCurrency), priceInUsdt(deps, order.currency)));
    const commission = multiplyByRate(order.orderAmount, settlement?.commissionRate ?? merchant.commissionRate ?? deps.settings.commissionRate, 'HALF_UP');

    const ref = { refType: 'order', refId: order.prepayId };
    const merchantFunding = merchantAccount(settlementMerchantId(order), order.currency);
    const transfers: TransferSpec[] = sameCurrency
      ? [{ debit: payerAccount(payer.binanceId, payCurrency), credit: merchantFunding, amount: payAmount, kind: 'PAYMENT', ...ref }]
      : [
          { debit: payerAccount(payer.binanceId, payCurrency), credit: platformAccount('CONVERSION', payCurrency), amount: payAmount, kind: 'PAYMENT', ...ref },
          { debit: platformAccount('CONVERSION', order.currency), credit: merchantFunding, amount: order.orderAmount, kind: 'CONVERSION', ...ref },
        ];
    if (commission > 0n) transfers.push({ debit: merchantFunding, credit: platformAccount('FEE', order.currency), amount: commission, kind: 'COMMISSION', ...ref });

    const paymentInfo: PaymentInfo = {
      payerId: payer.binanceId,
      payMethod: 'funding',
      paymentInstructions: [{ currency: payCurrency, amount: formatAmount(payAmount), price }],
      channel: 'DEFAULT',
    };
    const patch = { status: 'PAID' as const, transactTimeMs: nowMs, transactionId: deps.ids.next(), payerBinanceId: payer.binanceId, openUserId, paymentInfo, commission };
    const paid: Order = { ...order, ...patch, updatedAtMs: nowMs };
    // whitelisted merchants only: one more read (the order's API key) in their payments alone
    const payerDetail = merchant.sharePayerDetail ? await payerDetailOf(deps, tx.db, merchant, paid, payer) : undefined;
    const event = {
      merchantId: order.merchantId,
      bizType: 'PAY',
      bizId: order.prepayId,
      bizStatus: 'PAY_SUCCESS',
      data: payEventData(paid, 'PAY_SUCCESS', nowMs, payerDetail),
      webhookUrl: webhookTarget(order.webhookUrl, merchant),
      refType: 'order',
      refId: order.prepayId,
    } as const;
    // The money moves last: post locks the accounts (the merchant's is every payment's hot row on
    // PostgreSQL) and holds them to the commit, so nothing else runs after it; its first statement
    // (finding the accounts) goes out with the order update and the event. All of it is one
    // transaction: a refused payment (insufficient balance) rolls the order update and event back.
    const moveMoney = async () => {
      try {
        await post(tx, transfers, nowMs);
      } catch (error) {
        if (error instanceof InsufficientFundsError) {
          throw new AppError(
            Errors.PAYER_INSUFFICIENT_BALANCE,
            `payer ${payer.binanceId} has ${formatAmount(error.available)} ${payCurrency} available in the funding wallet; this order needs ${formatAmount(payAmount)} ${payCurrency}`,
          );
        }
        throw error;
      }
    };
    await together(orders.updateOrder(tx, order.prepayId, patch, nowMs), enqueue(tx, event, nowMs), moveMoney());
    return paid;
  });
}
