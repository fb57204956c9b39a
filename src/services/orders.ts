/**
 * Orders: create (v1/v2/v3), query, close, expiry. One use case = one transaction; every event
 * Binance notifies is enqueued in the same transaction as the change.
 */
import { AppError, Errors, fail } from '../domain/errors.ts';
import type { Merchant } from '../domain/merchant.ts';
import { effectiveStatus, nextStatus, ORDER_MAX_LIFETIME_MS, type GoodsItem, type Order, type TerminalType } from '../domain/order.ts';
import { convertAmount, formatAmount, formatAmountTrimmed, MAX_AMOUNT, type Amount } from '../lib/amount.ts';
import { randomHex } from '../lib/ids.ts';
import { TempTokens } from '../lib/temp-token.ts';
import { enqueue } from '../outbox/enqueue.ts';
import { withTransaction, type Tx } from '../store/db.ts';
import { findMerchant } from '../store/merchants-repo.ts';
import * as repo from '../store/orders-repo.ts';
import type { ServiceDeps } from './deps.ts';
import { payEventData } from './order-events.ts';
import { ORDER_API_KEY, payerDetailOf } from './payer-detail.ts';
import { hasRate, isSupportedAsset, priceInUsdt } from './rates.ts';
import { requireSubMerchant } from './sub-merchants.ts';

export interface CreateOrderInput {
  apiVersion: 1 | 2 | 3;
  merchantTradeNo: string;
  terminalType: TerminalType;
  currency?: string | undefined;
  orderAmount?: Amount | undefined;
  fiatCurrency?: string | undefined;
  fiatAmount?: Amount | undefined;
  description?: string | undefined;
  goods: GoodsItem[];
  extra: Record<string, unknown>;
  passThroughInfo?: string | undefined;
  webhookUrl?: string | undefined;
  returnUrl?: string | undefined;
  cancelUrl?: string | undefined;
  /** absolute epoch ms (fact sheet §3.1) */
  orderExpireTime?: number | undefined;
  supportPayCurrency?: string[] | undefined;
  profitSharing: boolean;
  subMerchantId?: string | undefined;
  /** the API key the request was signed with: payerDetail is encrypted with its secret */
  apiKey?: string | undefined;
  /** a prepayId chosen by the caller instead of a drawn one: replayed recordings keep Binance's ids */
  prepayId?: string | undefined;
}

export interface OrderLookup {
  prepayId?: string | undefined;
  merchantTradeNo?: string | undefined;
}

export interface OrderUrls {
  checkoutUrl: string;
  qrcodeLink: string;
  qrContent: string;
  deeplink: string;
  universalUrl: string;
}

/** The order as the world sees it: status with expiry applied. */
export function withEffectiveStatus(order: Order, nowMs: number): Order {
  const status = effectiveStatus(order, nowMs);
  return status === order.status ? order : { ...order, status };
}

/** The deep link's tempTokens of this server (src/lib/temp-token.ts). */
export function tempTokens(deps: ServiceDeps): TempTokens {
  return new TempTokens(deps.secrets.deriveKey('temp-token'));
}

/**
 * Links on this server shaped like Binance's (fact sheet §3.1): the checkout page, a PNG of the
 * QR code, the QR payload, a deep link (bnc:// with this server as host: swap the scheme for
 * http(s) to open it in a browser) and the universal link carrying the deep link in `_dp`. The
 * deep link carries its own 32-character tempToken and `returnLink` — the order's returnUrl, else
 * its checkout page — unencoded, as in Binance's answers.
 */
export function orderUrls(deps: ServiceDeps, order: Pick<Order, 'linkToken' | 'extra' | 'returnUrl'>): OrderUrls {
  const base = deps.settings.publicUrl;
  const host = base.replace(/^https?:\/\//, '');
  const checkoutUrl = `${base}/checkout/${order.linkToken}`;
  const deeplink = `bnc://${host}/payment/secpay?tempToken=${tempTokens(deps).of(order.linkToken)}&returnLink=${order.returnUrl ?? checkoutUrl}`;
  const attach = typeof order.extra.universalUrlAttach === 'string' ? `&${order.extra.universalUrlAttach}` : '';
  return {
    checkoutUrl,
    qrcodeLink: `${base}/checkout/${order.linkToken}/qr.png`,
    qrContent: `${base}/qr/dplk${order.linkToken}`,
    deeplink,
    universalUrl: `${base}/payment/secpay?linkToken=${order.linkToken}&_dp=${Buffer.from(deeplink).toString('base64').replace(/=+$/, '')}${attach}`,
  };
}

function resolveAmount(deps: ServiceDeps, input: CreateOrderInput): { currency: string; orderAmount: Amount; fiatCurrency: string | null; fiatAmount: Amount | null } {
  if (input.fiatCurrency !== undefined) {
    // fact sheet §3.1: with fiatCurrency the order is a USDT order converted at the market rate
    if (input.fiatAmount === undefined) fail(Errors.MANDATORY_PARAM_EMPTY_OR_MALFORMED, 'fiatAmount is mandatory when fiatCurrency is given');
    if (input.currency !== undefined && input.currency !== 'USDT') fail(Errors.INVALID_PARAM_WRONG_VALUE, 'currency must be USDT or absent when fiatCurrency is given');
    if (input.orderAmount !== undefined) fail(Errors.INVALID_PARAM_WRONG_VALUE, 'give orderAmount or fiatAmount, not both: with fiatCurrency the USDT amount is converted from fiatAmount');
    if (isSupportedAsset(deps, input.fiatCurrency)) fail(Errors.INVALID_PARAM_WRONG_VALUE, `fiatCurrency ${input.fiatCurrency} is a crypto asset: use currency for it`);
    if (!hasRate(deps, input.fiatCurrency)) fail(Errors.INVALID_PARAM_WRONG_VALUE, `fiatCurrency ${input.fiatCurrency} is not supported: this server has no rate for it (BPAY_RATES)`);
    const rate = priceInUsdt(deps, input.fiatCurrency);
    const orderAmount = convertAmount(input.fiatAmount, rate, priceInUsdt(deps, 'USDT'), 'HALF_UP');
    if (orderAmount <= 0n) fail(Errors.INVALID_PARAM_WRONG_VALUE, 'fiatAmount converts to less than 0.00000001 USDT');
    if (orderAmount > MAX_AMOUNT) fail(Errors.INVALID_PARAM_WRONG_VALUE, `fiatAmount converts to ${formatAmount(orderAmount)} USDT, more than an order may be (${formatAmountTrimmed(MAX_AMOUNT)})`);
    return { currency: 'USDT', orderAmount, fiatCurrency: input.fiatCurrency, fiatAmount: input.fiatAmount };
  }
  if (input.currency === undefined) fail(Errors.MANDATORY_PARAM_EMPTY_OR_MALFORMED, 'currency is mandatory (currency and fiatCurrency cannot both be null)');
  if (!isSupportedAsset(deps, input.currency)) {
    fail(Errors.INVALID_PARAM_WRONG_VALUE, `currency ${input.currency} is not supported; supported: ${deps.settings.assets.join(', ')}`);
  }
  if (input.orderAmount === undefined) fail(Errors.MANDATORY_PARAM_EMPTY_OR_MALFORMED, `${input.apiVersion === 1 ? 'totalFee' : 'orderAmount'} is mandatory when currency is given`);
  return { currency: input.currency, orderAmount: input.orderAmount, fiatCurrency: null, fiatAmount: null };
}

function resolveExpiry(deps: ServiceDeps, requestedWallMs: number | undefined, nowMs: number): number {
  const latest = nowMs + ORDER_MAX_LIFETIME_MS;
  if (requestedWallMs === undefined) return latest;
  // Clients compute orderExpireTime on their own (wall) clock; after sandbox time travel the
  // business clock is ahead by the offset, so "15 minutes from now" must stay 15 minutes.
  const requested = requestedWallMs + deps.clock.offset;
  if (requested <= nowMs) fail(Errors.INVALID_PARAM_WRONG_VALUE, `orderExpireTime ${requestedWallMs} is not in the future (server time ${deps.clock.wall.now()}); it is an absolute time in milliseconds`);
  // A client computing now+1h with a clock slightly ahead of ours is forgiven by the request window.
  if (requested > latest + deps.settings.timestampWindowMs) {
    fail(Errors.INVALID_PARAM_WRONG_VALUE, `orderExpireTime may be at most 1 hour from now (${deps.clock.wall.now() + ORDER_MAX_LIFETIME_MS}); got ${requestedWallMs}`);
  }
  return Math.min(requested, latest);
}

export async function createOrder(deps: ServiceDeps, merchant: Merchant, input: CreateOrderInput): Promise<Order> {
  const nowMs = deps.clock.now();
  const money = resolveAmount(deps, input);
  const expireTimeMs = resolveExpiry(deps, input.orderExpireTime, nowMs);
  for (const c of input.supportPayCurrency ?? []) {
    if (!isSupportedAsset(deps, c)) fail(Errors.INVALID_PARAM_WRONG_VALUE, `supportPayCurrency ${c} is not a supported currency`);
  }
  // a partner orders on behalf of its own, active sub-merchants only
  if (input.subMerchantId !== undefined) await requireSubMerchant(deps, merchant, input.subMerchantId);
  const order: Order = {
    prepayId: input.prepayId ?? deps.ids.next(),
    merchantId: merchant.merchantId,
    subMerchantId: input.subMerchantId ?? null,
    merchantTradeNo: input.merchantTradeNo,
    apiVersion: input.apiVersion,
    terminalType: input.terminalType,
    ...money,
    status: 'INITIAL',
    description: input.description ?? null,
    goods: input.goods,
    extra: input.apiKey === undefined ? input.extra : { ...input.extra, [ORDER_API_KEY]: input.apiKey },
    passThroughInfo: input.passThroughInfo ?? null,
    webhookUrl: input.webhookUrl ?? null,
    returnUrl: input.returnUrl ?? null,
    cancelUrl: input.cancelUrl ?? null,
    supportPayCurrency: input.supportPayCurrency && input.supportPayCurrency.length > 0 ? input.supportPayCurrency : null,
    profitSharing: input.profitSharing,
    linkToken: randomHex(16),
    createTimeMs: nowMs,
    expireTimeMs,
    updatedAtMs: nowMs,
    transactTimeMs: null,
    transactionId: null,
    payerBinanceId: null,
    openUserId: null,
    paymentInfo: null,
    commission: 0n,
    refundedAmount: 0n,
    refundCount: 0,
    closedAtMs: null,
  };
  if (await deps.insertOrder(order)) return order;
  // fact sheet §7.7: any reuse of a merchantTradeNo is refused, identical or not
  if (await repo.findOrderByTradeNo(deps.store.db, merchant.merchantId, input.merchantTradeNo)) {
    throw new AppError(Errors.INVALID_MERCHANT_TRADE_NO, `merchantTradeNo ${input.merchantTradeNo} is invalid or duplicated`);
  }
  // another unique key (a drawn id) collided: inserted alone, the database says which
  await repo.insertOrder(deps.store.db, order);
  return order;
}

/** Finds the merchant's order: prepayId wins over merchantTradeNo (fact sheet §3.3). Other merchants' orders do not exist. */
async function findOwnOrder(deps: ServiceDeps, merchant: Merchant, lookup: OrderLookup): Promise<Order | undefined> {
  if (lookup.prepayId !== undefined) {
    const order = await deps.readOrder(lookup.prepayId);
    return order && order.merchantId === merchant.merchantId ? order : undefined;
  }
  if (lookup.merchantTradeNo !== undefined) return repo.findOrderByTradeNo(deps.store.db, merchant.merchantId, lookup.merchantTradeNo);
  fail(Errors.MANDATORY_PARAM_EMPTY_OR_MALFORMED, 'prepayId or merchantTradeNo is mandatory');
}

export async function queryOrder(deps: ServiceDeps, merchant: Merchant, lookup: OrderLookup): Promise<Order> {
  const order = await findOwnOrder(deps, merchant, lookup);
  if (!order) fail(Errors.ORDER_NOT_FOUND);
  return withEffectiveStatus(order, deps.clock.now());
}

/** `paymentInfo.payerDetail` of a queried order, for a whitelisted merchant (src/services/payer-detail.ts). */
export function queryPayerDetail(deps: ServiceDeps, merchant: Merchant, order: Order): Promise<string | undefined> {
  return payerDetailOf(deps, deps.store.db, merchant, order);
}

/** Resolves where a notification goes: the request's webhookUrl, else the merchant's (fact sheet §5.1). */
export function webhookTarget(requestUrl: string | null, merchant: Merchant | undefined): string | null {
  return requestUrl ?? merchant?.webhookUrl ?? null;
}

async function closeLocked(deps: ServiceDeps, tx: Tx, order: Order, event: 'CLOSE' | 'EXPIRE', nowMs: number): Promise<Order> {
  const to = nextStatus(order.status, event);
  if (!to) throw new Error(`order ${order.prepayId} cannot ${event} from ${order.status}`);
  await repo.updateOrder(tx, order.prepayId, { status: to, closedAtMs: nowMs }, nowMs);
  const closed: Order = { ...order, status: to, closedAtMs: nowMs, updatedAtMs: nowMs };
  const merchant = await findMerchant(tx.db, order.merchantId);
  await enqueue(
    tx,
    {
      merchantId: order.merchantId,
      bizType: 'PAY',
      bizId: order.prepayId,
      bizStatus: 'PAY_CLOSED',
      data: payEventData(closed, 'PAY_CLOSED', nowMs),
      webhookUrl: webhookTarget(order.webhookUrl, merchant),
      suppressed: merchant ? !merchant.payClosedNotify : false,
      refType: 'order',
      refId: order.prepayId,
    },
    nowMs,
  );
  return closed;
}

/**
 * Close Order: only an order without payment activity (INITIAL) closes; PENDING, paid, closed and
 * expired orders answer 400204 (fact sheet §3.4). The PAY_CLOSED notification follows via the outbox.
 */
export async function closeOrder(deps: ServiceDeps, merchant: Merchant, lookup: OrderLookup): Promise<void> {
  const found = await findOwnOrder(deps, merchant, lookup);
  if (!found) fail(Errors.ORDER_NOT_FOUND);
  await withTransaction(deps.store, async (tx) => {
    const nowMs = deps.clock.now();
    const order = await repo.lockOrder(tx, found.prepayId);
    if (!order) fail(Errors.ORDER_NOT_FOUND);
    const status = effectiveStatus(order, nowMs);
    if (status !== 'INITIAL') {
      fail(Errors.INVALID_ORDER_STATUS, `The Order is not applicable to close as it was paid or has any payment activity on the way (status ${status}).`);
    }
    await closeLocked(deps, tx, order, 'CLOSE', nowMs);
  });
}

/** The expiry sweeper: persists EXPIRED for unpaid orders past expireTime and enqueues PAY_CLOSED. */
export async function expireDueOrders(deps: ServiceDeps, batchSize = 200): Promise<number> {
  let expired = 0;
  for (;;) {
    const due = await repo.findExpiredCandidates(deps.store.db, deps.clock.now(), batchSize);
    for (const prepayId of due) {
      const done = await withTransaction(deps.store, async (tx) => {
        const nowMs = deps.clock.now();
        const order = await repo.lockOrder(tx, prepayId);
        // re-checked under the lock: a payment may have won the race
        if (!order || (order.status !== 'INITIAL' && order.status !== 'PENDING') || order.expireTimeMs > nowMs) return false;
        await closeLocked(deps, tx, order, 'EXPIRE', order.expireTimeMs);
        return true;
      });
      if (done) expired++;
    }
    if (due.length < batchSize) return expired;
  }
}

export async function getOrder(deps: ServiceDeps, prepayId: string): Promise<Order> {
  const order = await deps.readOrder(prepayId);
  if (!order) fail(Errors.NOT_FOUND, `order ${prepayId} not found`);
  return withEffectiveStatus(order, deps.clock.now());
}

export async function getOrderByLinkToken(deps: ServiceDeps, linkToken: string): Promise<Order | undefined> {
  const order = await repo.findOrderByLinkToken(deps.store.db, linkToken);
  return order ? withEffectiveStatus(order, deps.clock.now()) : undefined;
}

export async function listOrders(deps: ServiceDeps, filter: Omit<repo.OrderFilter, 'limit'> & { limit?: number }): Promise<Order[]> {
  const orders = await repo.listOrders(deps.store.db, { ...filter, limit: Math.min(filter.limit ?? 50, 500) });
  const nowMs = deps.clock.now();
  return orders.map((o) => withEffectiveStatus(o, nowMs));
}
