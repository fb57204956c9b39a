/**
 * The double-entry engine: the one place money moves. `post` runs inside the caller's transaction,
 * locks every involved account in id order (PostgreSQL FOR UPDATE; SQLite transactions are
 * immediate and serialised), checks every rule first and writes last (TigerBeetle's ordering).
 */
import type { Selectable } from 'kysely';
import type { AccountBalance, AccountRef, JournalEntry, TransferKind, TransferPhase, TransferSpec } from '../domain/ledger.ts';
import { mustNotGoNegative } from '../domain/ledger.ts';
import type { Amount } from '../lib/amount.ts';
import type { Queryable, Tx } from '../store/db.ts';
import { fromBool, toBigInt, toBool, toNumber } from '../store/db.ts';
import type { LedgerAccountsTable, LedgerTransfersTable } from '../store/schema.ts';
import { InsufficientFundsError, LedgerRuleError } from './errors.ts';

interface AccountState {
  id: string;
  ref: AccountRef;
  noNegative: boolean;
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
  changed: boolean;
}

function refKey(r: AccountRef): string {
  return `${r.ownerType}\u0000${r.ownerId}\u0000${r.wallet}\u0000${r.asset}`;
}

function rowToState(row: Selectable<LedgerAccountsTable>): AccountState {
  return {
    id: String(row.id),
    ref: { ownerType: row.owner_type as AccountRef['ownerType'], ownerId: row.owner_id, wallet: row.wallet as AccountRef['wallet'], asset: row.asset },
    noNegative: toBool(row.no_negative),
    debitsPosted: toBigInt(row.debits_posted),
    creditsPosted: toBigInt(row.credits_posted),
    debitsPending: toBigInt(row.debits_pending),
    creditsPending: toBigInt(row.credits_pending),
    changed: false,
  };
}

/** Creates missing accounts (race-safe) and returns their ids by ref key. */
async function ensureAccounts(tx: Tx, refs: AccountRef[], nowMs: number): Promise<Map<string, string>> {
  const unique = new Map(refs.map((r) => [refKey(r), r]));
  const ids = new Map<string, string>();
  for (const [key, ref] of unique) {
    const existing = await findAccountId(tx.db, ref);
    if (existing !== undefined) {
      ids.set(key, existing);
      continue;
    }
    await tx.db
      .insertInto('ledger_accounts')
      .values({
        owner_type: ref.ownerType,
        owner_id: ref.ownerId,
        wallet: ref.wallet,
        asset: ref.asset,
        no_negative: fromBool(mustNotGoNegative(ref)),
        created_at_ms: nowMs,
      })
      .onConflict((oc) => oc.columns(['owner_type', 'owner_id', 'wallet', 'asset']).doNothing())
      .execute();
    const id = await findAccountId(tx.db, ref);
    if (id === undefined) throw new LedgerRuleError(`account ${key} could not be created`);
    ids.set(key, id);
  }
  return ids;
}

async function findAccountId(q: Queryable, ref: AccountRef): Promise<string | undefined> {
  const row = await q
    .selectFrom('ledger_accounts')
    .select('id')
    .where('owner_type', '=', ref.ownerType)
    .where('owner_id', '=', ref.ownerId)
    .where('wallet', '=', ref.wallet)
    .where('asset', '=', ref.asset)
    .executeTakeFirst();
  return row === undefined ? undefined : String(row.id);
}

/** Locks accounts in ascending id order, the one global order that keeps concurrent posts deadlock-free. */
async function lockAccounts(tx: Tx, ids: string[]): Promise<Map<string, AccountState>> {
  const sorted = [...new Set(ids)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const rows = await tx.db
    .selectFrom('ledger_accounts')
    .selectAll()
    .where('id', 'in', sorted.map((id) => BigInt(id)))
    .orderBy('id')
    .$if(tx.dialect === 'postgres', (q) => q.forUpdate())
    .execute();
  return new Map(rows.map((r) => [String(r.id), rowToState(r)]));
}

function availableOf(s: AccountState): bigint {
  return s.creditsPosted - s.debitsPosted - s.debitsPending;
}

function checkNoNegative(states: Iterable<AccountState>, before: Map<string, bigint>): void {
  for (const s of states) {
    if (!s.changed || !s.noNegative) continue;
    const available = availableOf(s);
    if (available < 0n) throw new InsufficientFundsError(s.ref, before.get(s.id) ?? 0n, (before.get(s.id) ?? 0n) - available);
  }
}

async function writeAccounts(tx: Tx, states: Iterable<AccountState>): Promise<void> {
  for (const s of states) {
    if (!s.changed) continue;
    await tx.db
      .updateTable('ledger_accounts')
      .set({ debits_posted: s.debitsPosted, credits_posted: s.creditsPosted, debits_pending: s.debitsPending, credits_pending: s.creditsPending })
      .where('id', '=', BigInt(s.id))
      .execute();
  }
}

export interface PostedTransfer {
  id: string;
  spec: TransferSpec;
}

/**
 * Posts transfers atomically within `tx`: all or none. Throws InsufficientFundsError when a
 * no-negative account would go below zero, LedgerRuleError for transfers that can never be valid.
 */
export async function post(tx: Tx, transfers: TransferSpec[], nowMs: number): Promise<PostedTransfer[]> {
  if (transfers.length === 0) return [];
  for (const t of transfers) {
    if (t.amount <= 0n) throw new LedgerRuleError(`transfer amount must be positive, got ${t.amount}`);
    if (t.debit.asset !== t.credit.asset) throw new LedgerRuleError('a transfer moves one asset');
    if (refKey(t.debit) === refKey(t.credit)) throw new LedgerRuleError('a transfer needs two different accounts');
  }
  const ids = await ensureAccounts(tx, transfers.flatMap((t) => [t.debit, t.credit]), nowMs);
  const states = await lockAccounts(tx, [...ids.values()]);
  const before = new Map([...states.values()].map((s) => [s.id, availableOf(s)]));

  const rows: Array<{ debitId: string; creditId: string; spec: TransferSpec }> = [];
  for (const t of transfers) {
    const debit = states.get(ids.get(refKey(t.debit)) ?? '');
    const credit = states.get(ids.get(refKey(t.credit)) ?? '');
    if (!debit || !credit) throw new LedgerRuleError('account vanished while locked');
    if (t.pending) {
      debit.debitsPending += t.amount;
      credit.creditsPending += t.amount;
    } else {
      debit.debitsPosted += t.amount;
      credit.creditsPosted += t.amount;
    }
    debit.changed = credit.changed = true;
    rows.push({ debitId: debit.id, creditId: credit.id, spec: t });
  }
  checkNoNegative(states.values(), before);

  const posted: PostedTransfer[] = [];
  for (const r of rows) {
    const inserted = await tx.db
      .insertInto('ledger_transfers')
      .values({
        debit_account_id: BigInt(r.debitId),
        credit_account_id: BigInt(r.creditId),
        asset: r.spec.debit.asset,
        amount: r.spec.amount,
        phase: r.spec.pending ? 'PENDING' : 'POSTED',
        pending_id: null,
        kind: r.spec.kind,
        ref_type: r.spec.refType,
        ref_id: r.spec.refId,
        memo: r.spec.memo ?? null,
        created_at_ms: nowMs,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    posted.push({ id: String(inserted.id), spec: r.spec });
    tx.tally?.(`ledger_transfer|${r.spec.kind}|${r.spec.pending ? 'PENDING' : 'POSTED'}`);
  }
  await writeAccounts(tx, states.values());
  return posted;
}

/**
 * Resolves a pending transfer: POST moves the reserved amount for good, VOID releases it.
 * The resolution is a new journal row (`pending_id` is unique, so a pending resolves once).
 */
export async function resolvePending(tx: Tx, pendingId: string, outcome: 'POST' | 'VOID', nowMs: number): Promise<string> {
  const pending = await tx.db.selectFrom('ledger_transfers').selectAll().where('id', '=', BigInt(pendingId)).executeTakeFirst();
  if (!pending || pending.phase !== 'PENDING') throw new LedgerRuleError(`transfer ${pendingId} is not pending`);
  const debitId = String(pending.debit_account_id);
  const creditId = String(pending.credit_account_id);
  const states = await lockAccounts(tx, [debitId, creditId]);
  const resolved = await tx.db.selectFrom('ledger_transfers').select('id').where('pending_id', '=', BigInt(pendingId)).executeTakeFirst();
  if (resolved) throw new LedgerRuleError(`pending transfer ${pendingId} is already resolved`);
  const debit = states.get(debitId);
  const credit = states.get(creditId);
  if (!debit || !credit) throw new LedgerRuleError('account vanished while locked');
  const amount = toBigInt(pending.amount);
  debit.debitsPending -= amount;
  credit.creditsPending -= amount;
  if (outcome === 'POST') {
    debit.debitsPosted += amount;
    credit.creditsPosted += amount;
  }
  debit.changed = credit.changed = true;
  const inserted = await tx.db
    .insertInto('ledger_transfers')
    .values({
      debit_account_id: BigInt(debitId),
      credit_account_id: BigInt(creditId),
      asset: pending.asset,
      amount,
      phase: outcome === 'POST' ? 'POST_PENDING' : 'VOID_PENDING',
      pending_id: BigInt(pendingId),
      kind: pending.kind,
      ref_type: pending.ref_type,
      ref_id: pending.ref_id,
      memo: pending.memo,
      created_at_ms: nowMs,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  tx.tally?.(`ledger_transfer|${pending.kind}|${outcome === 'POST' ? 'POST_PENDING' : 'VOID_PENDING'}`);
  await writeAccounts(tx, [debit, credit]);
  return String(inserted.id);
}

/**
 * Locks one account (creating it if needed) and returns its balance, for use cases that decide
 * how much to move from it before posting (the lock holds until the transaction ends).
 */
export async function lockBalance(tx: Tx, ref: AccountRef, nowMs: number): Promise<AccountBalance> {
  const ids = await ensureAccounts(tx, [ref], nowMs);
  const id = ids.get(refKey(ref));
  const state = id === undefined ? undefined : (await lockAccounts(tx, [id])).get(id);
  if (!state) throw new LedgerRuleError('account vanished while locked');
  return toBalance(state);
}

function toBalance(s: AccountState): AccountBalance {
  const balance = s.creditsPosted - s.debitsPosted;
  return { ref: s.ref, accountId: s.id, balance, pendingDebits: s.debitsPending, pendingCredits: s.creditsPending, available: balance - s.debitsPending };
}

/** Balances of one owner (all wallets and assets), or of one wallet when given. */
export async function balancesOf(q: Queryable, owner: { ownerType: AccountRef['ownerType']; ownerId: string; wallet?: AccountRef['wallet'] }): Promise<AccountBalance[]> {
  let query = q.selectFrom('ledger_accounts').selectAll().where('owner_type', '=', owner.ownerType).where('owner_id', '=', owner.ownerId);
  if (owner.wallet) query = query.where('wallet', '=', owner.wallet);
  const rows = await query.orderBy('wallet').orderBy('asset').execute();
  return rows.map((r) => toBalance(rowToState(r)));
}

/** Balance of one account; a never-used account has zero. */
export async function balanceOf(q: Queryable, ref: AccountRef): Promise<AccountBalance> {
  const row = await q
    .selectFrom('ledger_accounts')
    .selectAll()
    .where('owner_type', '=', ref.ownerType)
    .where('owner_id', '=', ref.ownerId)
    .where('wallet', '=', ref.wallet)
    .where('asset', '=', ref.asset)
    .executeTakeFirst();
  if (!row) return { ref, accountId: '', balance: 0n, pendingDebits: 0n, pendingCredits: 0n, available: 0n };
  return toBalance(rowToState(row));
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
