/**
 * Hot queries compiled once per dialect. Kysely builds an immutable operation tree and compiles it
 * to SQL on every call; for the statements every API request runs (API key and merchant, order insert and read), that
 * costs more CPU than SQLite needs to execute them (docs/benchmarks.md). A query built from
 * placeholder values compiles to the same SQL as with real ones, so it is built once with
 * placeholders and later runs with the real values put in their places.
 *
 * Only for queries whose SQL does not depend on the values (no `in` lists, no optional clauses).
 */
import type { CompiledQuery, Compilable, QueryResult } from 'kysely';
import type { Queryable } from './db.ts';

const PLACEHOLDER = '\u0000bpay-param-';

/** A value slot in a precompiled query; typed loosely on purpose, the real values come at run time. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Param = (index: number) => any;

interface Entry<R> {
  compiled: CompiledQuery<R>;
  /** for each parameter of the SQL: the caller's value index, or -1 for a constant of the query */
  slots: number[];
}

/** The dialect's adapter: one per Kysely instance and shared by its transactions. */
function dialectKey(q: Queryable): object {
  // getExecutor() is public at run time though documented as internal; the adapter it returns
  // is exactly what compilation depends on
  return (q as unknown as { getExecutor(): { adapter: object } }).getExecutor().adapter;
}

export function precompiled<R>(build: (q: Queryable, param: Param) => Compilable<R>): (q: Queryable, values: readonly unknown[]) => Promise<QueryResult<R>> {
  const cache = new WeakMap<object, Entry<R>>();
  return (q, values) => {
    const key = dialectKey(q);
    let entry = cache.get(key);
    if (entry === undefined) {
      const compiled = build(q, (index) => `${PLACEHOLDER}${index}`).compile();
      const slots = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(PLACEHOLDER) ? Number(p.slice(PLACEHOLDER.length)) : -1));
      entry = { compiled, slots };
      cache.set(key, entry);
    }
    const { compiled, slots } = entry;
    const parameters = slots.map((slot, i) => (slot >= 0 ? values[slot] : compiled.parameters[i]));
    return q.executeQuery<R>({ ...compiled, parameters });
  };
}
