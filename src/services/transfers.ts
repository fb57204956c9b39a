/**
 * Transfer fund between the merchant's SPOT and FUNDING wallets (fact sheet §3.12). TO_MAIN moves
 * funding → spot, TO_PAY spot → funding. A retry with the same requestId and the same request gets
 * the original data with envelope status REPEAT_REQ_SUCCESS (code 000001), as Binance documents;
 * the same requestId with a different request is refused. An uncovered transfer is recorded as
 * FAILURE (not an error), so a repeat and a query see the same outcome.
 */
import { Errors, fail } from '../domain/errors.ts';
import { merchantAccount } from '../domain/ledger.ts';
import type { Merchant } from '../domain/merchant.ts';
import type { Amount } from '../lib/amount.ts';
import { InsufficientFundsError } from '../ledger/errors.ts';
import { post } from '../ledger/ledger.ts';
import { withTransaction } from '../store/db.ts';
import * as repo from '../store/transfers-repo.ts';
import type { ServiceDeps } from './deps.ts';
import { inputHash, once } from './idempotency.ts';
import { isSupportedAsset } from './rates.ts';

export interface TransferInput {
  requestId: string;
  currency: string;
  amount: Amount;
  amountText: string;
  transferType: repo.TransferType;
}

export async function transferFund(deps: ServiceDeps, merchant: Merchant, input: TransferInput): Promise<{ transfer: repo.WalletTransfer; repeated: boolean }> {
  if (!isSupportedAsset(deps, input.currency)) fail(Errors.INVALID_PARAM_WRONG_VALUE, `currency ${input.currency} is not supported`);
  // the amount's text is how it was written ("10" or "10.00"), not what it is: not part of the request
  const { amountText: _written, ...request } = input;
  const hash = inputHash(request);
  return once<repo.WalletTransfer, { transfer: repo.WalletTransfer; repeated: boolean }>({
    key: `requestId ${input.requestId}`,
    hash,
    find: () => repo.findTransfer(deps.store.db, merchant.merchantId, input.requestId),
    replay: (transfer) => ({ transfer, repeated: true }),
    create: () => withTransaction(deps.store, async (tx) => {
      const nowMs = deps.clock.now();
      const spot = merchantAccount(merchant.merchantId, input.currency, 'SPOT');
      const funding = merchantAccount(merchant.merchantId, input.currency, 'FUNDING');
      const [from, to] = input.transferType === 'TO_MAIN' ? [funding, spot] : [spot, funding];
      let status: repo.TransferStatus = 'SUCCESS';
      let failReason: string | null = null;
      try {
        await post(tx, [{ debit: from, credit: to, amount: input.amount, kind: 'WALLET_TRANSFER', refType: 'wallet_transfer', refId: `${merchant.merchantId}:${input.requestId}` }], nowMs);
      } catch (error) {
        if (!(error instanceof InsufficientFundsError)) throw error;
        status = 'FAILURE';
        failReason = `insufficient ${from.wallet.toLowerCase()} wallet balance`;
      }
      const transfer: repo.WalletTransfer = { tranId: input.requestId, merchantId: merchant.merchantId, requestHash: hash, currency: input.currency, amount: input.amount, amountText: input.amountText, transferType: input.transferType, status, failReason, createdAtMs: nowMs };
      await repo.insertTransfer(tx.db, transfer);
      return { transfer, repeated: false };
    }),
  });
}

export async function queryTransfer(deps: ServiceDeps, merchant: Merchant, tranId: string): Promise<repo.WalletTransfer> {
  const transfer = await repo.findTransfer(deps.store.db, merchant.merchantId, tranId);
  if (!transfer) fail(Errors.INVALID_PARAM_WRONG_VALUE, `tranId ${tranId} not found`);
  return transfer;
}
