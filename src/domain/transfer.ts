/** Transfers between a merchant's spot and funding wallets (fact sheet §3.12). */
export type TransferType = 'TO_MAIN' | 'TO_PAY';
export type TransferStatus = 'SUCCESS' | 'FAILURE' | 'PROCESS';

export interface WalletTransfer {
  tranId: string;
  merchantId: number;
  requestHash: string;
  currency: string;
  amount: bigint;
  /** the amount exactly as the request wrote it, echoed back */
  amountText: string;
  transferType: TransferType;
  status: TransferStatus;
  failReason: string | null;
  createdAtMs: number;
}
