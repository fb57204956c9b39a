/**
 * Transactions whose statements may run concurrently on their one connection.
 *
 * Kysely's own `db.transaction()` queues every statement of a transaction behind the one before it
 * (its single-connection provider), even ones issued together. Here a transaction's statements go
 * straight to its connection: on PostgreSQL independent statements issued together (`together` in
 * db.ts) are pipelined into one socket write (pg-client.ts); the SQLite driver runs each statement
 * synchronously when it is issued, so they simply run in the order given. Begin, commit and
 * rollback are the dialect driver's own, as in Kysely's.
 *
 * A statement issued after its transaction ended (a promise nobody waited for) is refused instead
 * of running on a connection that is back in the pool, outside any transaction.
 */
import {
  type ConnectionProvider,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  Kysely,
  type QueryCompiler,
  Transaction,
} from 'kysely';

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
 * `together`) and answers their results. Where statements are pipelined (PostgreSQL), COMMIT goes
 * out in the same write as them: PostgreSQL runs it after them and turns it into a rollback if one
 * failed, and that statement's error is what is thrown. Elsewhere (SQLite, whose statements have run
 * by the time they are issued) the work is awaited and COMMIT follows only if all of it succeeded.
 * Every statement of `work` must have been issued when `commitWith` is called (nothing awaited
 * before it inside the work): one issued later is refused, after the commit.
 */
export interface TransactionEnd {
  commitWith<T extends readonly unknown[]>(...work: { [K in keyof T]: Promise<T[K]> }): Promise<T>;
}

export interface RunnerOptions {
  /** statements are pipelined: COMMIT may be sent right behind the last ones (PostgreSQL) */
  commitBehindStatements?: boolean;
}

export class TransactionRunner<DB> {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly dialect: DriverKeepingDialect,
    private readonly options: RunnerOptions = {},
  ) {}

  /** Runs `fn` in a transaction: committed when it resolves (or by `end.commitWith`), rolled back when it throws. */
  run<T>(fn: (trx: Transaction<DB>, end: TransactionEnd) => Promise<T>): Promise<T> {
    const executor = this.db.getExecutor();
    // the pool connection comes through Kysely, which initialises the driver on first use
    return executor.provideConnection(async (connection) => {
      const driver = this.dialect.driver;
      if (!driver) throw new Error('transactions: the dialect has no driver yet');
      const statements = new TransactionConnection(connection);
      const trx = new Transaction<DB>({
        config: { dialect: this.dialect },
        driver,
        dialect: this.dialect,
        executor: executor.withConnectionProvider(statements),
      });
      /** the COMMIT, once the function asked for it */
      let committing: Promise<void> | undefined;
      const commit = () => {
        if (committing) throw new Error('transactions: commitWith was called twice');
        statements.end();
        committing = driver.commitTransaction(connection);
        return committing;
      };
      const end: TransactionEnd = {
        commitWith: async <R extends readonly unknown[]>(...work: { [K in keyof R]: Promise<R[K]> }): Promise<R> => {
          if (!this.options.commitBehindStatements) {
            const results = await together<R>(...work);
            await commit();
            return results;
          }
          // after every statement issued in this turn (they are issued in microtasks, which run
          // before the next tick) and before the pipelined client uncorks: one write for all
          const committed = new Promise<void>((resolve, reject) => process.nextTick(() => commit().then(resolve, reject)));
          const [results] = await together(together<R>(...work), committed);
          return results;
        },
      };
      await driver.beginTransaction(connection, {});
      try {
        const result = await fn(trx, end);
        if (committing) {
          await committing;
          return result;
        }
        statements.end();
        await driver.commitTransaction(connection);
        return result;
      } catch (error) {
        statements.end();
        // a COMMIT sent ended the transaction either way (PostgreSQL rolled it back if it failed)
        if (!committing) {
          try {
            await driver.rollbackTransaction(connection);
          } catch {
            // the connection failed; the transaction is gone with it and the first error is the one to report
          }
        } else {
          await committing.catch(() => undefined);
        }
        throw error;
      }
    });
  }
}

/** A Kysely instance on `dialect` and the runner of its transactions. */
export function withRunner<DB>(dialect: Dialect, options: RunnerOptions = {}): { db: Kysely<DB>; transactions: TransactionRunner<DB> } {
  const keeping = new DriverKeepingDialect(dialect);
  const db = new Kysely<DB>({ dialect: keeping });
  return { db, transactions: new TransactionRunner<DB>(db as Kysely<unknown>, keeping, options) };
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
