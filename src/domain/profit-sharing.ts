/** Profit sharing (fact sheet §3.14): splits of paid orders to registered receivers, and returns. */
import type { Amount } from '../lib/amount.ts';

/** Integer enums of §3.14. */
export const SplitStatus = { WAITING: 0, PROCESSING: 1, FINISHED: 2 } as const;
export const SplitDetailStatus = { PROCESSING: 1, SUCCESS: 2, FAIL: 3 } as const;
export type SplitDetailStatusValue = (typeof SplitDetailStatus)[keyof typeof SplitDetailStatus];

export const MAX_SPLIT_RECEIVERS = 100;

export interface Split {
  splitOrderNo: string;
  merchantId: number;
  merchantRequestId: string;
  prepayId: string;
  requestHash: string;
  status: number;
  totalAmount: Amount;
  createdAtMs: number;
  finishedAtMs: number | null;
  details: SplitDetail[];
}

export interface SplitDetail {
  detailId: string;
  account: string;
  amount: Amount;
  description: string | null;
  webhookUrl: string | null;
  status: SplitDetailStatusValue;
  failReason: string | null;
  returnedAmount: Amount;
  finishedAtMs: number | null;
}

export interface SplitReturn {
  returnOrderNo: string;
  merchantId: number;
  merchantReturnNo: string;
  prepayId: string;
  splitOrderNo: string;
  originMerchantRequestId: string;
  transferOutAccount: string;
  returnAmount: Amount;
  description: string | null;
  webhookUrl: string | null;
  requestHash: string;
  status: SplitDetailStatusValue;
  failReason: string | null;
  createdAtMs: number;
  finishedAtMs: number | null;
}
