import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';
import { addIdColumn } from './columns.ts';

/**
 * Payers, the double-entry ledger, orders and the webhook outbox.
 * Ledger accounts keep TigerBeetle-style running totals (posted and pending, debits and credits);
 * transfers are an append-only journal: a pending transfer is resolved by a new POST_PENDING or
 * VOID_PENDING row, never by an update (ARCHITECTURE.md principle 4).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('payers')
    .addColumn('binance_id', 'bigint', (c) => c.primaryKey())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payers_email').on('payers').column('email').unique().execute();

  await db.schema
    .createTable('payer_open_ids')
    .addColumn('binance_id', 'bigint', (c) => c.notNull().references('payers.binance_id'))
    .addColumn('merchant_id', 'bigint', (c) => c.notNull())
    .addColumn('open_user_id', 'text', (c) => c.notNull().unique())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('payer_open_ids_pk', ['binance_id', 'merchant_id'])
    .execute();

  await addIdColumn(db.schema.createTable('ledger_accounts'), dialect)
    .addColumn('owner_type', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('wallet', 'text', (c) => c.notNull())
    .addColumn('asset', 'text', (c) => c.notNull())
    .addColumn('no_negative', 'smallint', (c) => c.notNull())
    .addColumn('debits_posted', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('credits_posted', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('debits_pending', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('credits_pending', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('ledger_accounts_owner_wallet_asset', ['owner_type', 'owner_id', 'wallet', 'asset'])
    .execute();

  await addIdColumn(db.schema.createTable('ledger_transfers'), dialect)
    .addColumn('debit_account_id', 'bigint', (c) => c.notNull().references('ledger_accounts.id'))
    .addColumn('credit_account_id', 'bigint', (c) => c.notNull().references('ledger_accounts.id'))
    .addColumn('asset', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('pending_id', 'bigint', (c) => c.unique().references('ledger_transfers.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref_type', 'text', (c) => c.notNull())
    .addColumn('ref_id', 'text', (c) => c.notNull())
    .addColumn('memo', 'text')
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_transfers_ref').on('ledger_transfers').columns(['ref_type', 'ref_id']).execute();
  await db.schema.createIndex('ledger_transfers_debit').on('ledger_transfers').column('debit_account_id').execute();
  await db.schema.createIndex('ledger_transfers_credit').on('ledger_transfers').column('credit_account_id').execute();

  await db.schema
    .createTable('orders')
    .addColumn('prepay_id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.merchant_id'))
    .addColumn('sub_merchant_id', 'text')
    .addColumn('merchant_trade_no', 'text', (c) => c.notNull())
    .addColumn('api_version', 'smallint', (c) => c.notNull())
    .addColumn('terminal_type', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('order_amount', 'bigint', (c) => c.notNull())
    .addColumn('fiat_currency', 'text')
    .addColumn('fiat_amount', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('goods_json', 'text')
    .addColumn('extra_json', 'text')
    .addColumn('pass_through_info', 'text')
    .addColumn('webhook_url', 'text')
    .addColumn('return_url', 'text')
    .addColumn('cancel_url', 'text')
    .addColumn('support_pay_currency', 'text')
    .addColumn('profit_sharing', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('link_token', 'text', (c) => c.notNull().unique())
    .addColumn('create_time_ms', 'bigint', (c) => c.notNull())
    .addColumn('expire_time_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('transact_time_ms', 'bigint')
    .addColumn('transaction_id', 'text')
    .addColumn('payer_binance_id', 'bigint')
    .addColumn('open_user_id', 'text')
    .addColumn('payment_json', 'text')
    .addColumn('commission', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('refunded_amount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('refund_count', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('closed_at_ms', 'bigint')
    .addUniqueConstraint('orders_merchant_trade_no', ['merchant_id', 'merchant_trade_no'])
    .execute();
  await db.schema.createIndex('orders_merchant_created').on('orders').columns(['merchant_id', 'create_time_ms']).execute();
  await db.schema.createIndex('orders_status_expire').on('orders').columns(['status', 'expire_time_ms']).execute();

  await addIdColumn(db.schema.createTable('outbox_events'), dialect)
    .addColumn('merchant_id', 'bigint', (c) => c.notNull())
    .addColumn('biz_type', 'text', (c) => c.notNull())
    .addColumn('biz_id', 'text', (c) => c.notNull())
    .addColumn('biz_status', 'text', (c) => c.notNull())
    .addColumn('data_json', 'text', (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('ref_type', 'text', (c) => c.notNull())
    .addColumn('ref_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('outbox_events_due').on('outbox_events').columns(['status', 'next_attempt_at_ms']).execute();
  await db.schema.createIndex('outbox_events_ref').on('outbox_events').columns(['ref_type', 'ref_id']).execute();
  await db.schema.createIndex('outbox_events_merchant').on('outbox_events').columns(['merchant_id', 'id']).execute();
}
