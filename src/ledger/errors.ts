import type { AccountRef } from '../domain/ledger.ts';

/** A no-negative account would go below zero; nothing was written. Services map it to their own code. */
export class InsufficientFundsError extends Error {
  constructor(readonly account: AccountRef, readonly available: bigint, readonly required: bigint) {
    super(`insufficient funds in ${account.ownerType}:${account.ownerId}:${account.wallet}:${account.asset}`);
    this.name = 'InsufficientFundsError';
  }
}

/** A transfer that can never be valid (programming error); nothing was written. */
export class LedgerRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerRuleError';
  }
}
