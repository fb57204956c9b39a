import type { AccountRef } from '../domain/ledger.ts';
import { AppError, Errors } from '../domain/errors.ts';
import { formatAmount, formatAmountTrimmed, MAX_AMOUNT } from '../lib/amount.ts';

const nameOf = (a: AccountRef) => `${a.ownerType}:${a.ownerId}:${a.wallet}`;

/** A no-negative account would go below zero; nothing was written. Services map it to their own code. */
export class InsufficientFundsError extends Error {
  constructor(readonly account: AccountRef, readonly available: bigint, readonly required: bigint) {
    super(`insufficient funds in ${nameOf(account)}:${account.asset}`);
    this.name = 'InsufficientFundsError';
  }
}

/**
 * A change would take an account past MAX_AMOUNT (docs/ledger.md "Limits"); nothing was written.
 * Every surface answers it as the parameter out of range it is: the amount asked for is more than
 * the ledger can hold there.
 */
export class LedgerLimitError extends AppError {
  constructor(readonly account: AccountRef, after: { balance: bigint; debitsPending: bigint; creditsPending: bigint }) {
    const limit = formatAmountTrimmed(MAX_AMOUNT);
    const incoming = after.balance + after.creditsPending;
    const what =
      after.debitsPending > MAX_AMOUNT || after.creditsPending > MAX_AMOUNT
        ? `${formatAmount(after.debitsPending > after.creditsPending ? after.debitsPending : after.creditsPending)} pending`
        : incoming > 0n
          ? `${formatAmount(incoming)} with what is pending to it`
          : `${formatAmount(after.balance - after.debitsPending)}`;
    super(Errors.INVALID_PARAM_WRONG_VALUE, `amount out of range: ${nameOf(account)} would hold ${what} ${account.asset}; an account holds at most ${limit} of an asset (between -${limit} and ${limit} for the platform's own)`);
    this.name = 'LedgerLimitError';
  }
}

/** A transfer that can never be valid (programming error); nothing was written. */
export class LedgerRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerRuleError';
  }
}
