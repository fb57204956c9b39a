/**
 * Dialect factory and transaction helper. Two real dialects, one code path (ARCHITECTURE.md §9).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { CommittedFacts } from './committed-facts.ts';
import { pipelinedPool } from './pg-pipeline.ts';
import { GroupCommitSqliteDialect } from './sqlite-dialect.ts';
import { type TransactionEnd, type TransactionRunner, withPipelinedRunner, withRunner } from './transactions.ts';

export { lockThen, together } from './transactions.ts';
import type { DB } from './schema.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<DB>;
  readonly dialect: DialectName;
  /** Runs transactions whose independent statements may be issued together (transactions.ts). */
  readonly transactions: TransactionRunner<DB>;
  /** PostgreSQL schema this store lives in (default public). */
  readonly pgSchema?: string;
  /** What committed transactions learned that stays true (committed-facts.ts), shared by every app on this database object. */
  readonly facts: CommittedFacts;
  /**
   * Told what each committed transaction tallied (`Tx.tally`): metrics count committed ledger
   * transfers and outbox events without querying. The composition root sets it per app.
   */
  readonly onCommit?: ((tally: ReadonlyMap<string, number>) => void) | undefined;
  /**
   * Runs `fn` holding a database-wide named lock: on PostgreSQL an advisory lock on a connection
   * of its own (several nodes starting at once run first-start setup one at a time); absent on
   * SQLite, whose database belongs to one process.
   */
  readonly exclusive?: (<T>(name: string, fn: () => Promise<T>) => Promise<T>) | undefined;
  close(): Promise<void>;
}

/** A transaction that knows its dialect, so lock helpers can choose FOR UPDATE (PostgreSQL) or rely on SQLite's immediate transaction. */
export interface Tx {
  readonly db: Transaction<DB>;
  readonly dialect: DialectName;
  /** Counts `key` for `Store.onCommit` once this transaction commits; a rolled-back attempt counts nothing. */
  readonly tally: (key: string, n?: number) => void;
  /** A fact committed transactions learned (`Store.facts`), or what this one learned; undefined when unknown. */
  readonly recall: (key: string) => unknown;
  /** Learns a fact that stays true once this transaction commits; kept only if it does. */
  readonly learn: (key: string, value: unknown) => void;
  /**
   * Ends the transaction with its last statements, issued together: on PostgreSQL COMMIT goes out in
   * the same write (transactions.ts `TransactionEnd`). The last thing a use case does; every
   * statement of the work must be issued before the call.
   */
  readonly commitWith: TransactionEnd['commitWith'];
}

/** Anything queries can run on: the store's Kysely or a transaction's. */
export type Queryable = Kysely<DB>;

export interface OpenStoreOptions {
  /** postgres://… ; when absent, SQLite at sqlitePath */
  databaseUrl?: string | undefined;
  sqlitePath?: string;
  /** PostgreSQL schema to use (tests isolate each run in its own schema). */
  pgSchema?: string;
  pgPoolSize?: number;
}

export function openStore(options: OpenStoreOptions): Store {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      // statements a transaction issues in one job go out in one write (pg-pipeline.ts)
      pipeline: true,
      max: options.pgPoolSize ?? 10,
      ...(options.pgSchema ? { options: `-c search_path=${quoteIdent(options.pgSchema)}` } : {}),
    });
    // An idle client can fail (server restart); without a listener that error would crash the process.
    pool.on('error', () => undefined);
    const pipelined = pipelinedPool(pool);
    const { db, transactions } = withPipelinedRunner<DB>(new PostgresDialect({ pool: pipelined as never }), pipelined);
    const pgSchema = options.pgSchema ?? 'public';
    const databaseUrl = options.databaseUrl;
    const exclusive = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      // a client outside the pool: the work itself may need every pooled connection
      const client = new pg.Client({ connectionString: databaseUrl });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query('select pg_advisory_lock(hashtext($1))', [`bpay:${pgSchema}:${name}`]);
        return await fn();
      } finally {
        // ending the session releases the lock
        await client.end().catch(() => undefined);
      }
    };
    return { db, dialect: 'postgres', transactions, pgSchema, facts: new CommittedFacts(), exclusive, close: () => db.destroy() };
  }
  const path = options.sqlitePath ?? ':memory:';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash (SIGKILL); only an OS crash may lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Integers come back as bigint: amounts are 10^-8 units and exceed 2^53 quickly.
  sqlite.defaultSafeIntegers(true);
  const { db, transactions } = withRunner<DB>(new GroupCommitSqliteDialect(sqlite));
  return { db, dialect: 'sqlite', transactions, facts: new CommittedFacts(), close: () => db.destroy() };
}

/** The same database seen by one app: its own commit observer (several apps may share a store in tests). */
export function observedStore(store: Store, onCommit: (tally: ReadonlyMap<string, number>) => void): Store {
  return {
    db: store.db,
    dialect: store.dialect,
    transactions: store.transactions,
    facts: store.facts,
    ...(store.pgSchema !== undefined ? { pgSchema: store.pgSchema } : {}),
    ...(store.exclusive !== undefined ? { exclusive: store.exclusive } : {}),
    onCommit,
    close: () => store.close(),
  };
}

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid schema name ${name}`);
  return name;
}

const RETRYABLE_PG_CODES = new Set(['40001', '40P01']); // serialization failure, deadlock

/**
 * One use case = one transaction. PostgreSQL deadlocks and serialization failures are retried
 * (the whole function runs again), so `fn` must not do external I/O (ARCHITECTURE.md: no I/O in a transaction).
 */
export async function withTransaction<T>(store: Store, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const onCommit = store.onCommit;
  for (let attempt = 1; ; attempt++) {
    // per attempt: a rolled-back attempt counts and keeps nothing
    const counts = new Map<string, number>();
    const lessons = new Map<string, unknown>();
    const tally = (key: string, n = 1) => void counts.set(key, (counts.get(key) ?? 0) + n);
    const recall = (key: string) => (lessons.has(key) ? lessons.get(key) : store.facts.get(key));
    const learn = (key: string, value: unknown) => void lessons.set(key, value);
    try {
      const result = await store.transactions.run((db, end) => fn({ db, dialect: store.dialect, tally, recall, learn, commitWith: end.commitWith }));
      if (lessons.size > 0) store.facts.keep(lessons);
      if (onCommit && counts.size > 0) {
        try {
          onCommit(counts);
        } catch {
          // an observer never fails a committed use case
        }
      }
      return result;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (attempt >= 5 || typeof code !== 'string' || !RETRYABLE_PG_CODES.has(code)) throw error;
    }
  }
}

/** `fn` under the store's named lock when it has one (PostgreSQL), else simply `fn`. */
export function withExclusiveLock<T>(store: Store, name: string, fn: () => Promise<T>): Promise<T> {
  return store.exclusive ? store.exclusive(name, fn) : fn();
}

/** Unique-key violation on either dialect: the loser of an insert race re-reads the winner. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Integer column values arrive as bigint (SQLite), string (PostgreSQL BIGINT) or number. */
export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return BigInt(value);
  throw new TypeError(`expected an integer column, got ${typeof value}`);
}

export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(toBigInt(value));
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer column ${String(value)} is beyond 2^53`);
  return n;
}

export function toNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

export function toBool(value: unknown): boolean {
  return typeof value === 'boolean' ? value : toBigInt(value) !== 0n;
}

export function fromBool(value: boolean): number {
  return value ? 1 : 0;
}
