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

export class TransactionRunner<DB> {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly dialect: DriverKeepingDialect,
  ) {}

  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  run<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
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
      await driver.beginTransaction(connection, {});
      try {
        const result = await fn(trx);
        statements.end();
        await driver.commitTransaction(connection);
        return result;
      } catch (error) {
        statements.end();
        try {
          await driver.rollbackTransaction(connection);
        } catch {
          // the connection failed; the transaction is gone with it and the first error is the one to report
        }
        throw error;
      }
    });
  }
}

/** A Kysely instance on `dialect` and the runner of its transactions. */
export function withRunner<DB>(dialect: Dialect): { db: Kysely<DB>; transactions: TransactionRunner<DB> } {
  const keeping = new DriverKeepingDialect(dialect);
  const db = new Kysely<DB>({ dialect: keeping });
  return { db, transactions: new TransactionRunner<DB>(db as Kysely<unknown>, keeping) };
}
