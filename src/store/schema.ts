/**
 * Table types for Kysely. Integer columns read back as bigint (SQLite), string (PostgreSQL BIGINT)
 * or number; repositories convert them with toBigInt/toNumber and never hand raw rows upward.
 */
import type { ColumnType, Generated } from 'kysely';

/** A 64-bit integer column: read as bigint | string | number, written as bigint or number. */
export type Int64 = ColumnType<bigint | string | number, bigint | number, bigint | number>;
export type Int64Null = ColumnType<bigint | string | number | null, bigint | number | null | undefined, bigint | number | null>;
/** 0/1 flag stored as smallint on both dialects. */
export type Flag = ColumnType<bigint | string | number | boolean, number | undefined, number>;
export type IdColumn = ColumnType<bigint | string | number, never, never>;

export interface MerchantsTable {
  merchant_id: Int64;
  name: string;
  status: string;
  webhook_url: string | null;
  ip_allowlist: string | null;
  pay_closed_notify: Flag;
  commission_rate: string | null;
  partner_merchant_id: Int64Null;
  is_demo: Flag;
  created_at_ms: Int64;
  updated_at_ms: Int64;
  profile_json: string | null;
  /** migration 0020 */
  new_webhook_certificate: Flag;
  share_payer_detail: Flag;
}

export interface ApiKeysTable {
  api_key: string;
  merchant_id: Int64;
  secret_sealed: string;
  label: string | null;
  status: string;
  created_at_ms: Int64;
  revoked_at_ms: Int64Null;
  expires_at_ms: Int64Null;
}

export interface RequestNoncesTable {
  api_key: string;
  nonce: string;
  expires_at_ms: Int64;
}

/** One row (id 1): moved by triggers on every change to merchants or api_keys (migration 0007). */
export interface AuthEpochTable {
  id: number;
  epoch: Int64;
}

export interface SignInFailuresTable {
  address: string;
  failures: number;
  window_start_ms: Int64;
}

export interface RateLimitBucketsTable {
  api_key: string;
  tokens: number;
  updated_at_ms: Int64;
}

export interface SandboxClockTable {
  id: number;
  offset_ms: Int64;
  updated_at_ms: Int64;
}

export interface SigningKeysTable {
  cert_serial: string;
  public_pem: string;
  private_sealed: string;
  created_at_ms: Int64;
  retired_at_ms: Int64Null;
  listed_until_ms: Int64Null;
  /** migration 0020: 'legacy' (BinancePay-Signature) or 'new' (BinancePay-Signature-New) */
  kind: ColumnType<string, string | undefined, string>;
}

export interface PayersTable {
  binance_id: Int64;
  email: string | null;
  name: string | null;
  created_at_ms: Int64;
}

export interface PayerOpenIdsTable {
  binance_id: Int64;
  merchant_id: Int64;
  open_user_id: string;
  created_at_ms: Int64;
}

export interface LedgerAccountsTable {
  id: Generated<bigint | string | number>;
  owner_type: string;
  owner_id: string;
  wallet: string;
  asset: string;
  no_negative: Flag;
  created_at_ms: Int64;
}

/** An account's balance and pending totals are the sums over its shard rows (migrations 0008, 0012; src/ledger/shards.ts). */
export interface LedgerAccountShardsTable {
  account_id: Int64;
  shard: number;
  balance: ColumnType<bigint | string | number, bigint | number | undefined, bigint | number>;
  debits_pending: ColumnType<bigint | string | number, bigint | number | undefined, bigint | number>;
  credits_pending: ColumnType<bigint | string | number, bigint | number | undefined, bigint | number>;
}

export interface LedgerTransfersTable {
  id: Generated<bigint | string | number>;
  debit_account_id: Int64;
  credit_account_id: Int64;
  asset: string;
  amount: Int64;
  phase: string;
  pending_id: Int64Null;
  /** PENDING transfers: the shard rows their reservation went to (migration 0012) */
  debit_shard: ColumnType<number | null, number | null | undefined, number | null>;
  credit_shard: ColumnType<number | null, number | null | undefined, number | null>;
  kind: string;
  ref_type: string;
  ref_id: string;
  memo: string | null;
  created_at_ms: Int64;
}

export interface OrdersTable {
  prepay_id: string;
  merchant_id: Int64;
  sub_merchant_id: string | null;
  merchant_trade_no: string;
  api_version: ColumnType<bigint | string | number, number, number>;
  terminal_type: string;
  currency: string;
  order_amount: Int64;
  fiat_currency: string | null;
  fiat_amount: Int64Null;
  status: string;
  description: string | null;
  goods_json: string | null;
  extra_json: string | null;
  pass_through_info: string | null;
  webhook_url: string | null;
  return_url: string | null;
  cancel_url: string | null;
  support_pay_currency: string | null;
  profit_sharing: Flag;
  link_token: string;
  create_time_ms: Int64;
  expire_time_ms: Int64;
  updated_at_ms: Int64;
  transact_time_ms: Int64Null;
  transaction_id: string | null;
  payer_binance_id: Int64Null;
  open_user_id: string | null;
  payment_json: string | null;
  commission: ColumnType<bigint | string | number, bigint | number | undefined, bigint | number>;
  refunded_amount: ColumnType<bigint | string | number, bigint | number | undefined, bigint | number>;
  refund_count: ColumnType<bigint | string | number, number | undefined, number>;
  closed_at_ms: Int64Null;
}

export interface OutboxEventsTable {
  id: Generated<bigint | string | number>;
  merchant_id: Int64;
  biz_type: string;
  biz_id: string;
  biz_status: string;
  data_json: string;
  webhook_url: string | null;
  ref_type: string;
  ref_id: string;
  status: string;
  attempts: ColumnType<bigint | string | number, number | undefined, number>;
  next_attempt_at_ms: Int64;
  created_at_ms: Int64;
  // 0003_webhooks
  auto_attempts: ColumnType<bigint | string | number, number | undefined, number>;
  lease_token: string | null;
  lease_until_ms: Int64Null;
  last_attempt_at_ms: Int64Null;
  last_http_status: ColumnType<bigint | string | number | null, number | null | undefined, number | null>;
  last_error: string | null;
  delivered_at_ms: Int64Null;
}

export interface WebhookAttemptsTable {
  id: Generated<bigint | string | number>;
  event_id: Int64;
  merchant_id: Int64;
  attempt_no: ColumnType<bigint | string | number, number, number>;
  trigger: string;
  via: string;
  listener_id: string | null;
  request_url: string;
  request_headers: string;
  request_body: string;
  response_status: ColumnType<bigint | string | number | null, number | null | undefined, number | null>;
  response_body: string | null;
  latency_ms: ColumnType<bigint | string | number | null, number | null | undefined, number | null>;
  error: string | null;
  outcome: string | null;
  started_at_ms: Int64;
  finished_at_ms: Int64Null;
}

export interface WebhookListenersTable {
  listener_id: string;
  merchant_id: Int64;
  node_id: string;
  forward_to: string | null;
  connected_at_ms: Int64;
  seen_at_ms: Int64;
}

export interface RefundsTable {
  refund_id: string;
  merchant_id: Int64;
  refund_request_id: string;
  prepay_id: string;
  request_hash: string;
  requested_amount: Int64;
  refund_amount: Int64;
  refunded_total: Int64;
  remaining_attempts: ColumnType<bigint | string | number, number, number>;
  currency: string;
  refund_reason: string | null;
  webhook_url: string | null;
  status: string;
  pending_transfer_id: Int64Null;
  created_at_ms: Int64;
  updated_at_ms: Int64;
}

export interface PayoutsTable {
  payout_id: string;
  merchant_id: Int64;
  request_id: string;
  request_hash: string;
  batch_name: string;
  biz_scene: string;
  currency: string;
  total_amount: Int64;
  total_number: ColumnType<bigint | string | number, number, number>;
  webhook_url: string | null;
  sub_merchant_id: string | null;
  status: string;
  created_at_ms: Int64;
  updated_at_ms: Int64;
}

export interface PayoutDetailsTable {
  detail_id: string;
  payout_id: string;
  seq: ColumnType<bigint | string | number, number, number>;
  merchant_send_id: string;
  receive_type: string;
  receiver: string;
  amount: Int64;
  transfer_method: string;
  remark: string | null;
  extra_json: string | null;
  status: string;
  fail_reason: string | null;
  payee_binance_id: Int64Null;
  pending_transfer_id: Int64Null;
  awaiting_until_ms: Int64Null;
  updated_at_ms: Int64;
}

export interface WalletTransfersTable {
  tran_id: string;
  merchant_id: Int64;
  request_hash: string;
  currency: string;
  amount: Int64;
  amount_text: string;
  transfer_type: string;
  status: string;
  fail_reason: string | null;
  created_at_ms: Int64;
}

export interface PsReceiversTable {
  merchant_id: Int64;
  account: string;
  created_at_ms: Int64;
}

export interface PsSplitsTable {
  split_order_no: string;
  merchant_id: Int64;
  merchant_request_id: string;
  prepay_id: string;
  request_hash: string;
  status: ColumnType<bigint | string | number, number, number>;
  total_amount: Int64;
  created_at_ms: Int64;
  finished_at_ms: Int64Null;
}

export interface PsSplitDetailsTable {
  detail_id: string;
  split_order_no: string;
  seq: ColumnType<bigint | string | number, number, number>;
  account: string;
  amount: Int64;
  description: string | null;
  webhook_url: string | null;
  status: ColumnType<bigint | string | number, number, number>;
  fail_reason: string | null;
  returned_amount: ColumnType<bigint | string | number, bigint | number | undefined, bigint | number>;
  finished_at_ms: Int64Null;
}

export interface PsReturnsTable {
  return_order_no: string;
  merchant_id: Int64;
  merchant_return_no: string;
  prepay_id: string;
  split_order_no: string;
  origin_merchant_request_id: string;
  transfer_out_account: string;
  return_amount: Int64;
  description: string | null;
  webhook_url: string | null;
  request_hash: string;
  status: ColumnType<bigint | string | number, number, number>;
  fail_reason: string | null;
  created_at_ms: Int64;
  finished_at_ms: Int64Null;
}

export interface AuditLogTable {
  id: Generated<bigint | string | number>;
  at_ms: Int64;
  actor: string;
  action: string;
  merchant_id: Int64Null;
  detail_json: string;
}

/** Signed-in dashboard sessions; the row is keyed by a hash of the cookie token, never the token. */
export interface DashboardSessionsTable {
  token_hash: string;
  kind: string;
  merchant_id: Int64Null;
  api_key: string | null;
  admin_token_fingerprint: string | null;
  csrf_token: string;
  created_at_ms: Int64;
  last_seen_at_ms: Int64;
  expires_at_ms: Int64;
}

export interface DB {
  merchants: MerchantsTable;
  api_keys: ApiKeysTable;
  request_nonces: RequestNoncesTable;
  auth_epoch: AuthEpochTable;
  sandbox_clock: SandboxClockTable;
  rate_limit_buckets: RateLimitBucketsTable;
  sign_in_failures: SignInFailuresTable;
  signing_keys: SigningKeysTable;
  payers: PayersTable;
  payer_open_ids: PayerOpenIdsTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_account_shards: LedgerAccountShardsTable;
  ledger_transfers: LedgerTransfersTable;
  orders: OrdersTable;
  outbox_events: OutboxEventsTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_listeners: WebhookListenersTable;
  refunds: RefundsTable;
  payouts: PayoutsTable;
  payout_details: PayoutDetailsTable;
  wallet_transfers: WalletTransfersTable;
  ps_receivers: PsReceiversTable;
  ps_splits: PsSplitsTable;
  ps_split_details: PsSplitDetailsTable;
  ps_returns: PsReturnsTable;
  audit_log: AuditLogTable;
  dashboard_sessions: DashboardSessionsTable;
}
