/** Refund and query refund on the wire (fact sheet §3.5, §3.6). */
import type { Order } from '../../../domain/order.ts';
import type { Refund } from '../../../domain/refund.ts';
import { formatAmount } from '../../../lib/amount.ts';
import { jsonNumber } from '../../../lib/json.ts';
import { amount, LETTERS_DIGITS, obj, opt, req, str, url } from './fields.ts';

export const refundSchema = obj({
  refundRequestId: req(str({ max: 64, chars: /^[\x21-\x7e]+$/, charsLabel: 'printable ASCII without spaces' })),
  prepayId: req(str({ max: 19, chars: LETTERS_DIGITS, charsLabel: 'letters and digits only', numeric: true })),
  refundAmount: req(amount()),
  refundReason: opt(str({ max: 256 })),
  webhookUrl: opt(url(256)),
});

export const queryRefundSchema = obj({
  refundRequestId: req(str({ max: 64 })),
});

function common(refund: Refund, order: Order) {
  return {
    refundId: jsonNumber(refund.refundId),
    refundRequestId: refund.refundRequestId,
    prepayId: refund.prepayId,
    orderAmount: formatAmount(order.orderAmount),
    refundedAmount: formatAmount(refund.refundedTotal),
    refundAmount: formatAmount(refund.refundAmount),
    remainingAttempts: refund.remainingAttempts,
    payerOpenId: order.openUserId ?? '',
  };
}

export function refundResult(refund: Refund, order: Order, duplicate: boolean) {
  return { ...common(refund, order), duplicateRequest: duplicate ? 'Y' : 'N' };
}

export function queryRefundResult(refund: Refund, order: Order) {
  return { ...common(refund, order), refundStatus: refund.status };
}
