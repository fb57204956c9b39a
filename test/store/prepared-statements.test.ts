/**
 * The hot queries run precompiled (src/store/compiled.ts) and, on PostgreSQL, as named server-side
 * prepared statements (src/store/pg-pipeline.ts). These tests pin what could go wrong with either:
 * values must land in their own slots, and a prepared `select *` must survive a schema change.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { precompiled } from '../../src/store/compiled.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../helpers/dialects.ts';

describeEachDialect('precompiled and prepared statements', (dialect) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    await sql`create table prep_probe (id integer primary key, name text not null, note text)`.execute(t.store.db);
  });
  afterAll(async () => t.drop());

  // a table the typed schema does not know: the builder is typed loosely on purpose here
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const untyped = (q: unknown) => q as any;
  const insertProbe = precompiled((q, $) => untyped(q).insertInto('prep_probe').values({ id: $(0), name: $(1), note: 'constant' }));
  const selectProbe = precompiled((q, $) => untyped(q).selectFrom('prep_probe').selectAll().where('id', '>=', $(0)).where('name', '!=', $(1)).orderBy('id'));

  it('puts each value in its own slot and keeps the constants of the query', async () => {
    for (let id = 1; id <= 5; id++) await insertProbe(t.store.db, [id, `n${id}`]);
    const rows = (await selectProbe(t.store.db, [2, 'n4'])).rows as Array<{ id: number; name: string; note: string }>;
    expect(rows.map((r) => [Number(r.id), r.name, r.note])).toEqual([
      [2, 'n2', 'constant'],
      [3, 'n3', 'constant'],
      [5, 'n5', 'constant'],
    ]);
    // the same compiled query inside a transaction (another executor, same dialect)
    const inTx = await t.store.db.transaction().execute(async (tx) => (await selectProbe(tx, [5, 'x'])).rows.length);
    expect(inTx).toBe(1);
  });

  it('still answers a select * after a migration adds a column', async () => {
    const before = (await selectProbe(t.store.db, [1, 'none'])).rows;
    expect(before).toHaveLength(5);
    await sql`alter table prep_probe add column extra text`.execute(t.store.db);
    // repeat: every pooled connection that prepared the statement must recover, not only one
    for (let i = 0; i < 8; i++) {
      const after = (await selectProbe(t.store.db, [1, 'none'])).rows as Array<Record<string, unknown>>;
      expect(after).toHaveLength(5);
      expect(Object.keys(after[0] ?? {})).toContain('extra');
    }
  });
});
