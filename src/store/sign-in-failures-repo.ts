import { sql } from 'kysely';
import { toNumber, type Queryable } from './db.ts';

/** Failures of `address` in the window that started last, if it started after `windowFromMs`. */
export async function failuresSince(db: Queryable, address: string, windowFromMs: number): Promise<number> {
  const row = await db.selectFrom('sign_in_failures').select(['failures', 'window_start_ms']).where('address', '=', address).executeTakeFirst();
  return row && toNumber(row.window_start_ms) > windowFromMs ? Number(row.failures) : 0;
}

/**
 * Counts one failure of `address` in one statement (nodes counting at once both count): a window
 * that started at or before `windowFromMs` is over, and a new one starts at `nowMs` with this failure.
 */
export async function countFailure(db: Queryable, address: string, nowMs: number, windowFromMs: number): Promise<void> {
  const over = sql<boolean>`sign_in_failures.window_start_ms <= ${windowFromMs}`;
  await db
    .insertInto('sign_in_failures')
    .values({ address, failures: 1, window_start_ms: nowMs })
    .onConflict((oc) =>
      oc.column('address').doUpdateSet({
        failures: sql<number>`case when ${over} then 1 else sign_in_failures.failures + 1 end`,
        window_start_ms: sql<number>`case when ${over} then ${nowMs} else sign_in_failures.window_start_ms end`,
      }),
    )
    .execute();
}

export async function clearFailures(db: Queryable, address: string): Promise<void> {
  await db.deleteFrom('sign_in_failures').where('address', '=', address).execute();
}

/** Forgets windows that started at or before `windowFromMs` (over, they block nobody). */
export async function pruneFailures(db: Queryable, windowFromMs: number): Promise<number> {
  const result = await db.deleteFrom('sign_in_failures').where('window_start_ms', '<=', windowFromMs).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}
