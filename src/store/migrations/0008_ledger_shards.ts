import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

/**
 * An account's four running totals move from its `ledger_accounts` row to one or more shard rows,
 * and the account's totals are their sums. Credits to a busy account (a merchant receiving
 * payments, the fee account) then land on one of several rows instead of queueing on one row lock
 * until each payment commits; a no-negative account is debited from a shard that alone covers the
 * debit, so every shard of such an account stays non-negative (src/ledger/ledger.ts, docs/ledger.md).
 * Existing totals become shard 0.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('ledger_account_shards')
    .addColumn('account_id', 'bigint', (c) => c.notNull().references('ledger_accounts.id'))
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('debits_posted', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('credits_posted', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('debits_pending', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('credits_pending', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('ledger_account_shards_pk', ['account_id', 'shard'])
    .execute();
  await sql`insert into ledger_account_shards (account_id, shard, debits_posted, credits_posted, debits_pending, credits_pending)
    select id, 0, debits_posted, credits_posted, debits_pending, credits_pending from ledger_accounts`.execute(db);
  for (const column of ['debits_posted', 'credits_posted', 'debits_pending', 'credits_pending']) {
    await db.schema.alterTable('ledger_accounts').dropColumn(column).execute();
  }
}
