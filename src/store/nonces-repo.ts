import { precompiled } from './compiled.ts';
import type { Store } from './db.ts';
import { toBigInt } from './db.ts';

/**
 * Records a nonce for an API key. Answers the auth epoch (migration 0007) read in the same
 * statement, or undefined when the nonce was already recorded (a replay). The primary key makes
 * this atomic across nodes sharing one PostgreSQL.
 */
// every authenticated request runs it: compiled once (compiled.ts)
const insertNonce = precompiled((q, $) =>
  q
    .insertInto('request_nonces')
    .values({ api_key: $(0), nonce: $(1), expires_at_ms: $(2) })
    .onConflict((oc) => oc.columns(['api_key', 'nonce']).doNothing())
    .returning((eb) => eb.selectFrom('auth_epoch').select('epoch').where('id', '=', 1).as('epoch')),
);

export async function recordNonce(store: Store, apiKey: string, nonce: string, expiresAtMs: number): Promise<bigint | undefined> {
  const row = (await insertNonce(store.db, [apiKey, nonce, expiresAtMs])).rows[0];
  return row ? toBigInt(row.epoch) : undefined;
}

export async function pruneNonces(store: Store, nowMs: number): Promise<number> {
  const result = await store.db.deleteFrom('request_nonces').where('expires_at_ms', '<', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}
