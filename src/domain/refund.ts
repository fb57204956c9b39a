/** Refunds of paid orders (fact sheet §3.5, §3.6, §4.2, §7.4). */
import type { Amount } from '../lib/amount.ts';

export type RefundStatus = 'REFUND_PENDING' | 'REFUND_SUCCESS' | 'REFUND_FAIL';

/** Refunds per order; when one attempt is left, the next refund takes the whole remainder (fact sheet §4.2). */
export const REFUND_ATTEMPTS = 10;

export interface Refund {
  refundId: string;
  merchantId: number;
  refundRequestId: string;
  prepayId: string;
  requestHash: string;
  /** what the merchant asked for */
  requestedAmount: Amount;
  /** what is refunded: the request, or the remainder on the last attempt */
  refundAmount: Amount;
  /** the order's refunded total including this refund, as of its creation */
  refundedTotal: Amount;
  remainingAttempts: number;
  currency: string;
  refundReason: string | null;
  webhookUrl: string | null;
  status: RefundStatus;
  pendingTransferId: string | null;
  createdAtMs: number;
  updatedAtMs: number;
}
