/**
 * Server-side prepared statements for PostgreSQL. node-postgres sends every query as an unnamed
 * statement, so PostgreSQL parses and plans it again each time and the client re-reads its row
 * description; given a name, each pooled connection prepares a statement once and then only binds
 * and executes it. Kysely compiles the same SQL text for the same query shape (values are always
 * parameters), so naming by SQL text reuses statements across requests.
 *
 * Bounded: the first MAX_NAMED distinct SQL texts get names; any further one runs unnamed. A
 * statement PostgreSQL can no longer execute as prepared (a migration changed the columns a
 * `select *` returns: SQLSTATE 0A000) runs unnamed from then on.
 */
import type pg from 'pg';

const MAX_NAMED = 2000;
const CACHED_PLAN_CHANGED = '0A000';
/** statements PostgreSQL can prepare (not transaction control or DDL) */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

interface PoolLike {
  connect(): Promise<pg.PoolClient>;
  end(): Promise<void>;
}

export function withPreparedStatements(pool: pg.Pool): PoolLike {
  const names = new Map<string, string>();
  const unnamed = new Set<string>();
  const wrapped = new WeakMap<pg.PoolClient, pg.PoolClient>();

  const nameOf = (sql: string): string | undefined => {
    if (unnamed.has(sql)) return undefined;
    let name = names.get(sql);
    if (name === undefined && names.size < MAX_NAMED) {
      name = `bpay_${names.size + 1}`;
      names.set(sql, name);
    }
    return name;
  };

  const wrap = (client: pg.PoolClient): pg.PoolClient => {
    let proxy = wrapped.get(client);
    if (proxy) return proxy;
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>;
    // Kysely opens and ends transactions with these texts; a failed statement inside one aborts it
    let inTransaction = false;
    const named = async (text: unknown, values?: unknown[]) => {
      if (typeof text === 'string') {
        const command = text.slice(0, 17).toLowerCase();
        if (command === 'begin' || command.startsWith('start transaction')) inTransaction = true;
        else if (command === 'commit' || command === 'rollback') inTransaction = false;
      }
      const name = typeof text === 'string' && Array.isArray(values) && PREPARABLE.test(text) ? nameOf(text) : undefined;
      if (name === undefined) return query(text, values);
      try {
        return await query({ name, text, values });
      } catch (error) {
        if ((error as { code?: string }).code !== CACHED_PLAN_CHANGED) throw error;
        unnamed.add(text as string);
        // nothing ran: outside a transaction the statement simply runs again, unnamed
        if (inTransaction) throw error;
        return query(text, values);
      }
    };
    proxy = new Proxy(client, {
      get(target, property, receiver) {
        return property === 'query' ? named : (Reflect.get(target, property, receiver) as unknown);
      },
    });
    wrapped.set(client, proxy);
    return proxy;
  };

  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
