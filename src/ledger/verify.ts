/**
 * Proves the ledger's invariants from the journal itself:
 *  1. per asset, all balances (posted and pending) sum to zero: money is neither created nor lost;
 *  2. every account's running totals equal what its transfers add up to;
 *  3. no account flagged no-negative has a negative available balance, nor has any of its shards
 *     (a debit is taken from one shard that covers it: a negative shard means that rule broke);
 *  4. every transfer is positive, between two accounts of its own asset, and every resolution
 *     matches the pending transfer it resolves.
 */

import { sql } from 'kysely';
import { formatAmount } from '../lib/amount.ts';
import type { Queryable } from '../store/db.ts';
import { toBigInt, toBool } from '../store/db.ts';
import { accountsWithTotals } from './ledger.ts';

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

export async function verifyLedger(q: Queryable): Promise<LedgerVerification> {
  const problems: string[] = [];
  const note = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };

  const accounts = await accountsWithTotals(q)
    .select(sql<unknown>`min(s.credits_posted - s.debits_posted - s.debits_pending)`.as('min_shard_available'))
    .execute();
  const transferCount = await q.selectFrom('ledger_transfers').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();

  // 2: recompute every account's totals from the journal, in the database (scales to millions of rows)
  const totals = await sql<{ account_id: unknown; dp: unknown; cp: unknown; dpend: unknown; cpend: unknown }>`
    select account_id, sum(dp) as dp, sum(cp) as cp, sum(dpend) as dpend, sum(cpend) as cpend from (
      select debit_account_id as account_id,
        case when phase in ('POSTED', 'POST_PENDING') then amount else 0 end as dp, 0 as cp,
        case when phase = 'PENDING' then amount when phase in ('POST_PENDING', 'VOID_PENDING') then -amount else 0 end as dpend, 0 as cpend
      from ledger_transfers
      union all
      select credit_account_id as account_id, 0 as dp,
        case when phase in ('POSTED', 'POST_PENDING') then amount else 0 end as cp, 0 as dpend,
        case when phase = 'PENDING' then amount when phase in ('POST_PENDING', 'VOID_PENDING') then -amount else 0 end as cpend
      from ledger_transfers
    ) x group by account_id`.execute(q);
  const recomputed = new Map(
    totals.rows.map((r) => [String(r.account_id), { dp: toBigInt(r.dp ?? 0), cp: toBigInt(r.cp ?? 0), dpend: toBigInt(r.dpend ?? 0), cpend: toBigInt(r.cpend ?? 0) }]),
  );

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

  const sums = new Map<string, { sum: bigint; pending: bigint; issued: bigint }>();
  let mismatched = 0;
  let negatives = 0;
  for (const a of accounts) {
    const id = String(a.id);
    const dp = toBigInt(a.debits_posted);
    const cp = toBigInt(a.credits_posted);
    const dpend = toBigInt(a.debits_pending);
    const cpend = toBigInt(a.credits_pending);
    const r = recomputed.get(id) ?? { dp: 0n, cp: 0n, dpend: 0n, cpend: 0n };
    if (r.dp !== dp || r.cp !== cp || r.dpend !== dpend || r.cpend !== cpend) {
      mismatched++;
      note(`account ${id} (${a.owner_type}:${a.owner_id}:${a.wallet}:${a.asset}) totals differ from its journal`);
    }
    const balance = cp - dp;
    const s = sums.get(a.asset) ?? { sum: 0n, pending: 0n, issued: 0n };
    s.sum += balance;
    s.pending += cpend - dpend;
    if (a.owner_type === 'PLATFORM' && a.wallet === 'ISSUER') s.issued -= balance;
    sums.set(a.asset, s);
    const minShard = a.min_shard_available === null ? 0n : toBigInt(a.min_shard_available);
    if (toBool(a.no_negative) && (balance - dpend < 0n || minShard < 0n)) {
      negatives++;
      note(`account ${id} (${a.owner_type}:${a.owner_id}:${a.wallet}:${a.asset}) is negative: ${formatAmount(balance - dpend)}${minShard < 0n ? `, a shard ${formatAmount(minShard)}` : ''}`);
    }
  }
  const transfers = Number(toBigInt(transferCount.n));
  const unbalanced = [...sums.entries()].filter(([, s]) => s.sum !== 0n || s.pending !== 0n);
  for (const [asset, s] of unbalanced) note(`asset ${asset} does not sum to zero: posted ${formatAmount(s.sum)}, pending ${formatAmount(s.pending)}`);

  const checks: LedgerCheck[] = [
    { name: 'assets-sum-to-zero', ok: unbalanced.length === 0, detail: `${sums.size} assets, ${unbalanced.length} unbalanced` },
    { name: 'account-totals-match-journal', ok: mismatched === 0, detail: `${accounts.length} accounts, ${mismatched} mismatched` },
    { name: 'no-forbidden-negative-balance', ok: negatives === 0, detail: `${negatives} negative no-negative accounts` },
    { name: 'transfers-well-formed', ok: badTransfers === 0, detail: `${transfers} transfers, ${badTransfers} malformed` },
  ];
  return {
    ok: checks.every((c) => c.ok),
    accounts: accounts.length,
    transfers,
    assets: [...sums.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([asset, s]) => ({ asset, sum: formatAmount(s.sum), pendingSum: formatAmount(s.pending), issued: formatAmount(s.issued) })),
    checks,
    problems,
  };
}

