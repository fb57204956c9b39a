/** Transfer fund and its query on the wire (fact sheet §3.12). */
import type { WalletTransfer } from '../../../domain/transfer.ts';
import { amount, obj, oneOf, req, str } from './fields.ts';

export const transferSchema = obj({
  requestId: req(str({ max: 32 })),
  currency: req(str({ max: 10, chars: /^[A-Z0-9]+$/, charsLabel: 'upper-case letters and digits only' })),
  amount: req(amount({ max: 99_999_999_999_999_999n })),
  transferType: req(oneOf(['TO_MAIN', 'TO_PAY'] as const)),
});

export const transferQuerySchema = obj({ tranId: req(str({ max: 32 })) });

export function transferResult(t: WalletTransfer) {
  return { tranId: t.tranId, status: t.status, currency: t.currency, amount: t.amountText, transferType: t.transferType };
}
