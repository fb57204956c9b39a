import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

/**
 * Dashboard sign-in sessions (docs/checkout.md). Kept in the database, not in memory, so every node
 * sharing it knows a session and signing out ends it everywhere.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('dashboard_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'bigint')
    .addColumn('api_key', 'text')
    .addColumn('admin_token_fingerprint', 'text')
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dashboard_sessions_expiry').on('dashboard_sessions').column('expires_at_ms').execute();
}
