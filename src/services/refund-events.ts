/** The `data` of PAY_REFUND notifications, shaped like the sample in fact sheet §9 H. */
import { productOf, type Order } from '../domain/order.ts';
import type { Refund } from '../domain/refund.ts';
import { formatAmount, formatAmountTrimmed } from '../lib/amount.ts';
import { jsonNumber, stringifyJson } from '../lib/json.ts';

export function refundEventData(order: Order, refund: Refund, eventTimeMs: number): string {
  const { productType, productName } = productOf(order);
  const data: Record<string, unknown> = {
    merchantTradeNo: order.merchantTradeNo,
    totalFee: jsonNumber(formatAmountTrimmed(order.orderAmount)),
    transactTime: eventTimeMs,
    refundInfo: {
      orderAmount: formatAmount(order.orderAmount),
      duplicateRequest: 'N',
      payerOpenId: order.openUserId ?? '',
      prepayId: order.prepayId,
      refundRequestId: refund.refundRequestId,
      refundedAmount: formatAmount(refund.refundedTotal),
      remainingAttempts: refund.remainingAttempts,
      refundAmount: formatAmount(refund.refundAmount),
    },
    currency: order.currency,
    commission: order.commission === 0n ? jsonNumber('0') : jsonNumber(formatAmount(order.commission)),
  };
  if (order.openUserId) data.openUserId = order.openUserId;
  data.productType = productType;
  data.productName = productName;
  data.tradeType = order.terminalType;
  return stringifyJson(data);
}
