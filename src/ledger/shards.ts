/**
 * Where an account's money is kept: shard rows (`ledger_account_shards`), whose sums are the
 * account's balance and pending totals. Several rows per account let concurrent payments to one
 * merchant lock different rows on PostgreSQL; SQLite serialises its write transactions and keeps
 * one row per account.
 *
 * Every row of every account stays inside these bounds (cap = MAX_AMOUNT / shards), so the sums do:
 *   (1) 0 ≤ debits_pending ≤ cap and 0 ≤ credits_pending ≤ cap;
 *   (2) balance + credits_pending ≤ cap: what is held and what is on its way fits;
 *   (3) balance − debits_pending ≥ −cap, and ≥ 0 for an account that may not go negative.
 * A change to an account is placed on one row that stays inside them after it (`fits`); when no
 * row can take it, every row is locked and the money is spread again (`spread`), or the change is
 * refused. A pending transfer records the rows its reservation went to, and its resolution goes
 * back to them: resolving can never leave the bounds, so it needs no check (docs/ledger.md).
 */
import { sql } from 'kysely';
import { MAX_AMOUNT } from '../lib/amount.ts';
import type { DialectName, Tx } from '../store/db.ts';
import { toBigInt, together } from '../store/db.ts';
import { InsufficientFundsError, LedgerLimitError } from './errors.ts';
import type { Account } from './accounts.ts';

/** Rows per account. More rows mean more concurrent credits and a costlier spread. */
export const LEDGER_SHARDS: Readonly<Record<DialectName, number>> = { sqlite: 1, postgres: 8 };

/** What one row holds, or what a change adds to it. */
export interface Totals {
  balance: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

export interface ShardRow extends Totals {
  shard: number;
}

/** An amount to add to one shard row. */
export interface ShardWrite {
  accountId: string;
  shard: number;
  delta: Totals;
}

/** One account's net change in a post, and the row its pending part goes to once placed. */
export interface AccountChange {
  account: Account;
  delta: Totals;
}

export const noChange = (): Totals => ({ balance: 0n, debitsPending: 0n, creditsPending: 0n });

export function shardCount(dialect: DialectName): number {
  return LEDGER_SHARDS[dialect];
}

/** The most one row may hold: MAX_AMOUNT divides evenly by every shard count (a power of two). */
export function shardCapacity(dialect: DialectName): bigint {
  return MAX_AMOUNT / BigInt(shardCount(dialect));
}

export function sumOf(rows: Iterable<Totals>): Totals {
  const sum = noChange();
  for (const r of rows) {
    sum.balance += r.balance;
    sum.debitsPending += r.debitsPending;
    sum.creditsPending += r.creditsPending;
  }
  return sum;
}

export function plus(a: Totals, b: Totals): Totals {
  return { balance: a.balance + b.balance, debitsPending: a.debitsPending + b.debitsPending, creditsPending: a.creditsPending + b.creditsPending };
}

export function availableOf(t: Totals): bigint {
  return t.balance - t.debitsPending;
}

/** Whether `row` stays inside the bounds once `delta` is added (the module header's (1)–(3)). */
export function fits(row: Totals, delta: Totals, cap: bigint, noNegative: boolean): boolean {
  const after = plus(row, delta);
  return (
    after.debitsPending >= 0n &&
    after.debitsPending <= cap &&
    after.creditsPending >= 0n &&
    after.creditsPending <= cap &&
    after.balance + after.creditsPending <= cap &&
    availableOf(after) >= (noNegative ? 0n : -cap)
  );
}

/** A spread: every row's new totals, and the row that took the change's pending part. */
export interface Spread {
  rows: ShardRow[];
  pendingShard: number;
}

/**
 * The rows' new totals after `delta` when no single row can take it: the pending part goes to the
 * row with the most room for it, and the balance is spread again so that every row is inside the
 * bounds. For an account that may not go negative, what is available goes to as many rows as can
 * each cover another debit of this size, so later debits like it find a row of their own (a
 * payer's next payment, a merchant's concurrent refunds). Each row keeps its pending totals, which
 * its pending transfers' resolutions come back to. Throws when the account as a whole cannot take
 * the change: InsufficientFundsError, or LedgerLimitError past MAX_AMOUNT.
 */
export function spread(account: Account, rows: readonly ShardRow[], delta: Totals, cap: bigint, shards: number): Spread {
  const before = sumOf(rows);
  const after = plus(before, delta);
  if (account.noNegative && availableOf(after) < 0n) throw new InsufficientFundsError(account.ref, availableOf(before), -availableOf(delta));
  const target = new Map(rows.map((r) => [r.shard, { ...r }]));
  for (let shard = 0; shard < shards; shard++) if (!target.has(shard)) target.set(shard, { shard, ...noChange() });
  // rows beyond this node's count (written by a node configured otherwise) take part like the others
  const kept = [...target.values()].sort((a, b) => a.shard - b.shard);
  const home = kept[0];
  if (home === undefined) throw new RangeError('an account needs at least one shard');
  // a row's balance may lie between its floor (bound 3) and its ceiling (bound 2)
  const floor = (r: Totals) => r.debitsPending - (account.noNegative ? 0n : cap);
  const ceiling = (r: Totals) => cap - r.creditsPending;
  let pendingShard = home.shard;
  if (delta.debitsPending !== 0n || delta.creditsPending !== 0n) {
    const room = (r: ShardRow) => {
      const t = { ...r, debitsPending: r.debitsPending + delta.debitsPending, creditsPending: r.creditsPending + delta.creditsPending };
      if (t.debitsPending < 0n || t.creditsPending < 0n || t.debitsPending > cap || t.creditsPending > cap) return -1n;
      return ceiling(t) - floor(t);
    };
    const roomiest = kept.reduce((best, r) => (room(r) > room(best) ? r : best), home);
    if (room(roomiest) < 0n) throw new LedgerLimitError(account.ref, after);
    roomiest.debitsPending += delta.debitsPending;
    roomiest.creditsPending += delta.creditsPending;
    pendingShard = roomiest.shard;
  }
  const lowest = kept.reduce((s, r) => s + floor(r), 0n);
  const highest = kept.reduce((s, r) => s + ceiling(r), 0n);
  if (after.balance > highest || after.balance < lowest) throw new LedgerLimitError(account.ref, after);
  for (const r of kept) r.balance = floor(r);
  // what lies above the floors: to `used` rows first, then wherever there is room
  let rest = after.balance - lowest;
  const need = -availableOf(delta);
  const n = BigInt(kept.length);
  const used = !account.noNegative || need <= 0n ? n : rest / need < 1n ? 1n : rest / need > n ? n : rest / need;
  const share = rest / used;
  const give = (r: ShardRow, want: bigint) => {
    const amount = want < ceiling(r) - r.balance ? want : ceiling(r) - r.balance;
    r.balance += amount;
    rest -= amount;
  };
  kept.forEach((r, i) => {
    if (BigInt(i) < used) give(r, i === 0 ? rest - share * (used - 1n) : share);
  });
  for (const r of kept) if (rest > 0n) give(r, rest);
  return { rows: kept, pendingShard };
}

/** Where every change of a post goes, once each has passed its checks; nothing is written yet. */
export interface Placement {
  writes: ShardWrite[];
  /** the row each account's pending part went to (pending transfers record it for their resolution) */
  pendingShard: Map<string, number>;
}

const SHARD_COLUMNS = ['shard', 'balance', 'debits_pending', 'credits_pending'] as const;

function rowOf(r: { shard: unknown; balance: unknown; debits_pending: unknown; credits_pending: unknown }): ShardRow {
  return { shard: Number(r.shard), balance: toBigInt(r.balance), debitsPending: toBigInt(r.debits_pending), creditsPending: toBigInt(r.credits_pending) };
}

function diff(accountId: string, now: ShardRow, was: ShardRow | undefined): ShardWrite {
  const w = was ?? { shard: now.shard, ...noChange() };
  return { accountId, shard: now.shard, delta: { balance: now.balance - w.balance, debitsPending: now.debitsPending - w.debitsPending, creditsPending: now.creditsPending - w.creditsPending } };
}

/** Every row of an account, locked (PostgreSQL), in shard order: the one order a full lock takes. */
async function lockAllShards(tx: Tx, accountId: string): Promise<ShardRow[]> {
  const rows = await tx.db
    .selectFrom('ledger_account_shards')
    .select(SHARD_COLUMNS)
    .where('account_id', '=', BigInt(accountId))
    .orderBy('shard')
    .$if(tx.dialect === 'postgres', (q) => q.forUpdate())
    .execute();
  return rows.map(rowOf);
}

/** Spreads an account's money again under a lock of all its rows; the writes that make it so. */
async function respread(tx: Tx, change: AccountChange): Promise<{ writes: ShardWrite[]; pendingShard: number }> {
  const rows = await lockAllShards(tx, change.account.id);
  return differences(change, rows, spread(change.account, rows, change.delta, shardCapacity(tx.dialect), shardCount(tx.dialect)));
}

function differences(change: AccountChange, rows: readonly ShardRow[], target: Spread): { writes: ShardWrite[]; pendingShard: number } {
  const was = new Map(rows.map((r) => [r.shard, r]));
  return { writes: target.rows.map((r) => diff(change.account.id, r, was.get(r.shard))), pendingShard: target.pendingShard };
}

/**
 * Places changes on SQLite: write transactions are serialised, so reading the rows is holding
 * them. One read for every account; a row that fits, else a spread.
 */
async function placeSerialised(tx: Tx, changes: readonly AccountChange[]): Promise<Placement> {
  const ids = changes.map((c) => BigInt(c.account.id));
  const rows = await tx.db.selectFrom('ledger_account_shards').select(['account_id', ...SHARD_COLUMNS]).where('account_id', 'in', ids).execute();
  const cap = shardCapacity(tx.dialect);
  const writes: ShardWrite[] = [];
  const pendingShard = new Map<string, number>();
  for (const change of changes) {
    const own = rows.filter((r) => String(r.account_id) === change.account.id).map(rowOf);
    const candidates = own.filter((r) => fits(r, change.delta, cap, change.account.noNegative));
    const chosen = candidates[Math.floor(Math.random() * candidates.length)];
    if (chosen) {
      writes.push({ accountId: change.account.id, shard: chosen.shard, delta: change.delta });
      pendingShard.set(change.account.id, chosen.shard);
      continue;
    }
    const spreadOut = differences(change, own, spread(change.account, own, change.delta, cap, shardCount(tx.dialect)));
    writes.push(...spreadOut.writes);
    pendingShard.set(change.account.id, spreadOut.pendingShard);
  }
  return { writes, pendingShard };
}

/** SQL parameters stay inside 64 bits; every expression they are compared with is within ±2^62. */
const LIMIT_62 = 1n << 62n;
const clamp = (x: bigint) => (x > LIMIT_62 ? LIMIT_62 : x < -LIMIT_62 ? -LIMIT_62 : x);

/** Rows of one account that `fits` the change, as a condition PostgreSQL evaluates on the locked row. */
function fittingRows(tx: Tx, change: AccountChange) {
  const cap = shardCapacity(tx.dialect);
  const d = change.delta;
  const low = change.account.noNegative ? 0n : -cap;
  return tx.db
    .selectFrom('ledger_account_shards')
    .select(SHARD_COLUMNS)
    .where('account_id', '=', BigInt(change.account.id))
    .where('debits_pending', '>=', clamp(-d.debitsPending))
    .where('debits_pending', '<=', clamp(cap - d.debitsPending))
    .where('credits_pending', '>=', clamp(-d.creditsPending))
    .where('credits_pending', '<=', clamp(cap - d.creditsPending))
    .where(sql<boolean>`balance + credits_pending <= ${clamp(cap - d.balance - d.creditsPending)}`)
    .where(sql<boolean>`balance - debits_pending >= ${clamp(low - d.balance + d.debitsPending)}`);
}

/** A row of the account that fits the change, locked, waiting for one if every fitting row is busy. */
async function lockFittingRow(tx: Tx, change: AccountChange): Promise<ShardRow | undefined> {
  const cap = shardCapacity(tx.dialect);
  const [, free] = await together(sql`savepoint ledger_place`.execute(tx.db), fittingRows(tx, change).orderBy(sql`random()`).limit(1).forUpdate().skipLocked().executeTakeFirst());
  if (free && fits(rowOf(free), change.delta, cap, change.account.noNegative)) return rowOf(free);
  await sql`rollback to savepoint ledger_place`.execute(tx.db);
  const busy = await fittingRows(tx, change).execute();
  const candidate = busy[Math.floor(Math.random() * busy.length)];
  if (candidate === undefined) return undefined;
  const granted = await tx.db
    .selectFrom('ledger_account_shards')
    .select(SHARD_COLUMNS)
    .where('account_id', '=', BigInt(change.account.id))
    .where('shard', '=', Number(candidate.shard))
    .forUpdate()
    .executeTakeFirst();
  if (granted && fits(rowOf(granted), change.delta, cap, change.account.noNegative)) return rowOf(granted);
  // the spread that follows must hold nothing of this account when it locks every row in order
  await sql`rollback to savepoint ledger_place`.execute(tx.db);
  return undefined;
}

/**
 * Places changes on PostgreSQL, whose transactions lock rows: in ascending account order (the one
 * order every placement takes its locks in, so concurrent posts do not deadlock), one row per
 * account. First all at once, each taking a fitting row nobody holds (SKIP LOCKED never waits, so
 * the order cannot be broken); if one account has none, what was taken is given back (a savepoint)
 * and the accounts are placed one at a time, waiting for a fitting row or spreading the money.
 */
async function placeLocking(tx: Tx, changes: readonly AccountChange[]): Promise<Placement> {
  const cap = shardCapacity(tx.dialect);
  const writes: ShardWrite[] = [];
  const pendingShard = new Map<string, number>();
  const take = (change: AccountChange, row: ShardRow) => {
    writes.push({ accountId: change.account.id, shard: row.shard, delta: change.delta });
    pendingShard.set(change.account.id, row.shard);
  };
  const [, ...picked] = await together(
    sql`savepoint ledger_place_all`.execute(tx.db),
    ...changes.map((change) => fittingRows(tx, change).orderBy(sql`random()`).limit(1).forUpdate().skipLocked().executeTakeFirst()),
  );
  if (picked.every((row, i) => row !== undefined && fits(rowOf(row), (changes[i] as AccountChange).delta, cap, (changes[i] as AccountChange).account.noNegative))) {
    changes.forEach((change, i) => take(change, rowOf(picked[i] as NonNullable<(typeof picked)[number]>)));
    return { writes, pendingShard };
  }
  await sql`rollback to savepoint ledger_place_all`.execute(tx.db);
  for (const change of changes) {
    const row = await lockFittingRow(tx, change);
    if (row) {
      take(change, row);
      continue;
    }
    const spreadOut = await respread(tx, change);
    writes.push(...spreadOut.writes);
    pendingShard.set(change.account.id, spreadOut.pendingShard);
  }
  return { writes, pendingShard };
}

/**
 * Finds a place for every change, in ascending account order, checking each: the bounds of every
 * row and of the account, and that an account that may not go negative covers its debits. Throws
 * InsufficientFundsError or LedgerLimitError with nothing written; afterwards the writes it
 * answers must succeed (the rows are held until the transaction ends).
 */
export function place(tx: Tx, changes: readonly AccountChange[]): Promise<Placement> {
  const ordered = [...changes].sort((a, b) => (BigInt(a.account.id) < BigInt(b.account.id) ? -1 : 1));
  return tx.dialect === 'postgres' ? placeLocking(tx, ordered) : placeSerialised(tx, ordered);
}

/** Adds to shard rows (creating a missing one) in one upsert, in (account, shard) order. */
export async function writeShards(tx: Tx, writes: readonly ShardWrite[]): Promise<void> {
  const rows = [...writes]
    .filter((w) => w.delta.balance !== 0n || w.delta.debitsPending !== 0n || w.delta.creditsPending !== 0n)
    .sort((a, b) => (BigInt(a.accountId) < BigInt(b.accountId) ? -1 : BigInt(a.accountId) > BigInt(b.accountId) ? 1 : a.shard - b.shard))
    .map((w) => ({ account_id: BigInt(w.accountId), shard: w.shard, balance: w.delta.balance, debits_pending: w.delta.debitsPending, credits_pending: w.delta.creditsPending }));
  if (rows.length === 0) return;
  const sum = (name: string) => sql<bigint>`${sql.ref(`ledger_account_shards.${name}`)} + ${sql.ref(`excluded.${name}`)}`;
  await tx.db
    .insertInto('ledger_account_shards')
    .values(rows)
    .onConflict((oc) => oc.columns(['account_id', 'shard']).doUpdateSet({ balance: sum('balance'), debits_pending: sum('debits_pending'), credits_pending: sum('credits_pending') }))
    .execute();
}

/** Locks every row of an account and answers their sum, for use cases that decide what to move from it. */
export async function lockAccountTotals(tx: Tx, accountId: string): Promise<Totals> {
  return sumOf(await lockAllShards(tx, accountId));
}

/** Creates an account's rows (shards 0 … n−1), so every placement finds the rows it may lock. */
export async function createShardRows(tx: Tx, accountIds: readonly string[]): Promise<void> {
  if (accountIds.length === 0) return;
  const n = shardCount(tx.dialect);
  const rows = [...accountIds].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).flatMap((id) => Array.from({ length: n }, (_, shard) => ({ account_id: BigInt(id), shard })));
  await tx.db.insertInto('ledger_account_shards').values(rows).onConflict((oc) => oc.columns(['account_id', 'shard']).doNothing()).execute();
}
