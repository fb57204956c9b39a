/** Wallet balance v1/v2 on the wire (fact sheet §3.11): amounts as 8-decimal JSON numbers. */
import { formatAmount } from '../../../lib/amount.ts';
import { jsonNumber } from '../../../lib/json.ts';
import type { WalletBalance } from '../../../services/balances.ts';
import { obj, oneOf, opt, req, str } from './fields.ts';

export const WALLETS = ['FUNDING_WALLET', 'SPOT_WALLET'] as const;

const currency = () => str({ max: 10, chars: /^[A-Z0-9]+$/, charsLabel: 'upper-case letters and digits only' });

export const balanceV1Schema = obj({ wallet: req(oneOf(WALLETS)), currency: req(currency()) });
export const balanceV2Schema = obj({ wallet: req(oneOf(WALLETS)), currency: opt(currency()) });

export function walletOf(wire: (typeof WALLETS)[number]): 'FUNDING' | 'SPOT' {
  return wire === 'FUNDING_WALLET' ? 'FUNDING' : 'SPOT';
}

const n8 = (v: bigint) => jsonNumber(formatAmount(v));

export function balanceV1Result(b: WalletBalance) {
  return { balance: n8(b.available), asset: b.asset, fiat: 'USD', availableFiatValuation: n8(b.usdValuation), availableBtcValuation: n8(b.btcValuation) };
}

export function balanceV2Result(wallet: string, balances: WalletBalance[], updateTimeMs: number) {
  return {
    balance: balances.map((b) => ({ available: n8(b.available), freeze: n8(b.freeze), asset: b.asset, availableFiatValuation: n8(b.usdValuation), availableBtcValuation: n8(b.btcValuation) })),
    wallet,
    updateTime: updateTimeMs,
    fiat: 'USD',
  };
}
