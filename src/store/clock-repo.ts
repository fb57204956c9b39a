import { sql } from 'kysely';
import type { Queryable, Store } from './db.ts';
import { toNumber } from './db.ts';

/** The sandbox clock's offset from real time, shared by every node on the database (migration 0009). */
export async function readClockOffset(db: Queryable): Promise<number> {
  const row = await db.selectFrom('sandbox_clock').select('offset_ms').where('id', '=', 1).executeTakeFirst();
  return row ? toNumber(row.offset_ms) : 0;
}

/** Moves the shared offset forward by `ms` in one statement (two nodes advancing at once both count); the new offset. */
export async function advanceClockOffset(store: Store, ms: number, nowMs: number): Promise<number> {
  const row = await store.db
    .updateTable('sandbox_clock')
    .set({ offset_ms: sql<bigint>`offset_ms + ${ms}`, updated_at_ms: nowMs })
    .where('id', '=', 1)
    .returning('offset_ms')
    .executeTakeFirstOrThrow();
  return toNumber(row.offset_ms);
}
