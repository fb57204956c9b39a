import type { Store } from './db.ts';

/**
 * Records a nonce for an API key; false when it was already recorded (a replay).
 * The primary key makes this atomic across nodes sharing one PostgreSQL.
 */
export async function recordNonce(store: Store, apiKey: string, nonce: string, expiresAtMs: number): Promise<boolean> {
  const result = await store.db
    .insertInto('request_nonces')
    .values({ api_key: apiKey, nonce, expires_at_ms: expiresAtMs })
    .onConflict((oc) => oc.columns(['api_key', 'nonce']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function pruneNonces(store: Store, nowMs: number): Promise<number> {
  const result = await store.db.deleteFrom('request_nonces').where('expires_at_ms', '<', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}
