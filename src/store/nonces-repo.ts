import { precompiled } from './compiled.ts';
import type { Store } from './db.ts';

/**
 * Records a nonce for an API key; false when it was already recorded (a replay).
 * The primary key makes this atomic across nodes sharing one PostgreSQL.
 */
// every authenticated request runs it: compiled once (compiled.ts)
const insertNonce = precompiled((q, $) =>
  q
    .insertInto('request_nonces')
    .values({ api_key: $(0), nonce: $(1), expires_at_ms: $(2) })
    .onConflict((oc) => oc.columns(['api_key', 'nonce']).doNothing()),
);

export async function recordNonce(store: Store, apiKey: string, nonce: string, expiresAtMs: number): Promise<boolean> {
  const result = await insertNonce(store.db, [apiKey, nonce, expiresAtMs]);
  return (result.numAffectedRows ?? 0n) > 0n;
}

export async function pruneNonces(store: Store, nowMs: number): Promise<number> {
  const result = await store.db.deleteFrom('request_nonces').where('expires_at_ms', '<', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}
