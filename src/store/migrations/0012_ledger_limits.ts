import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

/**
 * The ledger's bounds (docs/ledger.md "Limits", src/ledger/shards.ts):
 * - shard rows keep an account's net `balance` beside its pending totals instead of lifetime
 *   posted debits and credits, so only what an account holds is bounded, never how much ever
 *   passed through it; each account's totals are gathered in shard 0 (where the resolutions of
 *   pending transfers journaled before now go) and every account gets all its shard rows;
 * - a pending transfer records the shard rows its reservation went to (`debit_shard`, `credit_shard`);
 * - on SQLite, whose arithmetic silently turns an integer overflow into a REAL, every column that
 *   holds money refuses anything but an integer (triggers, so rows already written stay readable
 *   and `bpay ledger verify` reports them rather than the upgrade failing).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema.alterTable('ledger_account_shards').addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update ledger_account_shards set balance = credits_posted - debits_posted`.execute(db);
  await sql`insert into ledger_account_shards (account_id, shard) select id, 0 from ledger_accounts where true on conflict do nothing`.execute(db);
  // gather each account in shard 0, unless its sums would not fit one row (possible only on PostgreSQL)
  const fitsOneRow = (column: string) => sql.raw(`sum(${column}) between -9223372036854775807 and 9223372036854775807`);
  await sql`create temporary table ledger_gather as
    select account_id, sum(balance) as balance, sum(debits_pending) as debits_pending, sum(credits_pending) as credits_pending
    from ledger_account_shards group by account_id
    having count(*) > 1 and ${fitsOneRow('balance')} and ${fitsOneRow('debits_pending')} and ${fitsOneRow('credits_pending')}`.execute(db);
  await sql`update ledger_account_shards set balance = g.balance, debits_pending = g.debits_pending, credits_pending = g.credits_pending
    from ledger_gather g where ledger_account_shards.account_id = g.account_id and ledger_account_shards.shard = 0`.execute(db);
  await sql`update ledger_account_shards set balance = 0, debits_pending = 0, credits_pending = 0
    where shard <> 0 and account_id in (select account_id from ledger_gather)`.execute(db);
  await sql`drop table ledger_gather`.execute(db);
  await db.schema.alterTable('ledger_account_shards').dropColumn('debits_posted').execute();
  await db.schema.alterTable('ledger_account_shards').dropColumn('credits_posted').execute();
  if (dialect === 'postgres') {
    // LEDGER_SHARDS.postgres in src/ledger/shards.ts (test/ledger/limits.test.ts checks they agree)
    await sql`insert into ledger_account_shards (account_id, shard) select a.id, g from ledger_accounts a cross join generate_series(0, 7) g where true on conflict do nothing`.execute(db);
  }
  await db.schema.alterTable('ledger_transfers').addColumn('debit_shard', 'integer').execute();
  await db.schema.alterTable('ledger_transfers').addColumn('credit_shard', 'integer').execute();
  if (dialect === 'sqlite') {
    for (const [table, columns] of Object.entries(MONEY_COLUMNS_0012)) await integersOnly(db, table, columns);
  }
}

/** The columns holding money in 10^-8 units at this migration (nullable ones may also be NULL). */
const MONEY_COLUMNS_0012: Record<string, string[]> = {
  ledger_account_shards: ['balance', 'debits_pending', 'credits_pending'],
  ledger_transfers: ['amount'],
  orders: ['order_amount', 'fiat_amount', 'commission', 'refunded_amount'],
  refunds: ['requested_amount', 'refund_amount', 'refunded_total'],
  payouts: ['total_amount'],
  payout_details: ['amount'],
  wallet_transfers: ['amount'],
  ps_splits: ['total_amount'],
  ps_split_details: ['amount', 'returned_amount'],
  ps_returns: ['return_amount'],
};

/** SQLite: inserts and updates that would store anything but an integer (or NULL) in `columns` abort. */
export async function integersOnly(db: Kysely<unknown>, table: string, columns: string[]): Promise<void> {
  const wrong = columns.map((c) => `typeof(new.${c}) not in ('integer', 'null')`).join(' or ');
  const abort = `select raise(abort, 'money must be an integer: ${table}.${columns.join('/')}')`;
  await sql.raw(`create trigger if not exists ${table}_money_insert before insert on ${table} when ${wrong} begin ${abort}; end`).execute(db);
  await sql.raw(`create trigger if not exists ${table}_money_update before update of ${columns.join(', ')} on ${table} when ${wrong} begin ${abort}; end`).execute(db);
}
