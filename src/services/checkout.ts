/** What a checkout page shows for an order link. */
import type { Order } from '../domain/order.ts';
import { findMerchant } from '../store/merchants-repo.ts';
import type { ServiceDeps } from './deps.ts';
import { getOrderByLinkToken, orderUrls, type OrderUrls } from './orders.ts';
import { payableCurrencies } from './payments.ts';

export interface CheckoutView {
  order: Order;
  merchantName: string;
  urls: OrderUrls;
  payableCurrencies: string[];
  nowMs: number;
}

export async function checkoutView(deps: ServiceDeps, linkToken: string): Promise<CheckoutView | undefined> {
  if (!/^[0-9a-f]{32}$/.test(linkToken)) return undefined;
  const order = await getOrderByLinkToken(deps, linkToken);
  if (!order) return undefined;
  const merchant = await findMerchant(deps.store.db, order.merchantId);
  return { order, merchantName: merchant?.name ?? `Merchant ${order.merchantId}`, urls: orderUrls(deps, order), payableCurrencies: payableCurrencies(deps, order), nowMs: deps.clock.now() };
}
