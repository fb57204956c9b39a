/**
 * The `data` of PAY notifications, built when the order changes (fact sheet §5.4). Number fields
 * are exact literals: totalFee as in the samples (0.88000000), payerId as a long.
 */
import { productOf, type Order } from '../domain/order.ts';
import { formatAmount } from '../lib/amount.ts';
import { jsonNumber, stringifyJson } from '../lib/json.ts';

/** Commission as Binance samples show it: `0` when none, else an 8-decimal literal. */
function commissionLiteral(order: Order) {
  return order.commission === 0n ? jsonNumber('0') : jsonNumber(formatAmount(order.commission));
}

/** `payerDetail`: encrypted payer details for whitelisted merchants (src/services/payer-detail.ts), PAY_SUCCESS only. */
export function payEventData(order: Order, bizStatus: 'PAY_SUCCESS' | 'PAY_CLOSED', eventTimeMs: number, payerDetail?: string): string {
  const { productType, productName } = productOf(order);
  // key order of the sample in fact sheet §9 G
  const data: Record<string, unknown> = {
    merchantTradeNo: order.merchantTradeNo,
    totalFee: jsonNumber(formatAmount(order.orderAmount)),
    transactTime: order.transactTimeMs ?? eventTimeMs,
    currency: order.currency,
  };
  if (bizStatus === 'PAY_SUCCESS' && order.openUserId) data.openUserId = order.openUserId;
  data.productType = productType;
  data.productName = productName;
  data.tradeType = order.terminalType;
  if (bizStatus === 'PAY_SUCCESS' && order.transactionId) data.transactionId = order.transactionId;
  if (order.passThroughInfo !== null) data.passThroughInfo = order.passThroughInfo;
  data.commission = commissionLiteral(order);
  if (bizStatus === 'PAY_SUCCESS' && order.paymentInfo) {
    data.paymentInfo = {
      payerId: jsonNumber(order.paymentInfo.payerId),
      payMethod: order.paymentInfo.payMethod,
      paymentInstructions: order.paymentInfo.paymentInstructions.map((p) => ({ currency: p.currency, amount: jsonNumber(p.amount), price: jsonNumber(p.price) })),
      channel: order.paymentInfo.channel,
      ...(payerDetail !== undefined ? { payerDetail } : {}),
    };
  }
  return stringifyJson(data);
}
