/**
 * The hosted checkout's use cases (docs/checkout.md): what the page shows for an order link, and
 * what a sandbox payer does there — sign in, get a funded payer on the spot, pay. Every action is
 * addressed by the link token, so the checkout can only ever act on the order behind its link.
 */
import type { Order } from '../domain/order.ts';
import type { Payer } from '../domain/payer.ts';
import { convertAmount, MAX_AMOUNT, type Amount } from '../lib/amount.ts';
import { findMerchant } from '../store/merchants-repo.ts';
import { findPayer, findPayerByEmail } from '../store/payers-repo.ts';
import { DEMO_FUNDING } from './demo.ts';
import type { ServiceDeps } from './deps.ts';
import { getOrderByLinkToken, orderUrls, tempTokens, type OrderUrls } from './orders.ts';
import { createPayer, payerBalances, type Funding } from './payers.ts';
import { payableCurrencies, payOrder } from './payments.ts';
import { priceInUsdt } from './rates.ts';

export interface CheckoutView {
  order: Order;
  merchantName: string;
  urls: OrderUrls;
  payableCurrencies: string[];
  nowMs: number;
}

/** Link tokens are 32 lower-case hex (fact sheet §3.1 checkoutUrl); anything else is not ours. */
export function isLinkToken(text: string): boolean {
  return /^[0-9a-f]{32}$/.test(text);
}

/** The link token a deep link's tempToken stands for, if it is one of this server's. */
export function linkTokenOfTempToken(deps: ServiceDeps, tempToken: string): string | undefined {
  return tempTokens(deps).linkTokenOf(tempToken);
}

export async function checkoutView(deps: ServiceDeps, linkToken: string): Promise<CheckoutView | undefined> {
  if (!isLinkToken(linkToken)) return undefined;
  const order = await getOrderByLinkToken(deps, linkToken);
  if (!order) return undefined;
  const merchant = await findMerchant(deps.store.db, order.merchantId);
  return { order, merchantName: merchant?.name ?? `Merchant ${order.merchantId}`, urls: orderUrls(deps, order), payableCurrencies: payableCurrencies(deps, order), nowMs: deps.clock.now() };
}

export interface PayOption {
  currency: string;
  /** what the payer pays in this currency: the order amount, or its rounded-up conversion (as payOrder computes it) */
  amount: Amount;
  /** the payer's available funding balance in it, when a payer is known */
  available?: Amount;
}

/** The amount to pay in each currency the order accepts, with the payer's balance when given. */
export async function payOptions(deps: ServiceDeps, order: Order, payerBinanceId?: string): Promise<PayOption[]> {
  const balances = payerBinanceId ? await payerBalances(deps, payerBinanceId) : [];
  return payableCurrencies(deps, order).map((currency) => {
    // same conversion as payments.ts payOrder: rounded up, so the merchant never receives less
    const amount = currency === order.currency ? order.orderAmount : convertAmount(order.orderAmount, priceInUsdt(deps, order.currency), priceInUsdt(deps, currency), 'UP');
    if (!payerBinanceId) return { currency, amount };
    const available = balances.find((b) => b.ref.asset === currency && b.ref.wallet === 'FUNDING')?.available ?? 0n;
    return { currency, amount, available: available < 0n ? 0n : available };
  });
}

/** A sandbox payer by Binance ID (digits) or email; undefined when none has it. */
export async function findCheckoutPayer(deps: ServiceDeps, idOrEmail: string): Promise<Payer | undefined> {
  const text = idOrEmail.trim();
  if (/^\d{1,18}$/.test(text)) return findPayer(deps.store.db, text);
  if (text.includes('@')) return findPayerByEmail(deps.store.db, text.toLowerCase());
  return undefined;
}

export function getCheckoutPayer(deps: ServiceDeps, binanceId: string): Promise<Payer | undefined> {
  return findPayer(deps.store.db, binanceId);
}

/**
 * "Create a funded sandbox payer": the demo payer's wallet (10 000 USDT, 1 000 USDC, 50 BNB, 1 BTC),
 * plus twice the order amount in the order currency when that is more (at most what one account
 * may hold, and never less than the order).
 */
export async function createSandboxPayer(deps: ServiceDeps, order: Order): Promise<Payer> {
  const fund: Funding[] = DEMO_FUNDING.filter((f) => deps.settings.assets.includes(f.asset)).map((f) => ({ ...f }));
  const need = order.orderAmount * 2n > MAX_AMOUNT ? order.orderAmount : order.orderAmount * 2n;
  const same = fund.find((f) => f.asset === order.currency);
  if (same) same.amount = same.amount > need ? same.amount : need;
  else fund.push({ asset: order.currency, amount: need });
  return createPayer(deps, { name: 'Checkout sandbox payer', fund });
}

/** Pays the order behind this link (and no other) as this payer. */
export async function payCheckoutOrder(deps: ServiceDeps, linkToken: string, payerBinanceId: string, payCurrency: string | undefined): Promise<Order | undefined> {
  if (!isLinkToken(linkToken)) return undefined;
  const order = await getOrderByLinkToken(deps, linkToken);
  if (!order) return undefined;
  return payOrder(deps, { prepayId: order.prepayId, payerBinanceId, payCurrency });
}
