import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

/**
 * Failed dashboard sign-ins per client address in the current window, shared by every node on the
 * database, so the throttle holds behind a load balancer (src/services/sign-in-throttle.ts).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('sign_in_failures')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_start_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_failures_window').on('sign_in_failures').column('window_start_ms').execute();
}
