/** The `data` of PAYOUT and PAYOUT_NON_BN notifications (fact sheet §5.4, sample §9 H). */
import type { Payout, PayoutDetail } from '../domain/payout.ts';
import { formatAmount, formatAmountTrimmed } from '../lib/amount.ts';
import { jsonNumber, stringifyJson } from '../lib/json.ts';

export function payoutEventData(payout: Payout): string {
  return stringifyJson({
    batchStatus: payout.status,
    currency: payout.currency,
    merchantId: payout.merchantId,
    requestId: payout.requestId,
    totalAmount: jsonNumber(formatAmount(payout.totalAmount)),
    totalNumber: payout.totalNumber,
  });
}

/**
 * PAYOUT_NON_BN follows the docs' sample payload (webhook-payout-non-binance): `orderId` and
 * `batchId` are strings, as the table types them, and so is `amount` ("1"), in its shortest form.
 */
export function payoutNonBinanceEventData(payout: Payout, detail: PayoutDetail): string {
  return stringifyJson({
    merchantSendId: detail.merchantSendId,
    orderId: detail.detailId,
    batchId: payout.payoutId,
    status: detail.status,
    currency: payout.currency,
    amount: formatAmountTrimmed(detail.amount),
    receiveType: detail.receiveType,
    receiver: detail.receiver,
  });
}
