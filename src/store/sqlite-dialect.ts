/**
 * SQLite dialect for better-sqlite3. Differences from Kysely's built-in one:
 *
 * - Prepared statements are cached per SQL text (Kysely's driver re-prepares every query).
 * - Group commit (file databases). A commit costs far more than the statements it commits (the
 *   WAL frames of every page touched, and the checkpoints they lead to), so writes are collected
 *   into one write transaction per event-loop turn: the first write opens it with BEGIN IMMEDIATE,
 *   each Kysely transaction runs inside it as a SAVEPOINT (atomic on its own: a rollback undoes
 *   exactly its work), standalone writes run in it directly, and a COMMIT scheduled with
 *   setImmediate ends it. Nothing is acknowledged before it is durable: every write's result, and
 *   every transaction's commit, resolves only after that COMMIT (a failed COMMIT fails them all,
 *   and none of their work is kept).
 * - Standalone reads (SELECTs outside a transaction) run on the writer while no transaction is
 *   half-way, answered only once the group they may have seen is durable; while one is, on a second,
 *   read-only connection that sees committed data only, so a read never waits for a transaction.
 * - Checkpoints in the background. Copying WAL pages back into the database file and the fsyncs
 *   that go with it block the thread that runs them; a worker thread with its own connection runs
 *   a PASSIVE checkpoint (it never blocks the writer) every 100 ms, and the writer's own automatic
 *   checkpoint, raised to 4000 pages, only finishes the tail so the WAL restarts from its start.
 * - One writer at a time in this process: a FIFO lock is held for a whole Kysely transaction (lock
 *   what you check: transactions are serialised) and for each standalone write. A second process
 *   on the same file waits for the write lock without blocking the event loop (BEGIN IMMEDIATE is
 *   retried asynchronously up to the busy timeout).
 *
 * In-memory databases keep the plain behaviour (one connection under a mutex, BEGIN IMMEDIATE per
 * transaction, autocommit statements).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type Database from 'better-sqlite3';
import {
  type CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';

const STATEMENT_CACHE_SIZE = 500;
const CHECKPOINT_INTERVAL_MS = 100;
/** the writer's own checkpoint (pages of WAL): the safety net when the background one falls behind */
const WRITER_AUTOCHECKPOINT_PAGES = 4000;

/** The checkpointer thread: plain CommonJS, so it needs no TypeScript loader. */
const CHECKPOINTER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

function startCheckpointer(path: string): Worker | undefined {
  try {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(CHECKPOINTER_SOURCE, { eval: true, workerData: { module, path, intervalMs: CHECKPOINT_INTERVAL_MS } });
    worker.on('error', () => undefined); // without it the writer's own checkpoints still keep the WAL bounded
    worker.unref();
    return worker;
  } catch {
    return undefined;
  }
}

class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

function run<R>(stmt: Database.Statement, params: unknown[]): QueryResult<R> {
  if (stmt.reader) return { rows: stmt.all(params) as R[] };
  const { changes, lastInsertRowid } = stmt.run(params);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** First come, first served; release() hands the lock straight to the next waiter. */
class FifoLock {
  private locked = false;
  private readonly waiters: Array<() => void> = [];

  acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The lock if nobody holds it, without waiting. */
  tryAcquire(): boolean {
    if (this.locked) return false;
    this.locked = true;
    return true;
  }

  isHeld(): boolean {
    return this.locked;
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

/** One group commit: the open write transaction and everyone waiting for its COMMIT. */
interface Group {
  done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newGroup(): Group {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  done.catch(() => undefined); // a failed group is reported to each waiter, never unhandled
  return { done, resolve, reject };
}

type Outcome<R> = { ok: true; result: QueryResult<R> } | { ok: false; error: unknown };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What Kysely holds between acquire and release: one per acquisition. */
class Handle implements DatabaseConnection {
  /** inside a Kysely transaction (its statements run in the savepoint) */
  inTransaction = false;
  /** holds the writer lock (a transaction, or the plain mode's whole acquisition) */
  holdsLock = false;

  constructor(private readonly driver: SqliteDriver) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute<R>(this, compiled);
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const result = await this.driver.execute<R>(this, compiled);
    for (const row of result.rows) yield { rows: [row] };
  }
}

class SqliteDriver implements Driver {
  private readonly lock = new FifoLock();
  private readonly grouped: boolean;
  private readonly writes: StatementCache;
  private reader: Database.Database | undefined;
  private reads: StatementCache | undefined;
  private group: Group | undefined;
  private busyTimeoutMs = 5000;
  private checkpointer: Worker | undefined;

  constructor(private readonly writer: Database.Database) {
    this.grouped = !writer.memory;
    this.writes = new StatementCache(writer);
  }

  async init(): Promise<void> {
    if (!this.grouped) return;
    this.busyTimeoutMs = Number(this.writer.pragma('busy_timeout', { simple: true }) ?? 5000);
    // waiting for another process's write lock happens in openGroup, without blocking the event loop
    this.writer.pragma('busy_timeout = 0');
    const reader = new BetterSqlite3(this.writer.name, { fileMustExist: true });
    reader.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    reader.pragma('query_only = ON');
    // same integer mode as the writer (db.ts turns safe integers on)
    const probe = this.writer.prepare('select 9007199254740993 as n').pluck().get();
    reader.defaultSafeIntegers(typeof probe === 'bigint');
    this.reader = reader;
    this.reads = new StatementCache(reader);
    this.writer.pragma(`wal_autocheckpoint = ${WRITER_AUTOCHECKPOINT_PAGES}`);
    this.checkpointer = startCheckpointer(this.writer.name);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const handle = new Handle(this);
    if (!this.grouped) {
      await this.lock.acquire();
      handle.holdsLock = true;
    }
    return handle;
  }

  async execute<R>(handle: Handle, compiled: CompiledQuery): Promise<QueryResult<R>> {
    const params = compiled.parameters as unknown[];
    if (!this.grouped || handle.inTransaction) return this.onWriter(() => run<R>(this.writes.get(compiled.sql), params));
    const stmt = this.writes.get(compiled.sql);
    if (stmt.readonly) return this.read<R>(stmt, compiled.sql, params);

    // No transaction half-way and the write lock ours at once: join (or open) the group without
    // yielding, so the lock is never held across a turn of the event loop and reads stay on the writer.
    if (this.lock.tryAcquire()) {
      let joined: Group | undefined;
      let outcome: Outcome<R> | undefined;
      try {
        joined = this.group ?? this.tryOpenGroup();
        if (joined) outcome = this.attempt<R>(stmt, params);
      } finally {
        this.lock.release();
      }
      if (joined && outcome) return this.settle(joined, outcome);
    }

    await this.lock.acquire();
    let group: Group;
    let outcome: Outcome<R>;
    try {
      group = await this.openGroup();
      outcome = this.attempt<R>(stmt, params);
    } finally {
      this.lock.release();
    }
    return this.settle(group, outcome);
  }

  private attempt<R>(stmt: Database.Statement, params: unknown[]): Outcome<R> {
    try {
      return { ok: true, result: this.onWriter(() => run<R>(stmt, params)) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Acknowledged once durable; an error too (a lost unique race re-reads a committed winner). */
  private async settle<R>(group: Group, outcome: Outcome<R>): Promise<QueryResult<R>> {
    await group.done;
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  /**
   * A standalone read. While no transaction is half-way (the lock is free) it runs on the writer,
   * whose page cache stays warm: the reader's is dropped whenever a commit changed the WAL, i.e.
   * after every group under load, and a point read then costs two to three times as much. The
   * writer may show the open group's work, so such a read is answered only once that group is
   * durable (and fails with it), like a write. Mid-transaction, the reader serves committed data.
   */
  private async read<R>(stmt: Database.Statement, sql: string, params: unknown[]): Promise<QueryResult<R>> {
    if (this.lock.isHeld() && this.reads) return run<R>(this.reads.get(sql), params);
    const group = this.group;
    const result = this.onWriter(() => run<R>(stmt, params));
    if (group) await group.done;
    return result;
  }

  /** Runs a statement on the writer; an error that ended the whole write transaction fails its group. */
  private onWriter<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (this.group && !this.writer.inTransaction) {
        const broken = this.group;
        this.group = undefined;
        broken.reject(error);
      }
      throw error;
    }
  }

  /** The open group, or a new one (BEGIN IMMEDIATE) committed at the end of this event-loop turn. Lock held. */
  private async openGroup(): Promise<Group> {
    const deadline = performance.now() + this.busyTimeoutMs;
    for (let wait = 1; ; wait = Math.min(2 * wait, 50)) {
      const group = this.group ?? this.tryOpenGroup();
      if (group) return group;
      // another process holds the write lock: wait for it without blocking this one
      if (performance.now() > deadline) return this.beginGroup(); // SQLite's own SQLITE_BUSY, past the busy timeout
      await sleep(wait);
    }
  }

  /** BEGIN IMMEDIATE once: the new group, or undefined while another process holds the write lock. Lock held. */
  private tryOpenGroup(): Group | undefined {
    try {
      return this.beginGroup();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return undefined;
      throw error;
    }
  }

  private beginGroup(): Group {
    this.writer.exec('begin immediate');
    const group = newGroup();
    this.group = group;
    setImmediate(() => void this.flush(group));
    return group;
  }

  /** COMMIT once the transaction holding the lock (if any) has released its savepoint. */
  private async flush(group: Group): Promise<void> {
    await this.lock.acquire();
    try {
      if (this.group !== group) return;
      this.group = undefined;
      try {
        this.writer.exec('commit');
        group.resolve();
      } catch (error) {
        try {
          if (this.writer.inTransaction) this.writer.exec('rollback');
        } catch {
          // the transaction is gone either way
        }
        group.reject(error);
      }
    } finally {
      this.lock.release();
    }
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    const handle = conn as Handle;
    if (!this.grouped) {
      this.writer.exec('begin immediate');
      handle.inTransaction = true;
      return;
    }
    await this.lock.acquire();
    handle.holdsLock = true;
    await this.openGroup();
    this.onWriter(() => this.writer.exec('savepoint kysely_tx'));
    handle.inTransaction = true;
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    const handle = conn as Handle;
    if (!this.grouped) {
      this.writer.exec('commit');
      handle.inTransaction = false;
      return;
    }
    const group = this.group;
    this.onWriter(() => this.writer.exec('release kysely_tx'));
    this.unlock(handle);
    // the next transaction may join the group now; this one is done when the group commits
    if (!group) throw new Error('sqlite group commit: no open group at commit');
    await group.done;
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    const handle = conn as Handle;
    if (!this.grouped) {
      this.writer.exec('rollback');
      handle.inTransaction = false;
      return;
    }
    const group = this.group;
    if (group && this.writer.inTransaction) {
      this.onWriter(() => this.writer.exec('rollback to kysely_tx'));
      this.onWriter(() => this.writer.exec('release kysely_tx'));
    }
    this.unlock(handle);
    // the caller's error may be a lost race: let the winner in this group commit before it re-reads
    await group?.done.catch(() => undefined);
  }

  private unlock(handle: Handle): void {
    handle.inTransaction = false;
    if (handle.holdsLock) {
      handle.holdsLock = false;
      this.lock.release();
    }
  }

  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    this.unlock(conn as Handle);
  }

  async destroy(): Promise<void> {
    if (this.group) await this.flush(this.group);
    const checkpointer = this.checkpointer;
    if (checkpointer) {
      const exited = new Promise<void>((resolve) => checkpointer.once('exit', () => resolve()));
      checkpointer.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000).unref()));
      await Promise.race([exited, stuck.then(() => checkpointer.terminate())]);
      clearTimeout(timer);
    }
    this.reader?.close();
    this.writer.close();
  }
}

export class GroupCommitSqliteDialect implements Dialect {
  constructor(private readonly db: Database.Database) {}
  createDriver(): Driver {
    return new SqliteDriver(this.db);
  }
  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }
  createAdapter() {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new SqliteIntrospector(db);
  }
}

