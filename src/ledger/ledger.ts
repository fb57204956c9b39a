/**
 * The double-entry engine: the one place money moves. `post` runs inside the caller's transaction
 * in TigerBeetle's shape: every check first — each transfer, then each account's change placed on
 * a shard row that can take it (shards.ts), in ascending account order — and only then the writes,
 * which must succeed. A refused post has written nothing but the account rows it created, so a
 * caller may catch InsufficientFundsError and go on.
 */
import type { AccountBalance, AccountRef, TransferPhase, TransferSpec } from '../domain/ledger.ts';
import { AppError, Errors } from '../domain/errors.ts';
import { formatAmountTrimmed, MAX_AMOUNT, type Amount } from '../lib/amount.ts';
import type { Tx } from '../store/db.ts';
import { lockThen, toBigInt, together } from '../store/db.ts';
import { ensureAccounts, refKey, type Account } from './accounts.ts';
import { LedgerRuleError } from './errors.ts';
import { toBalance } from './queries.ts';
import { lockAccountTotals, noChange, place, writeShards, type AccountChange, type ShardWrite } from './shards.ts';

export { LEDGER_SHARDS } from './shards.ts';
export { balanceOf, balancesOf, journalOf } from './queries.ts';

interface JournalRow {
  debitId: string;
  creditId: string;
  asset: string;
  amount: bigint;
  phase: TransferPhase;
  pendingId: string | null;
  /** for a PENDING transfer: the shard rows its reservation went to, where its resolution goes back */
  debitShard: number | null;
  creditShard: number | null;
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
        debit_shard: r.debitShard,
        credit_shard: r.creditShard,
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
  for (const r of rows) tx.tally(`ledger_transfer|${r.kind}|${r.phase}`);
  return ids.map(String);
}

/** The checks a transfer passes on its own, before any account is looked at. */
function checkTransfer(t: TransferSpec): void {
  if (t.amount <= 0n) throw new LedgerRuleError(`transfer amount must be positive, got ${t.amount}`);
  if (t.amount > MAX_AMOUNT) throw new AppError(Errors.INVALID_PARAM_WRONG_VALUE, `amount out of range: a transfer moves at most ${formatAmountTrimmed(MAX_AMOUNT)} ${t.debit.asset}`);
  if (t.debit.asset !== t.credit.asset) throw new LedgerRuleError('a transfer moves one asset');
  if (refKey(t.debit) === refKey(t.credit)) throw new LedgerRuleError('a transfer needs two different accounts');
}

export interface PostedTransfer {
  id: string;
  spec: TransferSpec;
}

/**
 * Posts transfers atomically within `tx`: all or none. Throws InsufficientFundsError when a
 * no-negative account would go below zero, LedgerLimitError past MAX_AMOUNT, LedgerRuleError for
 * transfers that can never be valid; either way having written no money.
 */
export async function post(tx: Tx, transfers: TransferSpec[], nowMs: number): Promise<PostedTransfer[]> {
  if (transfers.length === 0) return [];
  for (const t of transfers) checkTransfer(t);
  const accounts = await ensureAccounts(tx, transfers.flatMap((t) => [t.debit, t.credit]), nowMs);
  const changes = new Map<string, AccountChange>();
  const changeOf = (ref: AccountRef): AccountChange => {
    const account = accounts.get(refKey(ref)) as Account;
    let change = changes.get(account.id);
    if (!change) changes.set(account.id, (change = { account, delta: noChange() }));
    return change;
  };
  for (const t of transfers) {
    const debit = changeOf(t.debit).delta;
    const credit = changeOf(t.credit).delta;
    if (t.pending) {
      debit.debitsPending += t.amount;
      credit.creditsPending += t.amount;
    } else {
      debit.balance -= t.amount;
      credit.balance += t.amount;
    }
  }
  const placement = await place(tx, [...changes.values()]);
  // after this point the post must succeed: every check passed and the rows it writes are held
  const rows: JournalRow[] = transfers.map((t) => {
    const debitId = changeOf(t.debit).account.id;
    const creditId = changeOf(t.credit).account.id;
    return {
      debitId,
      creditId,
      asset: t.debit.asset,
      amount: t.amount,
      phase: t.pending ? 'PENDING' : 'POSTED',
      pendingId: null,
      debitShard: t.pending ? (placement.pendingShard.get(debitId) ?? 0) : null,
      creditShard: t.pending ? (placement.pendingShard.get(creditId) ?? 0) : null,
      kind: t.kind,
      refType: t.refType,
      refId: t.refId,
      memo: t.memo ?? null,
    };
  });
  const [, ids] = await together(writeShards(tx, placement.writes), appendJournal(tx, rows, nowMs));
  return transfers.map((spec, i) => ({ id: ids[i] as string, spec }));
}

/**
 * Resolves a pending transfer: POST moves the reserved amount for good, VOID releases it.
 * The resolution is a new journal row (`pending_id` is unique, so a pending resolves once).
 */
export async function resolvePending(tx: Tx, pendingId: string, outcome: 'POST' | 'VOID', nowMs: number): Promise<string> {
  return (await preparePendingResolution(tx, pendingId, outcome, nowMs))();
}

/**
 * `resolvePending` in two steps, so a caller can issue the writes together with its own: locks and
 * checks the pending transfer, then answers the function that writes the resolution (journal row
 * and shard totals) and resolves to the new journal row's id. The resolution goes back to the shard
 * rows the reservation went to: there it cannot take an account outside its bounds (shards.ts), so
 * it needs no check of the accounts.
 */
export async function preparePendingResolution(tx: Tx, pendingId: string, outcome: 'POST' | 'VOID', nowMs: number): Promise<() => Promise<string>> {
  // the check runs once the lock is ours, so a concurrent resolution is seen
  const [pending, resolved] = await lockThen(
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
  const debitId = String(pending.debit_account_id);
  const creditId = String(pending.credit_account_id);
  // reservations journaled before shards were recorded were all gathered in shard 0 (migration 0012)
  const writes: ShardWrite[] = [
    { accountId: debitId, shard: Number(pending.debit_shard ?? 0), delta: { ...noChange(), debitsPending: -amount, balance: -moved } },
    { accountId: creditId, shard: Number(pending.credit_shard ?? 0), delta: { ...noChange(), creditsPending: -amount, balance: moved } },
  ];
  const row: JournalRow = {
    debitId,
    creditId,
    asset: pending.asset,
    amount,
    phase: outcome === 'POST' ? 'POST_PENDING' : 'VOID_PENDING',
    pendingId,
    debitShard: null,
    creditShard: null,
    kind: pending.kind,
    refType: pending.ref_type,
    refId: pending.ref_id,
    memo: pending.memo,
  };
  return async () => {
    const [[id]] = await together(appendJournal(tx, [row], nowMs), writeShards(tx, writes));
    return id as string;
  };
}

/**
 * Locks one account (creating it if needed), every shard of it, and returns its balance, for use
 * cases that decide how much to move from it before posting (the locks hold until the transaction ends).
 */
export async function lockBalance(tx: Tx, ref: AccountRef, nowMs: number): Promise<AccountBalance> {
  const account = (await ensureAccounts(tx, [ref], nowMs)).get(refKey(ref)) as Account;
  return toBalance(account.ref, account.id, await lockAccountTotals(tx, account.id));
}

/** How much more an account can receive, pending transfers to it included (its lock from `lockBalance`). */
export function roomLeft(b: AccountBalance): Amount {
  return MAX_AMOUNT - b.balance - b.pendingCredits;
}

export type { Amount };
