/**
 * Ledger accounts: one per (owner, wallet, asset), created by the first transfer that touches it,
 * with its shard rows, and never changed or removed afterwards, so ids a committed transaction saw
 * are remembered (`Tx.recall`/`Tx.learn`) and posting to known accounts skips the lookup.
 */
import type { AccountRef } from '../domain/ledger.ts';
import { mustNotGoNegative } from '../domain/ledger.ts';
import type { Queryable, Tx } from '../store/db.ts';
import { fromBool, toBool } from '../store/db.ts';
import { LedgerRuleError } from './errors.ts';
import { createShardRows } from './shards.ts';

export interface Account {
  id: string;
  ref: AccountRef;
  noNegative: boolean;
}

export function refKey(r: AccountRef): string {
  return `${r.ownerType}\u0000${r.ownerId}\u0000${r.wallet}\u0000${r.asset}`;
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

/** The `Tx.recall`/`Tx.learn` key of an account. */
const accountFact = (key: string) => `ledger_account\u0000${key}`;

/**
 * The accounts of `refs` by ref key, creating missing ones with their shard rows (race-safe: the
 * loser of a creation race reads the winner's). Accounts committed before are known without a query.
 */
export async function ensureAccounts(tx: Tx, refs: AccountRef[], nowMs: number): Promise<Map<string, Account>> {
  const unique = new Map(refs.map((r) => [refKey(r), r]));
  const accounts = new Map<string, Account>();
  const unknown = new Map<string, AccountRef>();
  for (const [key, ref] of unique) {
    const known = tx.recall(accountFact(key)) as Account | undefined;
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
    const created = await findAccounts(tx.db, missing);
    await createShardRows(tx, [...created.values()].map((a) => a.id));
    for (const [key, account] of created) found.set(key, account);
  }
  for (const key of unknown.keys()) {
    const account = found.get(key);
    if (!account) throw new LedgerRuleError(`account ${key} could not be created`);
    accounts.set(key, account);
    tx.learn(accountFact(key), account);
  }
  return accounts;
}
