/** Batch payouts (fact sheet §3.8–3.10, §4.3, §7.5). */
import type { Amount } from '../lib/amount.ts';

export const BIZ_SCENES = ['DIRECT_TRANSFER', 'CRYPTO_REWARDS', 'SETTLEMENT', 'REIMBURSEMENT', 'MERCHANT_PAYMENT', 'OTHERS'] as const;
export const RECEIVE_TYPES = ['PAY_ID', 'BINANCE_ID', 'EMAIL'] as const;
export const TRANSFER_METHODS = ['FUNDING_WALLET', 'SPOT_WALLET'] as const;
export const DETAIL_STATUS_FILTERS = ['ALL', 'PROCESSING', 'SUCCESS', 'FAIL'] as const;

export type BatchStatus = 'ACCEPTED' | 'PROCESSING' | 'SUCCESS' | 'PART_SUCCESS' | 'FAILED' | 'CANCELED';
export type DetailStatus = 'PROCESSING' | 'SUCCESS' | 'FAIL' | 'AWAITING_RECEIPT' | 'REFUNDED';
export type ReceiveType = (typeof RECEIVE_TYPES)[number];
export type TransferMethod = (typeof TRANSFER_METHODS)[number];

export const MAX_PAYOUT_DETAILS = 500;
/** An email receiver has 72 h to open an account before the money returns (fact sheet §3.8). */
export const EMAIL_CLAIM_WINDOW_MS = 72 * 3600_000;
/** Per-transfer limit: 80 000 USD equivalent (fact sheet §3.8). */
export const MAX_TRANSFER_USD = '80000';

export interface Payout {
  payoutId: string;
  merchantId: number;
  requestId: string;
  requestHash: string;
  batchName: string;
  bizScene: string;
  currency: string;
  totalAmount: Amount;
  totalNumber: number;
  webhookUrl: string | null;
  subMerchantId: string | null;
  status: BatchStatus;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface PayoutDetail {
  /** Binance's detail `orderId` (a long) */
  detailId: string;
  payoutId: string;
  seq: number;
  merchantSendId: string;
  receiveType: ReceiveType;
  receiver: string;
  amount: Amount;
  transferMethod: TransferMethod;
  remark: string | null;
  extra: Record<string, unknown>;
  status: DetailStatus;
  failReason: string | null;
  payeeBinanceId: string | null;
  pendingTransferId: string | null;
  awaitingUntilMs: number | null;
  updatedAtMs: number;
}

/** A detail still in flight: the batch is not final while any is. */
export function isDetailOpen(status: DetailStatus): boolean {
  return status === 'PROCESSING' || status === 'AWAITING_RECEIPT';
}

/** The batch's final status from its details (fact sheet §4.3); undefined while any detail is open. */
export function finalBatchStatus(details: Array<Pick<PayoutDetail, 'status'>>): BatchStatus | undefined {
  if (details.some((d) => isDetailOpen(d.status))) return undefined;
  const ok = details.filter((d) => d.status === 'SUCCESS').length;
  if (ok === details.length) return 'SUCCESS';
  return ok === 0 ? 'FAILED' : 'PART_SUCCESS';
}
