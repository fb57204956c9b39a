/**
 * Where the SQLite dialect serves a standalone read (src/store/sqlite-dialect.ts): on the writer
 * while no transaction is half-way, answered only once the group commit it may have seen is
 * durable; mid-transaction, from committed data only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/dialects.ts';

describe('[sqlite] standalone reads and the group commit', () => {
  let db: TestDatabase;
  let other: Store;

  beforeEach(async () => {
    db = await createTestDatabase('sqlite');
    other = db.openAnother();
  });
  afterEach(async () => {
    await other.close();
    await db.drop();
  });

  const nonceRow = (nonce: string) => ({ api_key: 'k'.repeat(64), nonce, expires_at_ms: Date.now() + 60_000 });
  const find = (store: Store, nonce: string) => store.db.selectFrom('request_nonces').select('nonce').where('nonce', '=', nonce).execute();

  it('answers a read that saw the open group only once that group is committed', async () => {
    const write = db.store.db.insertInto('request_nonces').values(nonceRow('a'.repeat(32))).execute();
    // same turn of the event loop: the group holding the insert is still open
    const read = find(db.store, 'a'.repeat(32));
    expect(await read).toHaveLength(1);
    // the answer above was given after COMMIT: another connection sees the row already
    expect(await find(other, 'a'.repeat(32))).toHaveLength(1);
    await write;
  });

  it('never shows a transaction that is half-way to a read outside it', async () => {
    const seenOutside: number[] = [];
    await db.store.db.transaction().execute(async (trx) => {
      await trx.insertInto('request_nonces').values(nonceRow('b'.repeat(32))).execute();
      seenOutside.push((await find(db.store, 'b'.repeat(32))).length);
    });
    expect(seenOutside).toEqual([0]);
    expect(await find(db.store, 'b'.repeat(32))).toHaveLength(1);
  });

  it('never shows a transaction that is later rolled back', async () => {
    const seenOutside: number[] = [];
    await expect(
      db.store.db.transaction().execute(async (trx) => {
        await trx.insertInto('request_nonces').values(nonceRow('c'.repeat(32))).execute();
        seenOutside.push((await find(db.store, 'c'.repeat(32))).length);
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect(seenOutside).toEqual([0]);
    expect(await find(db.store, 'c'.repeat(32))).toHaveLength(0);
    expect(await find(other, 'c'.repeat(32))).toHaveLength(0);
  });
});
