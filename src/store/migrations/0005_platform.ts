import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';
import { addIdColumn } from './columns.ts';

/**
 * Platform businesses: sub-merchant profiles (sub-merchants are merchants with a partner), profit
 * sharing (receivers, splits and their details, returns) and the audit log of management actions.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema.alterTable('merchants').addColumn('profile_json', 'text').execute();
  // sub-merchant names are unique under their partner (fact sheet §3.13 → 400205); top-level names are free
  await db.schema.createIndex('merchants_partner_name').on('merchants').columns(['partner_merchant_id', 'name']).unique().execute();

  await db.schema
    .createTable('ps_receivers')
    .addColumn('merchant_id', 'bigint', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ps_receivers_pk', ['merchant_id', 'account'])
    .execute();

  await db.schema
    .createTable('ps_splits')
    .addColumn('split_order_no', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'bigint', (c) => c.notNull())
    .addColumn('merchant_request_id', 'text', (c) => c.notNull())
    .addColumn('prepay_id', 'text', (c) => c.notNull().references('orders.prepay_id'))
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('total_amount', 'bigint', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('finished_at_ms', 'bigint')
    .addUniqueConstraint('ps_splits_request', ['merchant_id', 'merchant_request_id'])
    .execute();
  await db.schema.createIndex('ps_splits_order').on('ps_splits').column('prepay_id').execute();

  await db.schema
    .createTable('ps_split_details')
    .addColumn('detail_id', 'text', (c) => c.primaryKey())
    .addColumn('split_order_no', 'text', (c) => c.notNull().references('ps_splits.split_order_no'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('webhook_url', 'text')
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('fail_reason', 'text')
    .addColumn('returned_amount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('finished_at_ms', 'bigint')
    .execute();
  await db.schema.createIndex('ps_split_details_split').on('ps_split_details').columns(['split_order_no', 'seq']).execute();

  await db.schema
    .createTable('ps_returns')
    .addColumn('return_order_no', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'bigint', (c) => c.notNull())
    .addColumn('merchant_return_no', 'text', (c) => c.notNull())
    .addColumn('prepay_id', 'text', (c) => c.notNull())
    .addColumn('split_order_no', 'text', (c) => c.notNull())
    .addColumn('origin_merchant_request_id', 'text', (c) => c.notNull())
    .addColumn('transfer_out_account', 'text', (c) => c.notNull())
    .addColumn('return_amount', 'bigint', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('webhook_url', 'text')
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('fail_reason', 'text')
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('finished_at_ms', 'bigint')
    .addUniqueConstraint('ps_returns_request', ['merchant_id', 'merchant_return_no'])
    .execute();

  await addIdColumn(db.schema.createTable('audit_log'), dialect)
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'bigint')
    .addColumn('detail_json', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_merchant').on('audit_log').columns(['merchant_id', 'id']).execute();
}
