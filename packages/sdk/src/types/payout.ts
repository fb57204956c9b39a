/** Payout endpoints: batch transfer, query, validate receiver (fact sheet §3.8–§3.10, statuses §4.3). */
import type { Amount, Long, WalletType } from './common.ts';

/** Newest revisions list only `BINANCE_ID` and `EMAIL`. */
export type PayoutReceiveType = 'PAY_ID' | 'BINANCE_ID' | 'EMAIL';
export type PayoutBizScene = 'DIRECT_TRANSFER' | 'CRYPTO_REWARDS' | 'SETTLEMENT' | 'REIMBURSEMENT' | 'MERCHANT_PAYMENT' | 'OTHERS';
export type PayoutBatchStatus = 'ACCEPTED' | 'PROCESSING' | 'SUCCESS' | 'PART_SUCCESS' | 'FAILED' | 'CANCELED';
export type PayoutDetailStatus = 'PROCESSING' | 'SUCCESS' | 'FAIL' | 'AWAITING_RECEIPT' | 'REFUNDED';
export type PayoutDetailFilter = 'ALL' | 'PROCESSING' | 'SUCCESS' | 'FAIL';

export interface PayoutTransferDetail {
  /** ≤32, unique per detail. */
  merchantSendId: string;
  receiveType: PayoutReceiveType;
  receiver: string;
  transferAmount: Amount;
  transferMethod: WalletType;
  remark?: string;
  registrationEmail?: string;
  registrationMobileNumber?: string;
  registrationMobileCode?: string;
}

/** `POST /binancepay/openapi/payout/transfer` (fact sheet §3.8). */
export interface BatchPayoutRequest {
  requestId: string;
  bizScene?: PayoutBizScene;
  batchName: string;
  currency: string;
  /** Must equal the sum of `transferAmount`s. */
  totalAmount: Amount;
  /** Must equal the number of details; max 500. */
  totalNumber: number;
  transferDetailList: PayoutTransferDetail[];
  webhookUrl?: string;
  subMerchantId?: string;
}

/** Processing is asynchronous; the PAYOUT webhook reports the outcome (fact sheet §3.8). */
export interface BatchPayoutResult {
  requestId: string;
  status: 'ACCEPTED' | (string & {});
}

/** `POST /binancepay/openapi/payout/query` — `detailStatus` may be a string or a list (fact sheet §3.9). */
export interface QueryPayoutRequest {
  requestId: string;
  detailStatus?: PayoutDetailFilter | PayoutDetailFilter[];
}

export interface PayoutDetailResult {
  orderId: Long;
  merchantSendId: string;
  payerId: Long;
  amount: string;
  receiveType: PayoutReceiveType;
  receiver: string;
  payeeId: Long;
  transferMethod: WalletType;
  status: PayoutDetailStatus;
  remark?: string;
}

export interface QueryPayoutResult {
  requestId: string;
  batchStatus: PayoutBatchStatus;
  merchantId: Long;
  currency: string;
  totalAmount: number | string;
  totalNumber: number;
  transferDetailList: PayoutDetailResult[];
}

/** `POST /binancepay/openapi/payout/receiver/check` → `data: boolean` (fact sheet §3.10). */
export interface CheckPayoutReceiverRequest {
  receiveType: PayoutReceiveType;
  receiverId: string;
  registrationEmail?: string;
  registrationMobileNumber?: string;
  /** e.g. `971`. */
  registrationMobileCode?: string;
  openUserId?: string;
}
