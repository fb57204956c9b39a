/**
 * `payerDetail` (fact sheet §3.3, §5.4): the payer's details, encrypted for whitelisted merchants
 * (here: the merchant's switch `sharePayerDetail`), in query order v2 and the PAY_SUCCESS webhook.
 * Encrypted with the API secret the order was created with (src/lib/shared-data.ts); an order that
 * recorded no key (created through the admin API) uses the merchant's newest usable key.
 *
 * Binance does not document the decrypted content; this server shares what a sandbox payer has,
 * under Binance's payerInfo names where one fits: `{"binanceId","email","firstName","lastName"}`
 * (docs/api-coverage.md), absent fields left out.
 */
import type { Merchant } from '../domain/merchant.ts';
import type { Order } from '../domain/order.ts';
import type { Payer } from '../domain/payer.ts';
import { stringifyJson } from '../lib/json.ts';
import { encryptSharedData } from '../lib/shared-data.ts';
import type { Queryable } from '../store/db.ts';
import { findApiKeyWithSecret, findNewestActiveApiKeyWithSecret } from '../store/merchants-repo.ts';
import { findPayer } from '../store/payers-repo.ts';
import type { ServiceDeps } from './deps.ts';

/** Where create order records the API key it was called with (inside the order's `extra`). */
export const ORDER_API_KEY = 'createdWithApiKey';

export function payerDetailPlaintext(payer: Payer): string {
  const [firstName, ...rest] = (payer.name ?? '').trim().split(/\s+/).filter(Boolean);
  return stringifyJson({
    binanceId: payer.binanceId,
    ...(payer.email !== null ? { email: payer.email } : {}),
    ...(firstName !== undefined ? { firstName } : {}),
    ...(rest.length > 0 ? { lastName: rest.join(' ') } : {}),
  });
}

async function orderSecret(deps: ServiceDeps, q: Queryable, order: Order): Promise<string | undefined> {
  const recorded = order.extra[ORDER_API_KEY];
  const found = typeof recorded === 'string' ? await findApiKeyWithSecret(q, recorded) : undefined;
  const key = found && found.key.merchantId === order.merchantId ? found : await findNewestActiveApiKeyWithSecret(q, order.merchantId, deps.clock.now());
  return key ? deps.secrets.open(key.secretSealed) : undefined;
}

/**
 * The encrypted payer detail of a paid order, or undefined when the merchant is not whitelisted,
 * the order has no payer yet, or there is no key to encrypt with. `q` lets it run in a transaction.
 */
export async function payerDetailOf(deps: ServiceDeps, q: Queryable, merchant: Pick<Merchant, 'sharePayerDetail'>, order: Order, payer?: Payer): Promise<string | undefined> {
  if (!merchant.sharePayerDetail || order.payerBinanceId === null) return undefined;
  const [who, secret] = await Promise.all([payer ?? findPayer(q, order.payerBinanceId), orderSecret(deps, q, order)]);
  if (!who || secret === undefined) return undefined;
  return encryptSharedData(secret, payerDetailPlaintext(who));
}
