import { lockThen, toNumber, withTransaction, type Store } from './db.ts';

export interface BucketRule {
  /** tokens the bucket holds at most (a burst) */
  capacity: number;
  /** tokens added per millisecond */
  refillPerMs: number;
}

export interface Lease {
  /** whole tokens taken from the bucket, 0..want */
  granted: number;
  /** tokens the bucket held (refilled to now) before this lease */
  available: number;
}

/**
 * Takes up to `want` whole tokens from `key`'s shared bucket, refilled to `nowMs` first (a new
 * bucket starts full). One transaction holding the bucket's row, so nodes leasing at once each
 * get their own tokens and together never more than the bucket had.
 */
export async function leaseTokens(store: Store, key: string, rule: BucketRule, want: number, nowMs: number): Promise<Lease> {
  return withTransaction(store, async (tx) => {
    // the row exists (created by the first insert), then is locked and read
    const [, row] = await lockThen(
      tx.db.insertInto('rate_limit_buckets').values({ api_key: key, tokens: rule.capacity, updated_at_ms: nowMs }).onConflict((oc) => oc.column('api_key').doNothing()).execute(),
      tx.db
        .selectFrom('rate_limit_buckets')
        .select(['tokens', 'updated_at_ms'])
        .where('api_key', '=', key)
        .$if(tx.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirstOrThrow(),
    );
    const updatedAtMs = toNumber(row.updated_at_ms);
    // another node's clock may be a little ahead: never refill backwards, never move the row back
    const available = Math.min(rule.capacity, Number(row.tokens) + Math.max(0, nowMs - updatedAtMs) * rule.refillPerMs);
    const granted = Math.max(0, Math.min(want, Math.floor(available)));
    await tx.commitWith(
      tx.db
        .updateTable('rate_limit_buckets')
        .set({ tokens: available - granted, updated_at_ms: Math.max(nowMs, updatedAtMs) })
        .where('api_key', '=', key)
        .execute(),
    );
    return { granted, available };
  });
}
