/**
 * Transactions whose statements may run concurrently on their one connection.
 *
 * Kysely's own `db.transaction()` queues every statement of a transaction behind the one before it
 * (its single-connection provider), even ones issued together. Here a transaction's statements go
 * straight to its connection, and how they travel is the connection's business: on PostgreSQL a
 * `PipelinedClient` (pg-pipeline.ts) gathers the statements of one job into one write and can end
 * that write with COMMIT; the SQLite driver runs each statement synchronously when it is issued, so
 * they simply run in the order given. The runner only begins, commits and rolls back, explicitly.
 *
 * A statement issued after its transaction ended (a promise nobody waited for) is refused instead
 * of running on a connection that is back in the pool, outside any transaction.
 */
import { type DatabaseConnection, type Dialect, type Driver, Kysely, type QueryCompiler, Transaction, type ConnectionProvider, type DialectAdapter, type DatabaseIntrospector } from 'kysely';
import { PipelinedConnection, type PipelinedPool } from './pg-pipeline.ts';

/** Keeps the driver Kysely creates, so transactions can begin and end on it directly. */
class DriverKeepingDialect implements Dialect {
  driver: Driver | undefined;

  constructor(private readonly inner: Dialect) {}

  createDriver(): Driver {
    this.driver = this.inner.createDriver();
    return this.driver;
  }

  createQueryCompiler(): QueryCompiler {
    return this.inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.inner.createAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return this.inner.createIntrospector(db);
  }
}

class TransactionConnection implements ConnectionProvider {
  private ended = false;

  constructor(private readonly connection: DatabaseConnection) {}

  provideConnection<T>(consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    if (this.ended) return Promise.reject(new Error('a statement was issued after its transaction had ended'));
    return consumer(this.connection);
  }

  end(): void {
    this.ended = true;
  }
}

/**
 * How a transaction function may end its transaction itself, with its last statements.
 *
 * `commitWith(...work)` commits together with statements just issued (the `work`, as for
 * `together`) and answers their results. Where statements travel in writes (PostgreSQL), COMMIT
 * ends the write they are in: PostgreSQL runs it after them and turns it into a rollback if one
 * failed, and that statement's error is what is thrown. Elsewhere (SQLite, whose statements have run
 * by the time they are issued) the work is awaited and COMMIT follows only if all of it succeeded.
 */
export interface TransactionEnd {
  commitWith<T extends readonly unknown[]>(...work: { [K in keyof T]: Promise<T[K]> }): Promise<T>;
}

/** One connection, held for one transaction: what the runner needs of a dialect. */
interface Held {
  connection: DatabaseConnection;
  begin(): Promise<void>;
  commit(): Promise<void>;
  /** COMMIT at the end of the write being gathered, unless `calledOff` (PostgreSQL); absent where statements run as issued */
  commitAtFlush?(calledOff: () => boolean): Promise<void>;
  rollback(): Promise<void>;
}

type Hold = <T>(fn: (held: Held) => Promise<T>) => Promise<T>;

export class TransactionRunner<DB> {
  constructor(
    private readonly dialect: DriverKeepingDialect,
    private readonly hold: Hold,
  ) {}

  /** Runs `fn` in a transaction: committed when it resolves (or by `end.commitWith`), rolled back when it throws. */
  run<T>(fn: (trx: Transaction<DB>, end: TransactionEnd) => Promise<T>): Promise<T> {
    return this.hold(async (held) => {
      const driver = this.dialect.driver;
      if (!driver) throw new Error('transactions: the dialect has no driver yet');
      const statements = new TransactionConnection(held.connection);
      const trx = new Transaction<DB>({ config: { dialect: this.dialect }, driver, dialect: this.dialect, executor: executorFor(this.dialect, statements) });
      /** the COMMIT, once the function asked for it */
      let committing: Promise<void> | undefined;
      const end: TransactionEnd = {
        commitWith: async <R extends readonly unknown[]>(...work: { [K in keyof R]: Promise<R[K]> }): Promise<R> => {
          if (committing) throw new Error('transactions: commitWith was called twice');
          if (!held.commitAtFlush) {
            const results = await together<R>(...work);
            statements.end();
            committing = held.commit();
            await committing;
            return results;
          }
          // work that fails before the write leaves (in JavaScript, before its statement was issued) calls the COMMIT off
          let failed = false;
          for (const w of work) w.catch(() => (failed = true));
          committing = held.commitAtFlush(() => failed);
          const [results] = await together(together<R>(...work), committing);
          statements.end();
          return results;
        },
      };
      await held.begin();
      try {
        const result = await fn(trx, end);
        statements.end();
        await (committing ?? held.commit());
        return result;
      } catch (error) {
        statements.end();
        try {
          // a COMMIT sent ended the transaction either way (PostgreSQL rolled it back if it failed)
          if (committing) await committing.catch(() => undefined);
          await held.rollback();
        } catch {
          // the connection failed; the transaction is gone with it and the first error is the one to report
        }
        throw error;
      }
    });
  }
}

const executors = new WeakMap<DriverKeepingDialect, Kysely<unknown>>();

function executorFor(dialect: DriverKeepingDialect, statements: TransactionConnection) {
  const db = executors.get(dialect);
  if (!db) throw new Error('transactions: no Kysely instance for this dialect');
  return db.getExecutor().withConnectionProvider(statements);
}

/** A Kysely instance on `dialect` and the runner of its transactions. */
export function withRunner<DB>(dialect: Dialect): { db: Kysely<DB>; transactions: TransactionRunner<DB> } {
  const keeping = new DriverKeepingDialect(dialect);
  const db = new Kysely<DB>({ dialect: keeping });
  executors.set(keeping, db as Kysely<unknown>);
  // the connection comes through Kysely (which initialises the driver on first use), begun and ended by its driver
  const hold: Hold = (fn) =>
    db.getExecutor().provideConnection((connection) => {
      const driver = keeping.driver as Driver;
      return fn({ connection, begin: () => driver.beginTransaction(connection, {}), commit: () => driver.commitTransaction(connection), rollback: () => driver.rollbackTransaction(connection) });
    });
  return { db, transactions: new TransactionRunner<DB>(keeping, hold) };
}

/**
 * The same for PostgreSQL over a pipelined pool: Kysely runs statements outside transactions
 * through its own driver on the pool; transactions hold a `PipelinedClient` of the same pool and
 * begin, commit (at the end of a write) and roll back on it explicitly.
 */
export function withPipelinedRunner<DB>(dialect: Dialect, pool: PipelinedPool): { db: Kysely<DB>; transactions: TransactionRunner<DB> } {
  const keeping = new DriverKeepingDialect(dialect);
  const db = new Kysely<DB>({ dialect: keeping });
  executors.set(keeping, db as Kysely<unknown>);
  const hold: Hold = async (fn) => {
    // Kysely initialises its driver on first use: a transaction may be the first use
    if (!keeping.driver) await db.getExecutor().provideConnection(async () => undefined);
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await fn({
        connection: new PipelinedConnection(client),
        begin: async () => client.begin(),
        commit: () => client.commit(),
        commitAtFlush: (calledOff) => client.commitAtFlush(calledOff),
        rollback: () =>
          client.rollback().catch((error: unknown) => {
            broken = error instanceof Error ? error : new Error(String(error));
            throw error;
          }),
      });
    } finally {
      // a connection whose ROLLBACK failed is not given to the next user
      client.release(broken);
    }
  };
  return { db, transactions: new TransactionRunner<DB>(keeping, hold) };
}

/** PostgreSQL refused a statement because an earlier one had already failed its transaction. */
const IN_FAILED_TRANSACTION = '25P02';

/**
 * Awaits statements a transaction issued together, as `Promise.all` would, but only once every one
 * has settled: a transaction must not end (and its connection go back to the pool) while one of its
 * statements is still running. Throws the first failure in the order given, so the order states
 * which error wins when several could happen (an unknown payer before an unknown order), passing
 * over PostgreSQL's refusals of statements that ran after the transaction had failed: the cause
 * (a deadlock that `withTransaction` retries, a unique violation) is what the caller must see, even
 * when it came from work given later whose failure an earlier work's next statement ran into.
 */
export async function together<T extends readonly unknown[]>(...work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work);
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown);
  if (failures.length > 0) throw failures.find((reason) => (reason as { code?: unknown } | null)?.code !== IN_FAILED_TRANSACTION) ?? failures[0];
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * A lock and what it guards, in one round trip: `lock` is issued first and the `guarded` statements
 * after it, so PostgreSQL (which runs a pipeline in order) runs them once the lock is held and they
 * see what the lock's holder committed; SQLite's write transactions hold the database anyway.
 * Answers `[locked, ...guarded]`; failures as `together`, the lock's first.
 */
export function lockThen<L, T extends readonly unknown[]>(lock: Promise<L>, ...guarded: { [K in keyof T]: Promise<T[K]> }): Promise<[L, ...T]> {
  return (together as (...work: Promise<unknown>[]) => Promise<unknown[]>)(lock, ...(guarded as readonly Promise<unknown>[])) as Promise<[L, ...T]>;
}
