import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

/**
 * Refunds, batch payouts and wallet transfers. Each keeps the hash of the request that created it
 * (idempotency is a key plus a hash, ARCHITECTURE.md principle 6) and the ids of its ledger
 * transfers; the money itself lives in the ledger.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('refunds')
    .addColumn('refund_id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'bigint', (c) => c.notNull())
    .addColumn('refund_request_id', 'text', (c) => c.notNull())
    .addColumn('prepay_id', 'text', (c) => c.notNull().references('orders.prepay_id'))
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('requested_amount', 'bigint', (c) => c.notNull())
    .addColumn('refund_amount', 'bigint', (c) => c.notNull())
    .addColumn('refunded_total', 'bigint', (c) => c.notNull())
    .addColumn('remaining_attempts', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('refund_reason', 'text')
    .addColumn('webhook_url', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('pending_transfer_id', 'bigint')
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('refunds_merchant_request', ['merchant_id', 'refund_request_id'])
    .execute();
  await db.schema.createIndex('refunds_order').on('refunds').column('prepay_id').execute();
  await db.schema.createIndex('refunds_status').on('refunds').columns(['status', 'created_at_ms']).execute();

  await db.schema
    .createTable('payouts')
    .addColumn('payout_id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'bigint', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('batch_name', 'text', (c) => c.notNull())
    .addColumn('biz_scene', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('total_amount', 'bigint', (c) => c.notNull())
    .addColumn('total_number', 'integer', (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('sub_merchant_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('payouts_merchant_request', ['merchant_id', 'request_id'])
    .execute();
  await db.schema.createIndex('payouts_status').on('payouts').columns(['status', 'created_at_ms']).execute();

  await db.schema
    .createTable('payout_details')
    .addColumn('detail_id', 'text', (c) => c.primaryKey())
    .addColumn('payout_id', 'text', (c) => c.notNull().references('payouts.payout_id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('merchant_send_id', 'text', (c) => c.notNull())
    .addColumn('receive_type', 'text', (c) => c.notNull())
    .addColumn('receiver', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('transfer_method', 'text', (c) => c.notNull())
    .addColumn('remark', 'text')
    .addColumn('extra_json', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('fail_reason', 'text')
    .addColumn('payee_binance_id', 'bigint')
    .addColumn('pending_transfer_id', 'bigint')
    .addColumn('awaiting_until_ms', 'bigint')
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('payout_details_send_id', ['payout_id', 'merchant_send_id'])
    .execute();
  await db.schema.createIndex('payout_details_payout').on('payout_details').columns(['payout_id', 'seq']).execute();
  await db.schema.createIndex('payout_details_awaiting').on('payout_details').columns(['status', 'receive_type', 'awaiting_until_ms']).execute();

  await db.schema
    .createTable('wallet_transfers')
    .addColumn('tran_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'bigint', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('amount_text', 'text', (c) => c.notNull())
    .addColumn('transfer_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('fail_reason', 'text')
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('wallet_transfers_pk', ['merchant_id', 'tran_id'])
    .execute();
}
