/** Wallet balance v1/v2 and transfer fund (fact sheet §3.11, §3.12). */
import type { WalletType } from './common.ts';

/** `POST /binancepay/openapi/balance`: one currency. */
export interface BalanceRequest {
  wallet: WalletType;
  /** Upper-case. */
  currency: string;
}

export interface BalanceResult {
  balance: number;
  asset: string;
  /** e.g. `USD`. */
  fiat: string;
  availableFiatValuation: number;
  availableBtcValuation: number;
}

/** `POST /binancepay/openapi/v2/balance`: omit `currency` for all assets. */
export interface BalanceV2Request {
  wallet: WalletType;
  currency?: string;
}

export interface BalanceV2Entry {
  available: number;
  freeze: number;
  asset: string;
  availableFiatValuation: number;
  availableBtcValuation: number;
}

export interface BalanceV2Result {
  balance: BalanceV2Entry[];
  wallet: string;
  /** The doc table says string; the sample prints a number. */
  updateTime: number | string;
  fiat: string;
}

/** `TO_MAIN` = to spot wallet, `TO_PAY` = to funding wallet (fact sheet §3.12). */
export type TransferType = 'TO_MAIN' | 'TO_PAY';
export type TransferStatus = 'SUCCESS' | 'FAILURE' | 'PROCESS';

/** `POST /binancepay/openapi/wallet/transfer`. */
export interface TransferFundRequest {
  /** ≤32; retrying with the same id is idempotent (§7.7). */
  requestId: string;
  currency: string;
  /** A JSON **string** on this endpoint (fact sheet §3.12), unlike order amounts. */
  amount: string;
  transferType: TransferType;
}

export interface TransferFundResult {
  /** Equals the request's `requestId`. */
  tranId: string;
  status: TransferStatus;
  currency: string;
  amount: string;
  transferType: TransferType;
}

/** Transfer fund result plus whether Binance answered `REPEAT_REQ_SUCCESS` (an idempotent repeat). */
export interface TransferFundOutcome extends TransferFundResult {
  repeated: boolean;
}

/** `POST /binancepay/openapi/wallet/transfer/query`; `tranId` = the transfer's requestId. */
export interface QueryTransferFundRequest {
  tranId: string;
}

export interface QueryTransferFundResult {
  tranId: string;
  status: TransferStatus;
  /** Older revision only. */
  amount?: string;
  /** Older revision only. */
  currency?: string;
}
