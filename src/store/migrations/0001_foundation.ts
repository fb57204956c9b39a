import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

/** Merchants, API keys, replay-protection nonces and the webhook signing keys. */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('merchants')
    .addColumn('merchant_id', 'bigint', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('ip_allowlist', 'text')
    .addColumn('pay_closed_notify', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('commission_rate', 'text')
    .addColumn('partner_merchant_id', 'bigint')
    .addColumn('is_demo', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('api_key', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'bigint', (c) => c.notNull().references('merchants.merchant_id'))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at_ms', 'bigint')
    .addColumn('expires_at_ms', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_merchant').on('api_keys').column('merchant_id').execute();

  await db.schema
    .createTable('request_nonces')
    .addColumn('api_key', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('request_nonces_pk', ['api_key', 'nonce'])
    .execute();
  await db.schema.createIndex('request_nonces_expiry').on('request_nonces').column('expires_at_ms').execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('cert_serial', 'text', (c) => c.primaryKey())
    .addColumn('public_pem', 'text', (c) => c.notNull())
    .addColumn('private_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('retired_at_ms', 'bigint')
    .addColumn('listed_until_ms', 'bigint')
    .execute();
}
