/**
 * Transactions whose independent statements are issued together (src/store/transactions.ts,
 * `together` in src/store/db.ts) and, on PostgreSQL, the pipelined client under them
 * (src/store/pg-pipeline.ts: one socket write per burst, BEGIN sent with the first statement, a
 * COMMIT that PostgreSQL turned into a rollback reported as a failure), and `commitWith`: COMMIT
 * sent behind a transaction's last statements.
 */
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type Queryable, together, withTransaction } from '../../src/store/db.ts';
import { RolledBackAtCommitError } from '../../src/store/pg-pipeline.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../helpers/dialects.ts';
import { countPostgresWrites } from '../helpers/pg-writes.ts';

describeEachDialect('transactions with statements issued together', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    await sql`create table tx_probe (id integer primary key, note text not null)`.execute(t.store.db);
  });
  afterAll(async () => t.drop());
  afterEach(async () => {
    await sql`delete from tx_probe`.execute(t.store.db);
  });

  const insert = (db: Queryable, id: number, note = `n${id}`) => sql`insert into tx_probe (id, note) values (${id}, ${note})`.execute(db);
  const ids = async () => (await sql<{ id: number }>`select id from tx_probe order by id`.execute(t.store.db)).rows.map((r) => Number(r.id));

  it('answers each statement issued together with its own result, in order, and commits them all', async () => {
    const answers = await withTransaction(t.store, async (tx) => {
      await together(insert(tx.db, 1), insert(tx.db, 2), insert(tx.db, 3));
      const [a, b] = await together(
        sql<{ id: number }>`select id from tx_probe where id = ${2}`.execute(tx.db),
        sql<{ n: number }>`select count(*) as n from tx_probe`.execute(tx.db),
      );
      return [Number(a.rows[0]?.id), Number(b.rows[0]?.n)];
    });
    expect(answers).toEqual([2, 3]);
    expect(await ids()).toEqual([1, 2, 3]);
  });

  it('reports the first failure in the order given and keeps nothing of the transaction', async () => {
    const outcome = withTransaction(t.store, async (tx) => {
      await insert(tx.db, 7);
      await together(
        Promise.reject(new Error('first')),
        insert(tx.db, 7), // a duplicate key: fails too, later in the order
      );
    });
    await expect(outcome).rejects.toThrow('first');
    expect(await ids()).toEqual([]);
  });

  it('reports the statement that failed, not a later statement of earlier work that ran into the failed transaction', async () => {
    await insert(t.store.db, 9);
    const outcome = withTransaction(t.store, async (tx) => {
      await together(
        (async () => {
          await sql`select 1`.execute(tx.db);
          await insert(tx.db, 10); // issued after the duplicate below has failed the transaction
        })(),
        insert(tx.db, 9),
      );
    });
    const error = await outcome.then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(error?.code ?? error?.message).toMatch(/23505|SQLITE_CONSTRAINT/);
    expect(await ids()).toEqual([9]);
  });

  it('waits for every statement issued together before ending the transaction, even when one failed first', async () => {
    const outcome = withTransaction(t.store, async (tx) => {
      // the second insert is issued only after the refusal: it must still run inside the transaction
      await together(
        Promise.reject(new Error('refused')),
        (async () => {
          await insert(tx.db, 1);
          await insert(tx.db, 2);
        })(),
      );
    });
    await expect(outcome).rejects.toThrow('refused');
    expect(await ids()).toEqual([]);
  });

  it('refuses a statement issued after its transaction ended instead of running it outside any transaction', async () => {
    let late: (() => Promise<unknown>) | undefined;
    await withTransaction(t.store, async (tx) => {
      await insert(tx.db, 1);
      late = () => insert(tx.db, 2);
    });
    await expect(late?.()).rejects.toThrow('after its transaction had ended');
    expect(await ids()).toEqual([1]);
  });

  it('commits with its last statements: their results, all of them kept, and nothing after them', async () => {
    let late: (() => Promise<unknown>) | undefined;
    const answers = await withTransaction(t.store, async (tx) => {
      await insert(tx.db, 1);
      const [, count] = await tx.commitWith(insert(tx.db, 2), sql<{ n: number }>`select count(*) as n from tx_probe`.execute(tx.db));
      late = () => insert(tx.db, 3);
      return Number(count.rows[0]?.n);
    });
    expect(answers).toBe(2);
    expect(await ids()).toEqual([1, 2]);
    await expect(late?.()).rejects.toThrow('after its transaction had ended');
    expect(await ids()).toEqual([1, 2]);
  });

  it('keeps nothing when one of the last statements fails, and reports that statement', async () => {
    await insert(t.store.db, 5);
    const outcome = withTransaction(t.store, async (tx) => {
      await insert(tx.db, 6);
      await tx.commitWith(insert(tx.db, 7), insert(tx.db, 5), insert(tx.db, 8));
    });
    const error = await outcome.then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(error?.code ?? error?.message).toMatch(/23505|SQLITE_CONSTRAINT/);
    expect(await ids()).toEqual([5]);
    // the connection serves the next transaction
    await withTransaction(t.store, async (tx) => tx.commitWith(insert(tx.db, 9)));
    expect(await ids()).toEqual([5, 9]);
  });

  it('commits a transaction that ran no statement and rolls back one whose only statement failed', async () => {
    await expect(withTransaction(t.store, async () => 'nothing')).resolves.toBe('nothing');
    await insert(t.store.db, 5);
    await expect(withTransaction(t.store, async (tx) => insert(tx.db, 5))).rejects.toThrow();
    expect(await ids()).toEqual([5]);
    // the connection is usable afterwards, outside and inside transactions
    await withTransaction(t.store, async (tx) => insert(tx.db, 6));
    expect(await ids()).toEqual([5, 6]);
  });

  if (dialect === 'postgres') {
    it('sends BEGIN and statements issued together in one socket write, and each awaited statement in its own', async () => {
      const written = countPostgresWrites();
      const writesOf = async (fn: Parameters<typeof withTransaction>[1]) => {
        await withTransaction(t.store, fn); // the pool's connection is open by now
        written.count = 0;
        await withTransaction(t.store, fn);
        return written.count;
      };
      const select = (db: Parameters<typeof insert>[0], n: number) => sql`select ${n}::int as n`.execute(db);
      // BEGIN + three statements, then COMMIT
      expect(await writesOf(async (tx) => void (await together(select(tx.db, 1), select(tx.db, 2), select(tx.db, 3))))).toBe(2);
      // BEGIN + the first statement, the second, the third, COMMIT
      expect(
        await writesOf(async (tx) => {
          await select(tx.db, 1);
          await select(tx.db, 2);
          await select(tx.db, 3);
        }),
      ).toBe(4);
      // BEGIN + the first statement, then the last two and COMMIT behind them
      expect(
        await writesOf(async (tx) => {
          await select(tx.db, 1);
          await tx.commitWith(select(tx.db, 2), select(tx.db, 3));
        }),
      ).toBe(2);
      // all of it in one write
      expect(await writesOf(async (tx) => void (await tx.commitWith(select(tx.db, 1), select(tx.db, 2))))).toBe(1);
      // a statement of the work issued in a later promise callback of the same job still goes before COMMIT
      expect(
        await writesOf(async (tx) => {
          const later = Promise.resolve().then(() => select(tx.db, 2));
          await tx.commitWith(select(tx.db, 1), later);
        }),
      ).toBe(1);
    });

    it('calls off a COMMIT asked for when the work fails before it is sent: nothing kept, the connection reusable', async () => {
      const outcome = withTransaction(t.store, async (tx) => {
        await insert(tx.db, 1);
        await tx.commitWith(insert(tx.db, 2), Promise.reject(new Error('the work failed in JavaScript')));
      });
      await expect(outcome).rejects.toThrow('the work failed in JavaScript');
      expect(await ids()).toEqual([]);
      await withTransaction(t.store, async (tx) => tx.commitWith(insert(tx.db, 3)));
      expect(await ids()).toEqual([3]);
    });

    it('fails a transaction whose COMMIT PostgreSQL turned into a rollback (an error swallowed inside it)', async () => {
      const outcome = withTransaction(t.store, async (tx) => {
        await insert(tx.db, 1);
        await insert(tx.db, 1).catch(() => undefined); // aborts the transaction; the caller ignores it
      });
      await expect(outcome).rejects.toBeInstanceOf(RolledBackAtCommitError);
      expect(await ids()).toEqual([]);
    });
  }
});
