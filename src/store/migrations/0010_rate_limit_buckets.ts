import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

/**
 * BPAY_RATE_LIMIT's token buckets, one row per API key, shared by every node on the database:
 * nodes lease tokens from them in chunks (src/services/rate-limit.ts), so the limit holds for the
 * cluster, not per node. Tokens are fractional (refilled continuously); not money, so a double.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('rate_limit_buckets')
    .addColumn('api_key', 'text', (c) => c.primaryKey())
    .addColumn('tokens', 'double precision', (c) => c.notNull())
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .execute();
}
