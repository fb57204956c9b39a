/**
 * Ledger vocabulary. Accounts are per (owner, wallet, asset); money only moves as a transfer that
 * debits one account and credits another (ARCHITECTURE.md principle 4).
 */
import type { Amount } from '../lib/amount.ts';

export type OwnerType = 'PAYER' | 'MERCHANT' | 'PLATFORM';

/**
 * FUNDING and SPOT are the two Binance wallets of a payer or merchant (fact sheet §3.11, §3.12).
 * Platform accounts: ISSUER is where sandbox money comes from (its balance is minus what was issued),
 * FEE collects commission, CONVERSION is the market maker for paying in another currency,
 * ESCROW holds payout money between a detail's reservation and its receiver being paid.
 */
export type Wallet = 'FUNDING' | 'SPOT' | 'ISSUER' | 'FEE' | 'CONVERSION' | 'ESCROW';

export interface AccountRef {
  ownerType: OwnerType;
  ownerId: string;
  wallet: Wallet;
  asset: string;
}

export const PLATFORM_OWNER_ID = 'platform';

export function platformAccount(wallet: 'ISSUER' | 'FEE' | 'CONVERSION' | 'ESCROW', asset: string): AccountRef {
  return { ownerType: 'PLATFORM', ownerId: PLATFORM_OWNER_ID, wallet, asset };
}

export function payerAccount(binanceId: string, asset: string, wallet: 'FUNDING' | 'SPOT' = 'FUNDING'): AccountRef {
  return { ownerType: 'PAYER', ownerId: binanceId, wallet, asset };
}

export function merchantAccount(merchantId: number | string, asset: string, wallet: 'FUNDING' | 'SPOT' = 'FUNDING'): AccountRef {
  return { ownerType: 'MERCHANT', ownerId: String(merchantId), wallet, asset };
}

/** Only the issuer and the conversion desk may go below zero; every customer wallet may not. */
export function mustNotGoNegative(ref: Pick<AccountRef, 'ownerType' | 'wallet'>): boolean {
  return !(ref.ownerType === 'PLATFORM' && (ref.wallet === 'ISSUER' || ref.wallet === 'CONVERSION'));
}

export type TransferPhase = 'POSTED' | 'PENDING' | 'POST_PENDING' | 'VOID_PENDING';

export type TransferKind =
  | 'FUNDING'
  | 'DEFUNDING'
  | 'PAYMENT'
  | 'CONVERSION'
  | 'COMMISSION'
  | 'REFUND'
  | 'PAYOUT'
  | 'WALLET_TRANSFER'
  | 'PROFIT_SHARING'
  | 'PROFIT_SHARING_RETURN'
  | 'ADJUSTMENT';

export interface TransferSpec {
  debit: AccountRef;
  credit: AccountRef;
  amount: Amount;
  kind: TransferKind;
  /** What business object this belongs to, e.g. ('order', prepayId): the journal of an order. */
  refType: string;
  refId: string;
  memo?: string;
  /** PENDING reserves funds (debits_pending) until resolved by post or void. */
  pending?: boolean;
}

export interface AccountBalance {
  ref: AccountRef;
  accountId: string;
  /** posted credits − posted debits */
  balance: Amount;
  /** reserved by pending transfers */
  pendingDebits: Amount;
  pendingCredits: Amount;
  /** balance − pendingDebits: what can still be spent */
  available: Amount;
}

export interface JournalEntry {
  id: string;
  debit: AccountRef;
  credit: AccountRef;
  asset: string;
  amount: Amount;
  phase: TransferPhase;
  pendingId: string | null;
  kind: TransferKind;
  refType: string;
  refId: string;
  memo: string | null;
  createdAtMs: number;
}
