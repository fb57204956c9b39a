import { batched, type BatchOptions } from './batched.ts';
import type { Store } from './db.ts';
import { toBigInt, toNumber } from './db.ts';

export interface NonceToRecord {
  apiKey: string;
  nonce: string;
  expiresAtMs: number;
}

/** What the statement that recorded a nonce read of the state every node shares. */
export interface RecordedNonce {
  /** the auth epoch (migration 0007) */
  epoch: bigint;
  /** the sandbox clock's offset (migration 0009) */
  clockOffsetMs: number;
}

/**
 * Records request nonces. `record` answers what the recording statement read (`RecordedNonce`), or
 * undefined when the nonce was recorded before (a replay); it resolves once the nonce is durable.
 * The primary key makes this atomic across nodes sharing one PostgreSQL.
 */
export interface NonceRecorder {
  record(item: NonceToRecord): Promise<RecordedNonce | undefined>;
}

const keyOf = (item: { apiKey: string; nonce: string }) => `${item.apiKey}\n${item.nonce}`;

/**
 * Every authenticated request records its nonce, reads included, so this is the hottest write:
 * the nonces of one event-loop turn go to the database as one multi-row insert (batched.ts).
 */
export function nonceRecorder(store: Store, options: BatchOptions): NonceRecorder {
  return { record: batched((items: readonly NonceToRecord[]) => insertBatch(store, items), options) };
}

async function insertBatch(store: Store, items: readonly NonceToRecord[]): Promise<Array<RecordedNonce | undefined>> {
  // the same nonce twice in one batch: the first is recorded, the second is its replay
  const unique = new Map<string, NonceToRecord>();
  for (const item of items) if (!unique.has(keyOf(item))) unique.set(keyOf(item), item);
  const rows = await store.db
    .insertInto('request_nonces')
    .values([...unique.values()].map((item) => ({ api_key: item.apiKey, nonce: item.nonce, expires_at_ms: item.expiresAtMs })))
    .onConflict((oc) => oc.columns(['api_key', 'nonce']).doNothing())
    .returning([
      'api_key',
      'nonce',
      (eb) => eb.selectFrom('auth_epoch').select('epoch').where('id', '=', 1).as('epoch'),
      (eb) => eb.selectFrom('sandbox_clock').select('offset_ms').where('id', '=', 1).as('clock_offset_ms'),
    ])
    .execute();
  const fresh = new Map(rows.map((row) => [keyOf({ apiKey: row.api_key, nonce: row.nonce }), { epoch: toBigInt(row.epoch), clockOffsetMs: toNumber(row.clock_offset_ms ?? 0) }]));
  return items.map((item) => {
    const key = keyOf(item);
    const recorded = fresh.get(key);
    fresh.delete(key);
    return recorded;
  });
}

export async function pruneNonces(store: Store, nowMs: number): Promise<number> {
  const result = await store.db.deleteFrom('request_nonces').where('expires_at_ms', '<', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}
