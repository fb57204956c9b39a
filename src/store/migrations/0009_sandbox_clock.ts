import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

/**
 * The sandbox business clock's offset from real time (time control), one row shared by every node
 * on the database and kept across restarts: `bpay time advance` on one node moves every node's
 * clock, and data written in the advanced timeline never finds time running backwards after a
 * restart (src/services/time-control.ts).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('sandbox_clock')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('offset_ms', 'bigint', (c) => c.notNull())
    .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into sandbox_clock (id, offset_ms, updated_at_ms) values (1, 0, 0)`.execute(db);
}
