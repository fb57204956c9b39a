/**
 * How this server talks to PostgreSQL through node-postgres: pooled clients in pipeline mode,
 * wrapped so that each statement costs the server as little as it can. On the machines measured
 * (docs/benchmarks.md) most of the server's CPU per statement is the socket write that hands it to
 * PostgreSQL and wakes its backend, so the wrapper sends fewer, fuller writes:
 *
 * - **Prepared statements.** node-postgres sends every query as an unnamed statement, so
 *   PostgreSQL parses and plans it again each time; given a name, each pooled connection prepares a
 *   statement once and then only binds and executes it. Kysely compiles the same SQL text for the
 *   same query shape (values are always parameters), so naming by SQL text reuses statements.
 *   Bounded: the first MAX_NAMED distinct texts get names, later ones run unnamed. A statement
 *   PostgreSQL can no longer execute as prepared (a migration changed the columns a `select *`
 *   returns: SQLSTATE 0A000) runs unnamed from then on.
 * - **One write per burst.** The statements a transaction issues together (`together` in db.ts)
 *   leave in one socket write: the socket is corked at the first one and uncorked once the current
 *   JavaScript job ends (two `process.nextTick` hops, so a COMMIT sent behind the transaction's last
 *   statements goes with them), and pipeline mode lets a statement go out before the
 *   answer to the one before it has come back. A statement outside a transaction is sent at once. PostgreSQL runs them in order, each in its own
 *   protocol step (a failure fails that statement; inside a transaction the ones after it fail too).
 * - **BEGIN goes with the first statement.** BEGIN can only succeed on a pooled connection
 *   (Kysely never hands out one inside a transaction), so it is held back and sent in front of the
 *   transaction's first statement, in the same write; if it did fail, that statement fails with it.
 *   A transaction that ran no statement sends neither BEGIN nor its COMMIT or ROLLBACK.
 * - **A COMMIT that rolled back fails.** PostgreSQL answers COMMIT of a transaction an error
 *   aborted with ROLLBACK, not an error; a caller that swallowed that error would otherwise be
 *   told its work was committed.
 */
import type { Duplex } from 'node:stream';
import type pg from 'pg';

const MAX_NAMED = 2000;
const CACHED_PLAN_CHANGED = '0A000';
/** statements PostgreSQL can prepare (not transaction control or DDL) */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

interface PoolLike {
  connect(): Promise<pg.PoolClient>;
  end(): Promise<void>;
}

type Query = (text: unknown, values?: unknown) => Promise<pg.QueryResult>;

const answered = (command: string): pg.QueryResult => ({ command, rowCount: null, oid: 0, fields: [], rows: [] });

/** Raised when COMMIT found the transaction already aborted (an error was swallowed inside it). */
export class RolledBackAtCommitError extends Error {
  readonly code = '25P02';
  constructor() {
    super('PostgreSQL rolled the transaction back at COMMIT: a statement in it had failed');
  }
}

export function pipelinedPool(pool: pg.Pool): PoolLike {
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
    const send = client.query.bind(client) as Query;
    const stream = (client as unknown as { connection?: { stream?: Duplex } }).connection?.stream;
    let corked = false;
    let inTransaction = false;
    // a statement outside a transaction is alone on its connection: nothing to gather, so no wait
    const batched: Query = (text, values) => {
      if (inTransaction && !corked && stream && typeof stream.cork === 'function') {
        corked = true;
        stream.cork();
        // two ticks: a COMMIT sent behind the last statements (commitWith, transactions.ts) is
        // issued at the next tick, and still goes out in this write
        process.nextTick(() =>
          process.nextTick(() => {
            corked = false;
            stream.uncork();
          }),
        );
      }
      return send(text, values);
    };

    /** the BEGIN not sent yet: it goes out in front of the transaction's first statement */
    let heldBegin: string | undefined;

    const prepared = async (text: unknown, values?: unknown[]): Promise<pg.QueryResult> => {
      const name = typeof text === 'string' && Array.isArray(values) && PREPARABLE.test(text) ? nameOf(text) : undefined;
      if (name === undefined) return batched(text, values);
      try {
        return await batched({ name, text, values });
      } catch (error) {
        if ((error as { code?: string }).code !== CACHED_PLAN_CHANGED) throw error;
        unnamed.add(text as string);
        // nothing ran: outside a transaction the statement simply runs again, unnamed
        if (inTransaction) throw error;
        return batched(text, values);
      }
    };

    const query = (text: unknown, values?: unknown[]): Promise<pg.QueryResult> => {
      const command = typeof text === 'string' ? text.slice(0, 17).toLowerCase() : '';
      if (command === 'begin' || command.startsWith('start transaction')) {
        inTransaction = true;
        heldBegin = text as string;
        return Promise.resolve(answered('BEGIN'));
      }
      if (command === 'commit' || command === 'rollback') {
        inTransaction = false;
        if (heldBegin !== undefined) {
          heldBegin = undefined;
          return Promise.resolve(answered(command.toUpperCase()));
        }
        const ended = batched(text);
        if (command === 'rollback') return ended;
        return ended.then((result) => {
          if (result.command === 'ROLLBACK') throw new RolledBackAtCommitError();
          return result;
        });
      }
      if (heldBegin === undefined) return prepared(text, values);
      const begun = batched(heldBegin);
      heldBegin = undefined;
      const result = prepared(text, values);
      return Promise.all([begun, result]).then(([, r]) => r);
    };

    proxy = new Proxy(client, {
      get(target, property, receiver) {
        if (property === 'query') return query;
        if (property === 'release') {
          return (...args: unknown[]) => {
            heldBegin = undefined;
            inTransaction = false;
            return (target.release as (...a: unknown[]) => void)(...args);
          };
        }
        return Reflect.get(target, property, receiver) as unknown;
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
