/**
 * Webhook shapes (fact sheet §5.3, §5.4). `WebhookEvent.data` is `unknown` because the payload
 * depends on `bizType`; narrow it with the interfaces below after checking `bizType`.
 */
import type { Long } from './common.ts';

export type WebhookBizType =
  | 'PAY'
  | 'PAY_REFUND'
  | 'PAYOUT'
  | 'PAYOUT_NON_BN'
  | 'BALANCE'
  | 'DIRECT_DEBIT_CT'
  | 'TECH_PROVIDER'
  | 'SHARE_ACCOUNT_ID'
  | 'MERCHANT_QR_CODE';

export interface WebhookEvent {
  bizType: WebhookBizType | (string & {});
  /** Exact decimal digits of the id — never rounded through a JS number (§5.3). */
  bizId: string;
  /** The body's `bizIdStr` when present. */
  bizIdStr?: string;
  bizStatus: string;
  /** `JSON.parse` of the `data` string (the object itself for MERCHANT_QR_CODE); unsafe integers become strings. */
  data: unknown;
  /** The exact body text that was verified. */
  raw: string;
}

/** `bizType: "PAY"`, bizStatus `PAY_SUCCESS` | `PAY_CLOSED`. */
export interface PayWebhookData {
  merchantTradeNo: string;
  productType?: string;
  productName?: string;
  /** Epoch ms. */
  transactTime?: number;
  tradeType?: string;
  totalFee: number | string;
  currency: string;
  transactionId?: string;
  openUserId?: string;
  passThroughInfo?: string;
  commission?: number | string;
  paymentInfo?: {
    payerId: Long;
    payMethod?: string;
    paymentInstructions?: { currency: string; amount: number | string; price: number | string }[];
    channel?: string;
    subChannel?: string;
    payerDetail?: string;
  };
}

/** `bizType: "PAY_REFUND"`, bizStatus `REFUND_SUCCESS` | `REFUND_REJECTED`. */
export interface RefundWebhookData {
  merchantTradeNo: string;
  productType?: string;
  productName?: string;
  tradeType?: string;
  totalFee: number | string;
  currency: string;
  openUserId?: string;
  transactTime?: number;
  commission?: number | string;
  refundInfo: {
    refundRequestId: string;
    prepayId: string;
    orderAmount: string;
    refundedAmount: string;
    refundAmount: string;
    remainingAttempts: number;
    payerOpenId: string;
    duplicateRequest: 'Y' | 'N';
  };
}

/** `bizType: "PAYOUT"`, bizStatus = batch status (§4.3). */
export interface PayoutWebhookData {
  requestId: string;
  batchStatus: string;
  merchantId: Long;
  currency: string;
  totalAmount: number | string;
  totalNumber: number;
}

/** `bizType: "PAYOUT_NON_BN"`: final outcome of an email payout. */
export interface PayoutNonBinanceWebhookData {
  merchantSendId: string;
  /** a string in Binance's sample (`"284838578405933060"`); a number from older senders */
  orderId: Long;
  batchId: Long;
  status: string;
  currency: string;
  amount: number | string;
  receiveType: string;
  receiver: string;
}

/** `bizType: "MERCHANT_QR_CODE"` — the only type whose `data` is an object, not a string. */
export interface MerchantQrCodeWebhookData {
  qrContent: string;
  referId: string;
  qrCodeType?: 'FIXED_AMOUNT' | 'USER_INPUT_AMOUNT';
  amount?: number | string;
  currency?: string;
}

/** What the merchant must answer with HTTP 200 (fact sheet §5.5). */
export interface WebhookAck {
  returnCode: 'SUCCESS' | 'FAIL';
  returnMessage: string | null;
}
