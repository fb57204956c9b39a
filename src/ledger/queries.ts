/**
 * Read models of the ledger: balances (an account's shard rows summed) and journals. Nothing here
 * locks or writes; `ledger.ts` is where money moves.
 */
import { sql, type Selectable } from 'kysely';
import type { AccountBalance, AccountRef, JournalEntry, TransferKind, TransferPhase } from '../domain/ledger.ts';
import type { Queryable } from '../store/db.ts';
import { toBigInt, toNumber } from '../store/db.ts';
import type { LedgerTransfersTable } from '../store/schema.ts';

/** Accounts with their totals summed over their shards. */
export function accountsWithTotals(q: Queryable) {
  return q
    .selectFrom('ledger_accounts as a')
    .leftJoin('ledger_account_shards as s', 's.account_id', 'a.id')
    .select(['a.id', 'a.owner_type', 'a.owner_id', 'a.wallet', 'a.asset', 'a.no_negative'])
    .select([
      sql<unknown>`coalesce(sum(s.balance), 0)`.as('balance'),
      sql<unknown>`coalesce(sum(s.debits_pending), 0)`.as('debits_pending'),
      sql<unknown>`coalesce(sum(s.credits_pending), 0)`.as('credits_pending'),
    ])
    .groupBy(['a.id', 'a.owner_type', 'a.owner_id', 'a.wallet', 'a.asset', 'a.no_negative']);
}

export function toBalance(ref: AccountRef, accountId: string, t: { balance: bigint; debitsPending: bigint; creditsPending: bigint }): AccountBalance {
  return { ref, accountId, balance: t.balance, pendingDebits: t.debitsPending, pendingCredits: t.creditsPending, available: t.balance - t.debitsPending };
}

function rowToBalance(row: { id: unknown; owner_type: string; owner_id: string; wallet: string; asset: string; balance: unknown; debits_pending: unknown; credits_pending: unknown }): AccountBalance {
  const ref: AccountRef = { ownerType: row.owner_type as AccountRef['ownerType'], ownerId: row.owner_id, wallet: row.wallet as AccountRef['wallet'], asset: row.asset };
  return toBalance(ref, String(row.id), { balance: toBigInt(row.balance), debitsPending: toBigInt(row.debits_pending), creditsPending: toBigInt(row.credits_pending) });
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
