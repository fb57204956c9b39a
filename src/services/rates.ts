/**
 * The sandbox's price table (config BPAY_RATES): the USDT price of each asset and fiat currency,
 * used for fiat-priced orders and for paying in another currency (supportPayCurrency).
 */
import { Errors, fail } from '../domain/errors.ts';
import type { ServiceDeps } from './deps.ts';

export function priceInUsdt(deps: ServiceDeps, currency: string): string {
  const rate = deps.settings.rates[currency];
  if (rate === undefined || /^0+(\.0+)?$/.test(rate)) fail(Errors.INVALID_PARAM_WRONG_VALUE, `no exchange rate for ${currency} on this server (set one with BPAY_RATES)`);
  return rate;
}

export function hasRate(deps: ServiceDeps, currency: string): boolean {
  const rate = deps.settings.rates[currency];
  return rate !== undefined && !/^0+(\.0+)?$/.test(rate);
}

export function isSupportedAsset(deps: ServiceDeps, asset: string): boolean {
  return deps.settings.assets.includes(asset);
}
