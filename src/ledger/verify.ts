/**
 * Proves the ledger's invariants from the journal itself:
 *  1. per asset, all balances (posted and pending) sum to zero: money is neither created nor lost;
 *  2. every account's balance and pending totals equal what its transfers add up to, and each
 *     shard row holds exactly the reservations recorded on it (where their resolutions go);
 *  3. no account flagged no-negative has a negative available balance, nor has any of its shards;
 *  4. every transfer is positive, between two accounts of its own asset, and every resolution
 *     matches the pending transfer it resolves;
 *  5. every account is within MAX_AMOUNT, and (SQLite) every money column holds an integer.
 * A corrupt value is reported, never a crash: sums are exact bigints, and a journal whose
 * per-account sums overflow SQLite's 64-bit `sum()` is added up here instead.
 */

import { sql } from 'kysely';
import { formatAmount, formatAmountTrimmed, MAX_AMOUNT } from '../lib/amount.ts';
import type { Queryable, Store } from '../store/db.ts';
import { toBool } from '../store/db.ts';
import { MONEY_COLUMNS } from '../store/money-columns.ts';
import { accountsWithTotals } from './queries.ts';

export interface LedgerCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface LedgerVerification {
  ok: boolean;
  accounts: number;
  transfers: number;
  assets: Array<{ asset: string; sum: string; pendingSum: string; issued: string }>;
  checks: LedgerCheck[];
  problems: string[];
}

const MAX_PROBLEMS = 50;
const JOURNAL_PAGE = 10_000;

interface Sums {
  balance: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

/** An integer column's value as a bigint; undefined for anything else (a REAL or text a bug stored). */
function exact(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string') return /^-?\d+$/.test(value) ? BigInt(value) : undefined;
  return value === null ? 0n : undefined;
}

const zero = (): Sums => ({ balance: 0n, debitsPending: 0n, creditsPending: 0n });

/** Each account's sums from the journal: in SQL, or (a sum past 64 bits on SQLite) page by page here. */
async function journalSums(q: Queryable): Promise<{ sums: Map<string, Sums>; corrupt: string[] }> {
  try {
    const { rows } = await sql<{ account_id: unknown; balance: unknown; dpend: unknown; cpend: unknown }>`
      select account_id, sum(balance) as balance, sum(dpend) as dpend, sum(cpend) as cpend from (
        select debit_account_id as account_id,
          case when phase in ('POSTED', 'POST_PENDING') then -amount else 0 end as balance,
          case when phase = 'PENDING' then amount when phase in ('POST_PENDING', 'VOID_PENDING') then -amount else 0 end as dpend, 0 as cpend
        from ledger_transfers
        union all
        select credit_account_id as account_id,
          case when phase in ('POSTED', 'POST_PENDING') then amount else 0 end as balance, 0 as dpend,
          case when phase = 'PENDING' then amount when phase in ('POST_PENDING', 'VOID_PENDING') then -amount else 0 end as cpend
        from ledger_transfers
      ) x group by account_id`.execute(q);
    const sums = new Map<string, Sums>();
    const corrupt: string[] = [];
    for (const r of rows) {
      const [balance, debitsPending, creditsPending] = [exact(r.balance), exact(r.dpend), exact(r.cpend)];
      if (balance === undefined || debitsPending === undefined || creditsPending === undefined) corrupt.push(String(r.account_id));
      else sums.set(String(r.account_id), { balance, debitsPending, creditsPending });
    }
    if (corrupt.length === 0) return { sums, corrupt };
  } catch (error) {
    if (!/integer overflow/i.test((error as Error).message)) throw error;
  }
  return journalSumsPaged(q);
}

async function journalSumsPaged(q: Queryable): Promise<{ sums: Map<string, Sums>; corrupt: string[] }> {
  const sums = new Map<string, Sums>();
  const corrupt = new Set<string>();
  const of = (id: unknown) => {
    const key = String(id);
    let s = sums.get(key);
    if (!s) sums.set(key, (s = zero()));
    return s;
  };
  for (let after = -1n; ; ) {
    const page = await q.selectFrom('ledger_transfers').select(['id', 'debit_account_id', 'credit_account_id', 'amount', 'phase']).where('id', '>', after).orderBy('id').limit(JOURNAL_PAGE).execute();
    if (page.length === 0) break;
    for (const t of page) {
      after = BigInt(t.id);
      const amount = exact(t.amount);
      if (amount === undefined) {
        corrupt.add(String(t.debit_account_id));
        corrupt.add(String(t.credit_account_id));
        continue;
      }
      const debit = of(t.debit_account_id);
      const credit = of(t.credit_account_id);
      if (t.phase === 'POSTED' || t.phase === 'POST_PENDING') {
        debit.balance -= amount;
        credit.balance += amount;
      }
      if (t.phase === 'PENDING') {
        debit.debitsPending += amount;
        credit.creditsPending += amount;
      } else if (t.phase === 'POST_PENDING' || t.phase === 'VOID_PENDING') {
        debit.debitsPending -= amount;
        credit.creditsPending -= amount;
      }
    }
  }
  for (const id of corrupt) sums.delete(id);
  return { sums, corrupt: [...corrupt] };
}

/** Per (account, shard): what the unresolved reservations recorded there add up to. */
async function reservationsByShard(q: Queryable): Promise<Map<string, { debitsPending: bigint; creditsPending: bigint }>> {
  const { rows } = await sql<{ account_id: unknown; shard: unknown; dpend: unknown; cpend: unknown }>`
    select account_id, shard, sum(dpend) as dpend, sum(cpend) as cpend from (
      select p.debit_account_id as account_id, coalesce(p.debit_shard, 0) as shard, p.amount as dpend, 0 as cpend
      from ledger_transfers p where p.phase = 'PENDING' and not exists (select 1 from ledger_transfers r where r.pending_id = p.id)
      union all
      select p.credit_account_id as account_id, coalesce(p.credit_shard, 0) as shard, 0 as dpend, p.amount as cpend
      from ledger_transfers p where p.phase = 'PENDING' and not exists (select 1 from ledger_transfers r where r.pending_id = p.id)
    ) x group by account_id, shard`.execute(q);
  return new Map(rows.map((r) => [`${String(r.account_id)}:${String(r.shard)}`, { debitsPending: exact(r.dpend) ?? -1n, creditsPending: exact(r.cpend) ?? -1n }]));
}

/** SQLite: rows a bug stored a non-integer in (PostgreSQL's column types allow none). */
async function nonIntegerMoney(q: Queryable, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  if (dialect !== 'sqlite') return [];
  const found: string[] = [];
  for (const [table, columns] of Object.entries(MONEY_COLUMNS)) {
    const wrong = columns.map((c) => `typeof(${c}) not in ('integer', 'null')`).join(' or ');
    const { rows } = await sql<{ n: unknown }>`select count(*) as n from ${sql.table(table)} where ${sql.raw(wrong)}`.execute(q);
    const n = exact(rows[0]?.n) ?? 0n;
    if (n > 0n) found.push(`${table}: ${n} rows`);
  }
  return found;
}

export async function verifyLedger(store: Pick<Store, 'db' | 'dialect'>): Promise<LedgerVerification> {
  const q = store.db;
  const dialect = store.dialect;
  const problems: string[] = [];
  const note = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };

  const accounts = await accountsWithTotals(q)
    .select(sql<unknown>`min(s.balance - s.debits_pending)`.as('min_shard_available'))
    .execute();
  const shardRows = await q.selectFrom('ledger_account_shards').select(['account_id', 'shard', 'debits_pending', 'credits_pending']).where((eb) => eb.or([eb('debits_pending', '<>', 0), eb('credits_pending', '<>', 0)])).execute();
  const transferCount = await q.selectFrom('ledger_transfers').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const journal = await journalSums(q);
  const reservations = await reservationsByShard(q);
  const corruptMoney = await nonIntegerMoney(q, dialect);
  for (const c of corruptMoney) note(`money column holding a non-integer in ${c}`);
  for (const id of journal.corrupt) note(`account ${id} has a journal amount that is not an integer`);

  // 4: malformed transfers and resolutions that do not match their pending transfer
  const malformed = await sql<{ id: unknown; amount: unknown; asset: string }>`
    select t.id, t.amount, t.asset from ledger_transfers t
      join ledger_accounts d on d.id = t.debit_account_id
      join ledger_accounts c on c.id = t.credit_account_id
    where t.amount <= 0 or t.debit_account_id = t.credit_account_id or d.asset <> t.asset or c.asset <> t.asset
      or t.phase not in ('POSTED', 'PENDING', 'POST_PENDING', 'VOID_PENDING')
      or (t.phase in ('POST_PENDING', 'VOID_PENDING') and not exists (
        select 1 from ledger_transfers p where p.id = t.pending_id and p.phase = 'PENDING' and p.amount = t.amount
          and p.debit_account_id = t.debit_account_id and p.credit_account_id = t.credit_account_id))
    limit ${MAX_PROBLEMS}`.execute(q);
  const badTransfers = malformed.rows.length;
  for (const t of malformed.rows) note(`transfer ${String(t.id)} is malformed or does not match its pending transfer (amount ${String(t.amount)} ${t.asset})`);

  const perAsset = new Map<string, { sum: bigint; pending: bigint; issued: bigint }>();
  let mismatched = 0;
  let negatives = 0;
  let overLimit = 0;
  for (const a of accounts) {
    const id = String(a.id);
    const name = `${id} (${a.owner_type}:${a.owner_id}:${a.wallet}:${a.asset})`;
    const [balance, debitsPending, creditsPending] = [exact(a.balance), exact(a.debits_pending), exact(a.credits_pending)];
    if (balance === undefined || debitsPending === undefined || creditsPending === undefined) {
      mismatched++;
      note(`account ${name} has a total that is not an integer`);
      continue;
    }
    const r = journal.sums.get(id) ?? zero();
    if (journal.corrupt.includes(id) || r.balance !== balance || r.debitsPending !== debitsPending || r.creditsPending !== creditsPending) {
      mismatched++;
      note(`account ${name} totals differ from its journal`);
    }
    const s = perAsset.get(a.asset) ?? { sum: 0n, pending: 0n, issued: 0n };
    s.sum += balance;
    s.pending += creditsPending - debitsPending;
    if (a.owner_type === 'PLATFORM' && a.wallet === 'ISSUER') s.issued -= balance;
    perAsset.set(a.asset, s);
    const minShard = a.min_shard_available === null ? 0n : (exact(a.min_shard_available) ?? -1n);
    if (toBool(a.no_negative) && (balance - debitsPending < 0n || minShard < 0n)) {
      negatives++;
      note(`account ${name} is negative: ${formatAmount(balance - debitsPending)}${minShard < 0n ? `, a shard ${formatAmount(minShard)}` : ''}`);
    }
    if (balance + creditsPending > MAX_AMOUNT || balance - debitsPending < -MAX_AMOUNT || debitsPending > MAX_AMOUNT || creditsPending > MAX_AMOUNT) {
      overLimit++;
      note(`account ${name} is beyond the limit of ${formatAmountTrimmed(MAX_AMOUNT)}: balance ${formatAmount(balance)}, pending ${formatAmount(debitsPending)} out and ${formatAmount(creditsPending)} in`);
    }
  }
  // every shard row's pending totals are the reservations recorded on it
  const seen = new Set<string>();
  let misplaced = 0;
  for (const row of shardRows) {
    const key = `${String(row.account_id)}:${String(row.shard)}`;
    seen.add(key);
    const want = reservations.get(key) ?? { debitsPending: 0n, creditsPending: 0n };
    if (exact(row.debits_pending) !== want.debitsPending || exact(row.credits_pending) !== want.creditsPending) {
      misplaced++;
      note(`shard ${String(row.shard)} of account ${String(row.account_id)} holds pending totals its recorded reservations do not add up to`);
    }
  }
  for (const [key, want] of reservations) {
    if (!seen.has(key) && (want.debitsPending !== 0n || want.creditsPending !== 0n)) {
      misplaced++;
      note(`reservations recorded on shard ${key} are missing from its row`);
    }
  }
  const transfers = Number(exact(transferCount.n) ?? 0n);
  const unbalanced = [...perAsset.entries()].filter(([, s]) => s.sum !== 0n || s.pending !== 0n);
  for (const [asset, s] of unbalanced) note(`asset ${asset} does not sum to zero: posted ${formatAmount(s.sum)}, pending ${formatAmount(s.pending)}`);

  const checks: LedgerCheck[] = [
    { name: 'assets-sum-to-zero', ok: unbalanced.length === 0, detail: `${perAsset.size} assets, ${unbalanced.length} unbalanced` },
    { name: 'account-totals-match-journal', ok: mismatched === 0 && misplaced === 0, detail: `${accounts.length} accounts, ${mismatched} mismatched, ${misplaced} shard rows whose pending totals differ from their reservations` },
    { name: 'no-forbidden-negative-balance', ok: negatives === 0, detail: `${negatives} negative no-negative accounts` },
    { name: 'transfers-well-formed', ok: badTransfers === 0, detail: `${transfers} transfers, ${badTransfers} malformed` },
    {
      name: 'money-within-limits',
      ok: overLimit === 0 && corruptMoney.length === 0,
      detail: `${overLimit} accounts beyond ${formatAmountTrimmed(MAX_AMOUNT)}${dialect === 'sqlite' ? `, ${corruptMoney.length} tables with a non-integer amount` : ''}`,
    },
  ];
  return {
    ok: checks.every((c) => c.ok),
    accounts: accounts.length,
    transfers,
    assets: [...perAsset.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([asset, s]) => ({ asset, sum: formatAmount(s.sum), pendingSum: formatAmount(s.pending), issued: formatAmount(s.issued) })),
    checks,
    problems,
  };
}
