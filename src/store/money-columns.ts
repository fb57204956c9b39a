/**
 * Every column that holds money in 10^-8 units, by table (nullable ones may also be NULL). On
 * SQLite each refuses anything but an integer (triggers: migration 0012 for these; a migration
 * adding a money column adds its own and lists it here), and `bpay ledger verify` checks them all.
 * test/ledger/limits.test.ts proves every one has its triggers.
 */
export const MONEY_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  ledger_account_shards: ['balance', 'debits_pending', 'credits_pending'],
  ledger_transfers: ['amount'],
  orders: ['order_amount', 'fiat_amount', 'commission', 'refunded_amount'],
  refunds: ['requested_amount', 'refund_amount', 'refunded_total'],
  payouts: ['total_amount'],
  payout_details: ['amount'],
  wallet_transfers: ['amount'],
  ps_splits: ['total_amount'],
  ps_split_details: ['amount', 'returned_amount'],
  ps_returns: ['return_amount'],
};
