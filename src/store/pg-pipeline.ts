/**
 * How this server talks to PostgreSQL: pooled node-postgres clients in pipeline mode, each wrapped
 * in a `PipelinedClient`, the one owner of what goes into a socket write. On the machines measured
 * (docs/benchmarks.md) most of the server's CPU per statement is the write that hands it to
 * PostgreSQL and wakes its backend, so statements leave in fewer, fuller writes:
 *
 * - **One write per job.** Inside a transaction, the statements issued during one JavaScript job
 *   (a synchronous run and the promise callbacks it sets off) are gathered and leave in one write
 *   when the job ends (`flush`, scheduled once with `process.nextTick`, which runs after every
 *   promise callback of the job). Pipeline mode lets each go out before the answer to the one
 *   before it; PostgreSQL runs them in the order issued, each in its own protocol step (a failure
 *   fails that statement, and inside a transaction the ones after it). Outside a transaction a
 *   statement is alone on its connection and is sent at once.
 * - **BEGIN goes with the first statement**, in the same write; a transaction that ran no
 *   statement sends neither BEGIN nor its COMMIT or ROLLBACK.
 * - **COMMIT can end the write** (`commitAtFlush`): it is sent last, after every statement of the
 *   job, so a use case's final statements and its COMMIT are one round trip. A statement issued
 *   after that is refused (`ended`), never run outside the transaction.
 * - **A COMMIT that rolled back fails.** PostgreSQL answers COMMIT of a transaction an error aborted
 *   with ROLLBACK, not an error; a caller that swallowed that error would otherwise be told its
 *   work was committed.
 * - **Prepared statements.** node-postgres sends every query unnamed, so PostgreSQL parses and
 *   plans it each time; named by SQL text (Kysely compiles the same text for the same query shape),
 *   each connection prepares a statement once. Bounded: the first MAX_NAMED texts get names. One
 *   PostgreSQL can no longer run as prepared (a migration changed what a `select *` returns:
 *   SQLSTATE 0A000) runs unnamed from then on.
 *
 * Transactions (store/transactions.ts) call `begin`, `commit`, `commitAtFlush` and `rollback`
 * explicitly; nothing here reads SQL text to find them. The socket is corked through the client's
 * connection stream, which node-postgres exposes on every client.
 */
import type { Duplex } from 'node:stream';
import type { DatabaseConnection, QueryResult } from 'kysely';
import type pg from 'pg';

const MAX_NAMED = 2000;
const CACHED_PLAN_CHANGED = '0A000';
/** statements PostgreSQL can prepare (not transaction control or DDL) */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/** Raised when COMMIT found the transaction already aborted (an error was swallowed inside it). */
export class RolledBackAtCommitError extends Error {
  readonly code = '25P02';
  constructor() {
    super('PostgreSQL rolled the transaction back at COMMIT: a statement in it had failed');
  }
}

/** Statement names shared by every client of a pool: a text prepared on one connection is named alike on all. */
class StatementNames {
  readonly #names = new Map<string, string>();
  readonly #unnamed = new Set<string>();

  nameOf(text: string): string | undefined {
    if (this.#unnamed.has(text)) return undefined;
    let name = this.#names.get(text);
    if (name === undefined && this.#names.size < MAX_NAMED) {
      name = `bpay_${this.#names.size + 1}`;
      this.#names.set(text, name);
    }
    return name;
  }

  forget(text: string): void {
    this.#unnamed.add(text);
  }
}

/** none: no transaction; held: BEGIN not sent yet; open; committing: COMMIT asked for or sent; ended */
type TxState = 'none' | 'held' | 'open' | 'committing' | 'ended';

export class PipelinedClient {
  readonly #client: pg.PoolClient;
  readonly #names: StatementNames;
  readonly #stream: Duplex | undefined;
  #tx: TxState = 'none';
  #corked = false;
  #flushScheduled = false;
  /** a COMMIT asked to end the write being gathered, not sent yet */
  #commit: { resolve: () => void; reject: (e: unknown) => void; calledOff: () => boolean } | undefined;

  constructor(client: pg.PoolClient, names: StatementNames) {
    this.#client = client;
    this.#names = names;
    this.#stream = (client as unknown as { connection?: { stream?: Duplex } }).connection?.stream;
  }

  /** What Kysely's driver and transactions call: a statement, prepared when it can be. */
  query(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    if (this.#tx === 'ended' || (this.#tx === 'committing' && !this.#commit)) return Promise.reject(new Error('a statement was issued after its transaction had ended'));
    if (this.#tx === 'none') return this.#prepared(text, values);
    this.#gather();
    if (this.#tx !== 'held') return this.#prepared(text, values);
    this.#tx = 'open';
    // BEGIN goes out in front, in the same write; should it fail, the statement fails with it
    const begun = this.#send('begin');
    const result = this.#prepared(text, values);
    return Promise.all([begun, result]).then(([, r]) => r);
  }

  /** BEGIN, held until the first statement. */
  begin(): void {
    this.#tx = 'held';
  }

  /** COMMIT now; resolves once PostgreSQL committed. */
  async commit(): Promise<void> {
    const state = this.#tx;
    this.#tx = 'ended';
    if (state === 'held') return;
    await this.#commitNow();
  }

  /**
   * COMMIT as the last thing of the write being gathered: after every statement issued during this
   * job, in the same write. Resolves once PostgreSQL committed; rejects if it rolled back. When
   * `calledOff` says so as the write leaves (work of the job failed before it), ROLLBACK goes instead.
   */
  commitAtFlush(calledOff: () => boolean = () => false): Promise<void> {
    if (this.#tx === 'held') {
      this.#tx = 'ended';
      return Promise.resolve();
    }
    if (this.#tx !== 'open') return Promise.reject(new Error(`COMMIT asked for in a transaction that is ${this.#tx}`));
    this.#tx = 'committing';
    const done = new Promise<void>((resolve, reject) => (this.#commit = { resolve, reject, calledOff }));
    this.#gather();
    return done;
  }

  /** ROLLBACK, unless the transaction ended already; a COMMIT asked for and not sent yet is called off. */
  async rollback(): Promise<void> {
    const state = this.#tx;
    const pending = this.#commit;
    this.#tx = 'ended';
    this.#commit = undefined;
    pending?.reject(new Error('the transaction was rolled back before its COMMIT was sent'));
    if (state === 'held' || state === 'ended' || (state === 'committing' && !pending)) return;
    await this.#send('rollback');
  }

  /** Back to the pool; the next user starts outside any transaction. */
  release(error?: Error | boolean): void {
    this.#tx = 'none';
    this.#commit = undefined;
    this.#client.release(error);
  }

  /** Corks the socket for this job's statements (once) and has `flush` send them when the job ends. */
  #gather(): void {
    if (!this.#corked && this.#stream && typeof this.#stream.cork === 'function') {
      this.#corked = true;
      this.#stream.cork();
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(() => this.#flush());
    }
  }

  /** The end of a job: the COMMIT asked for goes last, then the gathered statements leave in one write. */
  #flush(): void {
    this.#flushScheduled = false;
    const commit = this.#commit;
    if (commit) {
      this.#commit = undefined;
      if (commit.calledOff()) {
        this.#tx = 'ended';
        this.#send('rollback').then(
          () => commit.reject(new Error('the transaction was rolled back: its work failed before COMMIT was sent')),
          commit.reject,
        );
      } else {
        this.#commitNow().then(commit.resolve, commit.reject);
      }
    }
    if (this.#corked) {
      this.#corked = false;
      this.#stream?.uncork();
    }
  }

  async #commitNow(): Promise<void> {
    const result = await this.#send('commit');
    this.#tx = 'ended';
    if (result.command === 'ROLLBACK') throw new RolledBackAtCommitError();
  }

  #send(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    return (this.#client.query as (t: unknown, v?: unknown) => Promise<pg.QueryResult>)(text, values);
  }

  async #prepared(text: string, values: unknown[]): Promise<pg.QueryResult> {
    const name = PREPARABLE.test(text) ? this.#names.nameOf(text) : undefined;
    if (name === undefined) return this.#send(text, values);
    try {
      return await (this.#client.query as (q: unknown) => Promise<pg.QueryResult>)({ name, text, values });
    } catch (error) {
      if ((error as { code?: string }).code !== CACHED_PLAN_CHANGED) throw error;
      this.#names.forget(text);
      // nothing ran: outside a transaction the statement simply runs again, unnamed
      if (this.#tx !== 'none') throw error;
      return this.#send(text, values);
    }
  }
}

export interface PipelinedPool {
  /** What Kysely's PostgresDialect calls for statements outside transactions. */
  connect(): Promise<PipelinedClient>;
  end(): Promise<void>;
}

export function pipelinedPool(pool: pg.Pool): PipelinedPool {
  const names = new StatementNames();
  const clients = new WeakMap<pg.PoolClient, PipelinedClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapped = clients.get(client);
      if (!wrapped) clients.set(client, (wrapped = new PipelinedClient(client, names)));
      return wrapped;
    },
    end: () => pool.end(),
  };
}

/** A transaction's statements as Kysely runs them (what its PostgresConnection does, on our client). */
export class PipelinedConnection implements DatabaseConnection {
  constructor(readonly client: PipelinedClient) {}

  async executeQuery<R>(compiled: { sql: string; parameters: readonly unknown[] }): Promise<QueryResult<R>> {
    const { command, rowCount, rows } = await this.client.query(compiled.sql, [...compiled.parameters]);
    const changed = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
    return { ...(changed ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}), rows: (rows ?? []) as R[] };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported inside transactions');
  }
}
