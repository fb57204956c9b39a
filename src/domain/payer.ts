/** A simulated Binance user: what the sandbox pays with. */
export interface Payer {
  /** Numeric Binance ID as a decimal string. */
  binanceId: string;
  email: string | null;
  name: string | null;
  createdAtMs: number;
}
