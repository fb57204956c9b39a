/** Profit sharing `/binancepay/openapi/profitsharing/v1/...` (fact sheet §3.14). */
import type { Amount } from './common.ts';

/** A receiver is identified by its Binance ID. */
export interface ProfitSharingAccount {
  account: string;
}

export interface QueryReceiverRequest {
  /** From 1. */
  pageNum: number;
  pageSize: number;
}

export interface QueryReceiverResult {
  accountList: unknown[];
  totalPageNum: number;
  totalRecordNum: number;
  currentPageNum: number;
  currentPageSize: number;
}

export interface SplitReceiver {
  /** Must be a registered receiver. */
  account: string;
  amount: Amount;
  /** ≤128, no special characters except `, / .` */
  description?: string;
  webhookUrl?: string;
}

/** The order must have been created with `orderTags.ifProfitSharing = true` and be paid. */
export interface SubmitSplitRequest {
  /** 1–32. */
  merchantRequestId: string;
  prepayId: string;
  /** ≤100 receivers. */
  receiverList: SplitReceiver[];
}

/** Split order `0` WAITING, `1` PROCESSING, `2` FINISHED. */
export type SplitOrderStatus = 0 | 1 | 2;
/** Split detail and return: `1` PROCESSING, `2` SUCCESS, `3` FAIL. */
export type SplitDetailStatus = 1 | 2 | 3;

export interface SplitReceiverDetail {
  account: string;
  amount: string | number;
  failReason?: string;
  /** 18 chars. */
  detailId: string;
  status: SplitDetailStatus;
  /** Unix **seconds**. */
  finishTime?: number;
}

export interface SplitResult {
  /** 18 chars. */
  splitOrderNo: string;
  merchantRequestId: string;
  prepayId: string;
  status: SplitOrderStatus;
  receiverOrderDetails: SplitReceiverDetail[];
}

export interface QuerySplitRequest {
  merchantRequestId: string;
  prepayId: string;
}

/** One of `splitOrderNo` / `originMerchantRequestId` is required. */
export type ReturnSplitRequest = {
  prepayId: string;
  /** 1–32. */
  merchantReturnNo: string;
  /** Pay ID the funds are pulled from. */
  transferOutAccount: string;
  returnAmount: Amount;
  /** 1–128. */
  description: string;
  webhookUrl?: string;
} & ({ splitOrderNo: string; originMerchantRequestId?: string } | { splitOrderNo?: string; originMerchantRequestId: string });

export interface ReturnSplitResult {
  prepayId: string;
  splitOrderNo?: string;
  originMerchantRequestId?: string;
  merchantReturnNo: string;
  transferOutAccount: string;
  returnAmount: string | number;
  returnOrderNo: string;
  status: SplitDetailStatus;
  failReason?: string;
  /** Unix **seconds**. */
  finishTime?: number;
}
