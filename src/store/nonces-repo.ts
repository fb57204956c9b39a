import { batched, type BatchOptions } from './batched.ts';
import type { Store } from './db.ts';
import { toBigInt } from './db.ts';

export interface NonceToRecord {
  apiKey: string;
  nonce: string;
  expiresAtMs: number;
}

/**
 * Records request nonces. `record` answers the auth epoch (migration 0007) read in the statement
 * that recorded the nonce, or undefined when it was recorded before (a replay); it resolves once
 * the nonce is durable. The primary key makes this atomic across nodes sharing one PostgreSQL.
 */
export interface NonceRecorder {
  record(item: NonceToRecord): Promise<bigint | undefined>;
}

const keyOf = (item: { apiKey: string; nonce: string }) => `${item.apiKey}\n${item.nonce}`;

/**
 * Every authenticated request records its nonce, reads included, so this is the hottest write:
 * the nonces of one event-loop turn go to the database as one multi-row insert (batched.ts).
 */
export function nonceRecorder(store: Store, options: BatchOptions): NonceRecorder {
  return { record: batched((items: readonly NonceToRecord[]) => insertBatch(store, items), options) };
}

async function insertBatch(store: Store, items: readonly NonceToRecord[]): Promise<Array<bigint | undefined>> {
  // the same nonce twice in one batch: the first is recorded, the second is its replay
  const unique = new Map<string, NonceToRecord>();
  for (const item of items) if (!unique.has(keyOf(item))) unique.set(keyOf(item), item);
  const rows = await store.db
    .insertInto('request_nonces')
    .values([...unique.values()].map((item) => ({ api_key: item.apiKey, nonce: item.nonce, expires_at_ms: item.expiresAtMs })))
    .onConflict((oc) => oc.columns(['api_key', 'nonce']).doNothing())
    .returning(['api_key', 'nonce', (eb) => eb.selectFrom('auth_epoch').select('epoch').where('id', '=', 1).as('epoch')])
    .execute();
  const fresh = new Map(rows.map((row) => [keyOf({ apiKey: row.api_key, nonce: row.nonce }), toBigInt(row.epoch)]));
  return items.map((item) => {
    const key = keyOf(item);
    const epoch = fresh.get(key);
    fresh.delete(key);
    return epoch;
  });
}

export async function pruneNonces(store: Store, nowMs: number): Promise<number> {
  const result = await store.db.deleteFrom('request_nonces').where('expires_at_ms', '<', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}
