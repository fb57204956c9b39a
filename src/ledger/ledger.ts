/**
 * The double-entry engine: the one place money moves. `post` runs inside the caller's transaction
 * and a refused post leaves it as it was, so a caller may catch InsufficientFundsError and go on.
 *
 * An account's four running totals are the sums of its shard rows (ledger_account_shards):
 * - a change that cannot lower an account's available balance (a credit, the resolution of a
 *   pending transfer, any change to an account allowed to go negative) is added to a shard picked
 *   at random, so concurrent payments to one merchant, and their commission to the fee account,
 *   lock different rows instead of queueing on one until each commits;
 * - a debit of a no-negative account is taken from one shard that alone covers it, so every shard
 *   of such an account stays non-negative, and so does their sum. When no single shard covers it,
 *   every shard is locked, the sum is checked and what remains is spread over the shards.
 * Accounts are visited in ascending id order and a transaction waits for at most one account's
 * rows at a time, so concurrent posts do not deadlock. PostgreSQL locks rows (FOR UPDATE, SKIP
 * LOCKED first); SQLite's write transactions are serialised and use one shard per account.
 */
import { sql, type Selectable } from 'kysely';
import type { AccountBalance, AccountRef, JournalEntry, TransferKind, TransferPhase, TransferSpec } from '../domain/ledger.ts';
import { mustNotGoNegative } from '../domain/ledger.ts';
import type { Amount } from '../lib/amount.ts';
import type { DialectName, Queryable, Tx } from '../store/db.ts';
import { fromBool, toBigInt, toBool, toNumber, together } from '../store/db.ts';
import type { LedgerTransfersTable } from '../store/schema.ts';
import { InsufficientFundsError, LedgerRuleError } from './errors.ts';

/** Shards a credit is spread over. More rows mean more concurrent credits and a costlier rebalance. */
export const LEDGER_SHARDS: Readonly<Record<DialectName, number>> = { sqlite: 1, postgres: 8 };

interface Totals {
  dp: bigint;
  cp: bigint;
  dpend: bigint;
  cpend: bigint;
}

interface Account {
  id: string;
  ref: AccountRef;
  noNegative: boolean;
}

/** Amounts to add to one shard row's totals. */
interface ShardWrite {
  accountId: string;
  shard: number;
  totals: Totals;
}

const zero = (): Totals => ({ dp: 0n, cp: 0n, dpend: 0n, cpend: 0n });

function availableOf(t: Totals): bigint {
  return t.cp - t.dp - t.dpend;
}

function sumOf(rows: Iterable<Totals>): Totals {
  const sum = zero();
  for (const r of rows) {
    sum.dp += r.dp;
    sum.cp += r.cp;
    sum.dpend += r.dpend;
    sum.cpend += r.cpend;
  }
  return sum;
}

function totalsOf(row: { debits_posted: unknown; credits_posted: unknown; debits_pending: unknown; credits_pending: unknown }): Totals {
  return { dp: toBigInt(row.debits_posted), cp: toBigInt(row.credits_posted), dpend: toBigInt(row.debits_pending), cpend: toBigInt(row.credits_pending) };
}

function refKey(r: AccountRef): string {
  return `${r.ownerType}\u0000${r.ownerId}\u0000${r.wallet}\u0000${r.asset}`;
}

function byId(a: { id: string }, b: { id: string }): number {
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
}

function randomShard(dialect: DialectName): number {
  return Math.floor(Math.random() * LEDGER_SHARDS[dialect]);
}

/** The accounts of `refs` by ref key, in one query. */
async function findAccounts(q: Queryable, refs: AccountRef[]): Promise<Map<string, Account>> {
  const found = new Map<string, Account>();
  if (refs.length === 0) return found;
  const rows = await q
    .selectFrom('ledger_accounts')
    .select(['id', 'owner_type', 'owner_id', 'wallet', 'asset', 'no_negative'])
    .where((eb) => eb.or(refs.map((r) => eb.and([eb('owner_type', '=', r.ownerType), eb('owner_id', '=', r.ownerId), eb('wallet', '=', r.wallet), eb('asset', '=', r.asset)]))))
    .execute();
  for (const row of rows) {
    const ref: AccountRef = { ownerType: row.owner_type as AccountRef['ownerType'], ownerId: row.owner_id, wallet: row.wallet as AccountRef['wallet'], asset: row.asset };
    found.set(refKey(ref), Object.freeze({ id: String(row.id), ref: Object.freeze(ref), noNegative: toBool(row.no_negative) }));
  }
  return found;
}

/** The `Tx.recall`/`Tx.learn` key of an account: ids never change, so committed ones are remembered. */
const accountFact = (key: string) => `ledger_account\u0000${key}`;

/**
 * The accounts of `refs` by ref key, creating missing ones (race-safe). Accounts committed before
 * are known without a query (`Tx.recall`): an account row is never changed or removed.
 */
async function ensureAccounts(tx: Tx, refs: AccountRef[], nowMs: number): Promise<Map<string, Account>> {
  const unique = new Map(refs.map((r) => [refKey(r), r]));
  const accounts = new Map<string, Account>();
  const unknown = new Map<string, AccountRef>();
  for (const [key, ref] of unique) {
    const known = tx.recall?.(accountFact(key)) as Account | undefined;
    if (known) accounts.set(key, known);
    else unknown.set(key, ref);
  }
  if (unknown.size === 0) return accounts;
  const found = await findAccounts(tx.db, [...unknown.values()]);
  // in key order, so two posts creating the same accounts at once insert them in the same order
  const missing = [...unknown.entries()]
    .filter(([key]) => !found.has(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, ref]) => ref);
  if (missing.length > 0) {
    await tx.db
      .insertInto('ledger_accounts')
      .values(missing.map((ref) => ({ owner_type: ref.ownerType, owner_id: ref.ownerId, wallet: ref.wallet, asset: ref.asset, no_negative: fromBool(mustNotGoNegative(ref)), created_at_ms: nowMs })))
      .onConflict((oc) => oc.columns(['owner_type', 'owner_id', 'wallet', 'asset']).doNothing())
      .execute();
    for (const [key, account] of await findAccounts(tx.db, missing)) found.set(key, account);
  }
  for (const key of unknown.keys()) {
    const account = found.get(key);
    if (!account) throw new LedgerRuleError(`account ${key} could not be created`);
    accounts.set(key, account);
    tx.learn?.(accountFact(key), account);
  }
  return accounts;
}

const SHARD_COLUMNS = ['shard', 'debits_posted', 'credits_posted', 'debits_pending', 'credits_pending'] as const;

/** Locks every shard of an account (in shard order, the one order every full lock takes). */
async function lockAllShards(tx: Tx, accountId: string): Promise<Array<Totals & { shard: number }>> {
  const rows = await tx.db
    .selectFrom('ledger_account_shards')
    .select(SHARD_COLUMNS)
    .where('account_id', '=', BigInt(accountId))
    .orderBy('shard')
    .$if(tx.dialect === 'postgres', (q) => q.forUpdate())
    .execute();
  return rows.map((r) => ({ shard: Number(r.shard), ...totalsOf(r) }));
}

function covers(need: bigint) {
  return sql<boolean>`credits_posted - debits_posted - debits_pending >= ${need}`;
}

/**
 * A shard of the account whose available balance alone covers `need`, locked by this transaction;
 * undefined when none does. PostgreSQL: an unlocked one if any (SKIP LOCKED), else it waits for one
 * covering shard picked at random. Before giving up it rolls back to a savepoint taken first: a
 * locking read also keeps rows it locked and then found no longer covering, and the rebalance that
 * follows must hold nothing of this account when it locks every shard in order, or two of them
 * could wait for each other.
 */
async function pickShard(tx: Tx, accountId: string, need: bigint): Promise<number | undefined> {
  const shards = tx.db.selectFrom('ledger_account_shards').select(SHARD_COLUMNS).where('account_id', '=', BigInt(accountId)).where(covers(need));
  if (tx.dialect !== 'postgres') {
    const row = await shards.limit(1).executeTakeFirst();
    return row ? Number(row.shard) : undefined;
  }
  const coversNeed = (row: Parameters<typeof totalsOf>[0] | undefined) => row !== undefined && availableOf(totalsOf(row)) >= need;
  // issued together: PostgreSQL takes the savepoint before the locking read, in one round trip
  const [, free] = await together(sql`savepoint ledger_pick`.execute(tx.db), shards.orderBy(sql`random()`).limit(1).forUpdate().skipLocked().executeTakeFirst());
  if (free && coversNeed(free)) return Number(free.shard);
  await sql`rollback to savepoint ledger_pick`.execute(tx.db);
  const busy = await shards.execute();
  const candidate = busy[Math.floor(Math.random() * busy.length)];
  if (candidate === undefined) return undefined;
  const granted = await tx.db.selectFrom('ledger_account_shards').select(SHARD_COLUMNS).where('account_id', '=', BigInt(accountId)).where('shard', '=', Number(candidate.shard)).forUpdate().executeTakeFirst();
  if (granted && coversNeed(granted)) return Number(granted.shard);
  await sql`rollback to savepoint ledger_pick`.execute(tx.db);
  return undefined;
}

/**
 * No single shard covers the debit: lock them all, check the sum and spread what remains after the
 * change over as many shards as can each cover another debit of this size (at most all of them),
 * so later debits like it again find a shard of their own: a payer's next payment, a merchant's
 * concurrent refunds. The new values are written as differences: a shard row another transaction
 * created after this statement's snapshot (a credit) is not among the locked rows and keeps what it holds.
 */
async function rebalance(tx: Tx, account: Account, delta: Totals): Promise<ShardWrite[]> {
  const rows = await lockAllShards(tx, account.id);
  const before = sumOf(rows);
  const after = sumOf([before, delta]);
  const available = availableOf(after);
  const need = -availableOf(delta);
  if (available < 0n) throw new InsufficientFundsError(account.ref, availableOf(before), need);
  const max = BigInt(LEDGER_SHARDS[tx.dialect]);
  const used = available / need < 1n ? 1n : available / need > max ? max : available / need;
  const share = available / used;
  const seen = new Map(rows.map((r) => [r.shard, r]));
  const shards = new Set([...seen.keys(), ...Array.from({ length: Number(max) }, (_, i) => i)]);
  const writes: ShardWrite[] = [];
  for (const shard of shards) {
    const target = shard === 0 ? { ...after, cp: after.cp - share * (used - 1n) } : { ...zero(), cp: BigInt(shard) < used ? share : 0n };
    const was = seen.get(shard) ?? zero();
    const totals = { dp: target.dp - was.dp, cp: target.cp - was.cp, dpend: target.dpend - was.dpend, cpend: target.cpend - was.cpend };
    if (totals.dp !== 0n || totals.cp !== 0n || totals.dpend !== 0n || totals.cpend !== 0n) writes.push({ accountId: account.id, shard, totals });
  }
  return writes;
}

/**
 * Checks each account's change, in ascending account order (the one order every post takes its
 * row locks in): a change that cannot lower the account goes to a random shard (written before the
 * next debit's locks are taken, in the same round trip as that debit's pick); a debit of a
 * no-negative account locks the shard it will come from (or every shard, to rebalance). Returns
 * what is still to be written once every account passed: the debits and the last credits. A
 * refusal takes back what was added, so the caller's transaction is as it was.
 */
async function applyChanges(tx: Tx, changes: Array<{ account: Account; delta: Totals }>): Promise<ShardWrite[]> {
  const added: ShardWrite[] = [];
  const deferred: ShardWrite[] = [];
  let queued: ShardWrite[] = [];
  const flush = async () => {
    const writes = queued;
    queued = [];
    if (writes.length === 0) return;
    await writeShards(tx, writes);
    added.push(...writes);
  };
  try {
    for (const { account, delta } of [...changes].sort((a, b) => byId(a.account, b.account))) {
      if (!account.noNegative || availableOf(delta) >= 0n) {
        queued.push({ accountId: account.id, shard: randomShard(tx.dialect), totals: delta });
        continue;
      }
      // issued in this order and together: the credits are written before this debit's locks are taken
      const [, shard] = await together(flush(), pickShard(tx, account.id, -availableOf(delta)));
      if (shard !== undefined) deferred.push({ accountId: account.id, shard, totals: delta });
      else deferred.push(...(await rebalance(tx, account, delta)));
    }
  } catch (error) {
    if (error instanceof InsufficientFundsError && added.length > 0) {
      await writeShards(tx, added.map((w) => ({ ...w, totals: { dp: -w.totals.dp, cp: -w.totals.cp, dpend: -w.totals.dpend, cpend: -w.totals.cpend } })));
    }
    throw error;
  }
  // every check passed: the debited shards (already locked) go with the last credits
  return [...queued, ...deferred];
}

/** Adds to shard rows (creating missing ones) in one upsert, rows in (account, shard) order. */
async function writeShards(tx: Tx, writes: ShardWrite[]): Promise<void> {
  const rows = [...writes]
    .sort((a, b) => byId({ id: a.accountId }, { id: b.accountId }) || a.shard - b.shard)
    .map((w) => ({ account_id: BigInt(w.accountId), shard: w.shard, debits_posted: w.totals.dp, credits_posted: w.totals.cp, debits_pending: w.totals.dpend, credits_pending: w.totals.cpend }));
  if (rows.length === 0) return;
  const sum = (name: string) => sql<bigint>`${sql.ref(`ledger_account_shards.${name}`)} + ${sql.ref(`excluded.${name}`)}`;
  await tx.db
    .insertInto('ledger_account_shards')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['account_id', 'shard']).doUpdateSet({
        debits_posted: sum('debits_posted'),
        credits_posted: sum('credits_posted'),
        debits_pending: sum('debits_pending'),
        credits_pending: sum('credits_pending'),
      }),
    )
    .execute();
}

interface JournalRow {
  debitId: string;
  creditId: string;
  asset: string;
  amount: bigint;
  phase: TransferPhase;
  pendingId: string | null;
  kind: string;
  refType: string;
  refId: string;
  memo: string | null;
}

/** Appends journal rows in one insert; returns their ids in the rows' order. */
async function appendJournal(tx: Tx, rows: JournalRow[], nowMs: number): Promise<string[]> {
  const inserted = await tx.db
    .insertInto('ledger_transfers')
    .values(
      rows.map((r) => ({
        debit_account_id: BigInt(r.debitId),
        credit_account_id: BigInt(r.creditId),
        asset: r.asset,
        amount: r.amount,
        phase: r.phase,
        pending_id: r.pendingId === null ? null : BigInt(r.pendingId),
        kind: r.kind,
        ref_type: r.refType,
        ref_id: r.refId,
        memo: r.memo,
        created_at_ms: nowMs,
      })),
    )
    .returning('id')
    .execute();
  // ids are drawn in the order of the VALUES rows; RETURNING's own order is not promised
  const ids = inserted.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (ids.length !== rows.length) throw new LedgerRuleError(`journal insert returned ${ids.length} ids for ${rows.length} rows`);
  for (const r of rows) tx.tally?.(`ledger_transfer|${r.kind}|${r.phase}`);
  return ids.map(String);
}

export interface PostedTransfer {
  id: string;
  spec: TransferSpec;
}

/**
 * Posts transfers atomically within `tx`: all or none. Throws InsufficientFundsError when a
 * no-negative account would go below zero, LedgerRuleError for transfers that can never be valid;
 * either way leaving the database as it was.
 */
export async function post(tx: Tx, transfers: TransferSpec[], nowMs: number): Promise<PostedTransfer[]> {
  if (transfers.length === 0) return [];
  for (const t of transfers) {
    if (t.amount <= 0n) throw new LedgerRuleError(`transfer amount must be positive, got ${t.amount}`);
    if (t.debit.asset !== t.credit.asset) throw new LedgerRuleError('a transfer moves one asset');
    if (refKey(t.debit) === refKey(t.credit)) throw new LedgerRuleError('a transfer needs two different accounts');
  }
  const accounts = await ensureAccounts(tx, transfers.flatMap((t) => [t.debit, t.credit]), nowMs);
  const changes = new Map<string, { account: Account; delta: Totals }>();
  const changeOf = (ref: AccountRef) => {
    const account = accounts.get(refKey(ref));
    if (!account) throw new LedgerRuleError('account vanished');
    let change = changes.get(account.id);
    if (!change) changes.set(account.id, (change = { account, delta: zero() }));
    return change;
  };
  const rows: JournalRow[] = transfers.map((t) => {
    const debit = changeOf(t.debit);
    const credit = changeOf(t.credit);
    if (t.pending) {
      debit.delta.dpend += t.amount;
      credit.delta.cpend += t.amount;
    } else {
      debit.delta.dp += t.amount;
      credit.delta.cp += t.amount;
    }
    return { debitId: debit.account.id, creditId: credit.account.id, asset: t.debit.asset, amount: t.amount, phase: t.pending ? 'PENDING' : 'POSTED', pendingId: null, kind: t.kind, refType: t.refType, refId: t.refId, memo: t.memo ?? null };
  });
  const writes = await applyChanges(tx, [...changes.values()]);
  const [, ids] = await together(writeShards(tx, writes), appendJournal(tx, rows, nowMs));
  return transfers.map((spec, i) => ({ id: ids[i] as string, spec }));
}

/**
 * Resolves a pending transfer: POST moves the reserved amount for good, VOID releases it.
 * The resolution is a new journal row (`pending_id` is unique, so a pending resolves once); neither
 * outcome can lower an available balance, so no account needs a check.
 */
export async function resolvePending(tx: Tx, pendingId: string, outcome: 'POST' | 'VOID', nowMs: number): Promise<string> {
  return (await preparePendingResolution(tx, pendingId, outcome, nowMs))();
}

/**
 * `resolvePending` in two steps, so a caller can issue the writes together with its own: locks and
 * checks the pending transfer, then answers the function that writes the resolution (journal row
 * and shard totals) and resolves to the new journal row's id.
 */
export async function preparePendingResolution(tx: Tx, pendingId: string, outcome: 'POST' | 'VOID', nowMs: number): Promise<() => Promise<string>> {
  // in this order, in one round trip: the check runs once the lock is ours, so a concurrent resolution is seen
  const [pending, resolved] = await together(
    tx.db
      .selectFrom('ledger_transfers')
      .selectAll()
      .where('id', '=', BigInt(pendingId))
      .$if(tx.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst(),
    tx.db.selectFrom('ledger_transfers').select('id').where('pending_id', '=', BigInt(pendingId)).executeTakeFirst(),
  );
  if (!pending || pending.phase !== 'PENDING') throw new LedgerRuleError(`transfer ${pendingId} is not pending`);
  if (resolved) throw new LedgerRuleError(`pending transfer ${pendingId} is already resolved`);
  const amount = toBigInt(pending.amount);
  const moved = outcome === 'POST' ? amount : 0n;
  const phase = outcome === 'POST' ? 'POST_PENDING' : 'VOID_PENDING';
  return async () => {
    const [[id]] = await together(
      appendJournal(
        tx,
        [{ debitId: String(pending.debit_account_id), creditId: String(pending.credit_account_id), asset: pending.asset, amount, phase, pendingId, kind: pending.kind, refType: pending.ref_type, refId: pending.ref_id, memo: pending.memo }],
        nowMs,
      ),
      writeShards(tx, [
        { accountId: String(pending.debit_account_id), shard: randomShard(tx.dialect), totals: { ...zero(), dpend: -amount, dp: moved } },
        { accountId: String(pending.credit_account_id), shard: randomShard(tx.dialect), totals: { ...zero(), cpend: -amount, cp: moved } },
      ]),
    );
    return id as string;
  };
}

/**
 * Locks one account (creating it if needed), every shard of it, and returns its balance, for use
 * cases that decide how much to move from it before posting (the locks hold until the transaction ends).
 */
export async function lockBalance(tx: Tx, ref: AccountRef, nowMs: number): Promise<AccountBalance> {
  const account = (await ensureAccounts(tx, [ref], nowMs)).get(refKey(ref));
  if (!account) throw new LedgerRuleError('account vanished');
  return toBalance(account.ref, account.id, sumOf(await lockAllShards(tx, account.id)));
}

function toBalance(ref: AccountRef, accountId: string, t: Totals): AccountBalance {
  const balance = t.cp - t.dp;
  return { ref, accountId, balance, pendingDebits: t.dpend, pendingCredits: t.cpend, available: balance - t.dpend };
}

/** Accounts with their totals summed over their shards. */
export function accountsWithTotals(q: Queryable) {
  return q
    .selectFrom('ledger_accounts as a')
    .leftJoin('ledger_account_shards as s', 's.account_id', 'a.id')
    .select(['a.id', 'a.owner_type', 'a.owner_id', 'a.wallet', 'a.asset', 'a.no_negative'])
    .select([
      sql<unknown>`coalesce(sum(s.debits_posted), 0)`.as('debits_posted'),
      sql<unknown>`coalesce(sum(s.credits_posted), 0)`.as('credits_posted'),
      sql<unknown>`coalesce(sum(s.debits_pending), 0)`.as('debits_pending'),
      sql<unknown>`coalesce(sum(s.credits_pending), 0)`.as('credits_pending'),
    ])
    .groupBy(['a.id', 'a.owner_type', 'a.owner_id', 'a.wallet', 'a.asset', 'a.no_negative']);
}

function rowToBalance(row: { id: unknown; owner_type: string; owner_id: string; wallet: string; asset: string; debits_posted: unknown; credits_posted: unknown; debits_pending: unknown; credits_pending: unknown }): AccountBalance {
  const ref: AccountRef = { ownerType: row.owner_type as AccountRef['ownerType'], ownerId: row.owner_id, wallet: row.wallet as AccountRef['wallet'], asset: row.asset };
  return toBalance(ref, String(row.id), totalsOf(row));
}

/** Balances of one owner (all wallets and assets), or of one wallet when given. */
export async function balancesOf(q: Queryable, owner: { ownerType: AccountRef['ownerType']; ownerId: string; wallet?: AccountRef['wallet'] }): Promise<AccountBalance[]> {
  let query = accountsWithTotals(q).where('a.owner_type', '=', owner.ownerType).where('a.owner_id', '=', owner.ownerId);
  if (owner.wallet) query = query.where('a.wallet', '=', owner.wallet);
  const rows = await query.orderBy('a.wallet').orderBy('a.asset').execute();
  return rows.map(rowToBalance);
}

/** Balance of one account; a never-used account has zero. */
export async function balanceOf(q: Queryable, ref: AccountRef): Promise<AccountBalance> {
  const row = await accountsWithTotals(q)
    .where('a.owner_type', '=', ref.ownerType)
    .where('a.owner_id', '=', ref.ownerId)
    .where('a.wallet', '=', ref.wallet)
    .where('a.asset', '=', ref.asset)
    .executeTakeFirst();
  if (!row) return { ref, accountId: '', balance: 0n, pendingDebits: 0n, pendingCredits: 0n, available: 0n };
  return rowToBalance(row);
}

function rowToEntry(row: Selectable<LedgerTransfersTable> & { d_owner_type: string; d_owner_id: string; d_wallet: string; c_owner_type: string; c_owner_id: string; c_wallet: string }): JournalEntry {
  return {
    id: String(row.id),
    debit: { ownerType: row.d_owner_type as AccountRef['ownerType'], ownerId: row.d_owner_id, wallet: row.d_wallet as AccountRef['wallet'], asset: row.asset },
    credit: { ownerType: row.c_owner_type as AccountRef['ownerType'], ownerId: row.c_owner_id, wallet: row.c_wallet as AccountRef['wallet'], asset: row.asset },
    asset: row.asset,
    amount: toBigInt(row.amount),
    phase: row.phase as TransferPhase,
    pendingId: row.pending_id === null ? null : String(row.pending_id),
    kind: row.kind as TransferKind,
    refType: row.ref_type,
    refId: row.ref_id,
    memo: row.memo,
    createdAtMs: toNumber(row.created_at_ms),
  };
}

/** The journal of one business object (an order, refund, payout…), oldest first. */
export async function journalOf(q: Queryable, refType: string, refIds: string[]): Promise<JournalEntry[]> {
  if (refIds.length === 0) return [];
  const rows = await q
    .selectFrom('ledger_transfers as t')
    .innerJoin('ledger_accounts as d', 'd.id', 't.debit_account_id')
    .innerJoin('ledger_accounts as c', 'c.id', 't.credit_account_id')
    .selectAll('t')
    .select(['d.owner_type as d_owner_type', 'd.owner_id as d_owner_id', 'd.wallet as d_wallet', 'c.owner_type as c_owner_type', 'c.owner_id as c_owner_id', 'c.wallet as c_wallet'])
    .where('t.ref_type', '=', refType)
    .where('t.ref_id', 'in', refIds)
    .orderBy('t.id')
    .execute();
  return rows.map(rowToEntry);
}

export type { Amount };
