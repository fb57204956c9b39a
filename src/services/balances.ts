/**
 * Merchant wallet balances from the ledger (fact sheet §3.11), with the valuations Binance adds:
 * the available amount in USD and in BTC at the server's rate table.
 */
import { Errors, fail } from '../domain/errors.ts';
import { merchantAccount, type AccountBalance } from '../domain/ledger.ts';
import { convertAmount, type Amount } from '../lib/amount.ts';
import { balanceOf, balancesOf } from '../ledger/ledger.ts';
import type { ServiceDeps } from './deps.ts';
import { hasRate, isSupportedAsset } from './rates.ts';

export interface WalletBalance {
  asset: string;
  available: Amount;
  /** reserved by pending transfers (e.g. accepted payouts not yet paid) */
  freeze: Amount;
  usdValuation: Amount;
  btcValuation: Amount;
}

function valuation(deps: ServiceDeps, amount: Amount, asset: string, into: string): Amount {
  const from = deps.settings.rates[asset];
  const to = deps.settings.rates[into];
  if (!hasRate(deps, asset) || !hasRate(deps, into) || from === undefined || to === undefined) return 0n;
  return convertAmount(amount, from, to, 'DOWN');
}

function toWalletBalance(deps: ServiceDeps, b: AccountBalance): WalletBalance {
  const available = b.available < 0n ? 0n : b.available;
  return {
    asset: b.ref.asset,
    available,
    freeze: b.pendingDebits,
    usdValuation: valuation(deps, available, b.ref.asset, 'USD'),
    btcValuation: valuation(deps, available, b.ref.asset, 'BTC'),
  };
}

/** One asset, or every asset the wallet has ever held when `currency` is absent. */
export async function merchantWalletBalances(deps: ServiceDeps, ownerId: number | string, wallet: 'FUNDING' | 'SPOT', currency?: string): Promise<WalletBalance[]> {
  if (currency !== undefined) {
    if (!isSupportedAsset(deps, currency)) fail(Errors.INVALID_PARAM_WRONG_VALUE, `currency ${currency} is not supported`);
    return [toWalletBalance(deps, await balanceOf(deps.store.db, merchantAccount(ownerId, currency, wallet)))];
  }
  const all = await balancesOf(deps.store.db, { ownerType: 'MERCHANT', ownerId: String(ownerId), wallet });
  return all.map((b) => toWalletBalance(deps, b));
}

export function ownerBalances(deps: ServiceDeps, ownerType: 'MERCHANT' | 'PAYER', ownerId: string): Promise<AccountBalance[]> {
  return balancesOf(deps.store.db, { ownerType, ownerId });
}
