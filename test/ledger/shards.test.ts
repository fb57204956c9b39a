/**
 * Account totals kept in shard rows (src/ledger/ledger.ts): credits spread over the shards on
 * PostgreSQL, a debit taken from one shard that covers it or after a rebalance, nothing written by a
 * refused post even when the caller goes on, the no-negative rule under parallel debits, and an
 * upgrade that turns the old per-account totals into shard 0.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { merchantAccount, payerAccount, platformAccount, type AccountRef, type TransferSpec } from '../../src/domain/ledger.ts';
import { wholeAmount } from '../../src/lib/amount.ts';
import { InsufficientFundsError } from '../../src/ledger/errors.ts';
import { balanceOf, journalOf, LEDGER_SHARDS, post } from '../../src/ledger/ledger.ts';
import { verifyLedger } from '../../src/ledger/verify.ts';
import { toBigInt, withTransaction } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../helpers/dialects.ts';

const USDT = (n: number) => wholeAmount(n);

const credit = (to: AccountRef, amount: bigint, refId = 'c'): TransferSpec => ({ debit: platformAccount('ISSUER', to.asset), credit: to, amount, kind: 'FUNDING', refType: 'test', refId });
const debit = (from: AccountRef, to: AccountRef, amount: bigint, refId = 'd'): TransferSpec => ({ debit: from, credit: to, amount, kind: 'PAYMENT', refType: 'test', refId });

describeEachDialect('ledger shards', (dialect) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterAll(async () => db?.drop());

  const run = <T>(fn: Parameters<typeof withTransaction<T>>[1]) => withTransaction(db.store, fn);
  const shardsOf = async (ref: AccountRef) => {
    const { rows } = await sql<{ shard: number; available: unknown }>`
      select s.shard, s.balance - s.debits_pending as available
      from ledger_account_shards s join ledger_accounts a on a.id = s.account_id
      where a.owner_type = ${ref.ownerType} and a.owner_id = ${ref.ownerId} and a.wallet = ${ref.wallet} and a.asset = ${ref.asset}
      order by s.shard`.execute(db.store.db);
    return rows.map((r) => ({ shard: Number(r.shard), available: toBigInt(r.available) }));
  };
  const expectVerified = async () => {
    const report = await verifyLedger(db.store);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  };

  it('spreads credits to one account over its shards and sums them in every balance', async () => {
    const merchant = merchantAccount(9001, 'USDT');
    for (let i = 0; i < 40; i++) await run((tx) => post(tx, [credit(merchant, USDT(1))], 1));
    const shards = await shardsOf(merchant);
    // 40 random picks among 8 shards all landing on one: probability 8^-39
    if (dialect === 'postgres') expect(shards.length).toBeGreaterThan(1);
    else expect(shards.map((s) => s.shard)).toEqual([0]);
    expect(shards.reduce((sum, s) => sum + s.available, 0n)).toBe(USDT(40));
    expect(await balanceOf(db.store.db, merchant)).toMatchObject({ balance: USDT(40), available: USDT(40), pendingDebits: 0n });
    await expectVerified();
  });

  it('takes a debit no single shard covers after rebalancing, leaving shards that each cover another like it', async () => {
    const merchant = merchantAccount(9001, 'USDT');
    const count = LEDGER_SHARDS[dialect];
    const largest = (await shardsOf(merchant)).reduce((max, s) => (s.available > max ? s.available : max), 0n);
    // on SQLite the one shard holds everything: a debit beyond it is beyond the account (next test)
    const need = dialect === 'sqlite' ? USDT(6) : largest + 1n;
    await run((tx) => post(tx, [debit(merchant, payerAccount('9101', 'USDT'), need)], 2));
    const remaining = USDT(40) - need;
    expect((await balanceOf(db.store.db, merchant)).available).toBe(remaining);
    const funded = (await shardsOf(merchant)).filter((s) => s.available > 0n);
    const expected = Math.max(1, Math.min(count, Number(remaining / need)));
    expect(funded.map((s) => s.shard)).toEqual(Array.from({ length: expected }, (_, i) => i));
    for (const s of funded) expect(s.available >= need || expected === 1).toBe(true);
    expect((await shardsOf(merchant)).every((s) => s.available >= 0n)).toBe(true);
    // a second debit of the same size takes one of those shards, no rebalance needed
    if (expected > 1) {
      await run((tx) => post(tx, [debit(merchant, payerAccount('9101', 'USDT'), need)], 2));
      expect((await shardsOf(merchant)).filter((s) => s.available > 0n).length).toBeGreaterThanOrEqual(expected - 1);
    }
    const left = (await balanceOf(db.store.db, merchant)).available;
    // leave 10 USDT for the next test
    if (left > USDT(10)) await run((tx) => post(tx, [debit(merchant, payerAccount('9101', 'USDT'), left - USDT(10))], 2));
    if (left < USDT(10)) await run((tx) => post(tx, [credit(merchant, USDT(10) - left)], 2));
    expect((await balanceOf(db.store.db, merchant)).available).toBe(USDT(10));
    await expectVerified();
  });

  it('refuses a debit beyond the sum of the shards with the account total, writing nothing', async () => {
    const merchant = merchantAccount(9001, 'USDT');
    const before = await shardsOf(merchant);
    const refused = await run((tx) => post(tx, [debit(merchant, payerAccount('9101', 'USDT'), USDT(10) + 1n, 'too-much')], 3)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InsufficientFundsError);
    expect((refused as InsufficientFundsError).available).toBe(USDT(10));
    expect((refused as InsufficientFundsError).required).toBe(USDT(10) + 1n);
    expect(await shardsOf(merchant)).toEqual(before);
    expect(await journalOf(db.store.db, 'test', ['too-much'])).toEqual([]);
  });

  it('writes nothing for a refused post even when the caller catches the refusal and commits', async () => {
    const payer = payerAccount('9102', 'USDT');
    const shop = merchantAccount(9002, 'USDT');
    const issuer = platformAccount('ISSUER', 'USDT');
    // the shop's account is created first, so its id sorts before the payer's: its credit (and the
    // issuer's debit) are written before the payer's debit is refused, and must be taken back
    await run((tx) => post(tx, [credit(shop, USDT(1))], 1));
    await run((tx) => post(tx, [credit(payer, USDT(5))], 1));
    const issued = (await balanceOf(db.store.db, issuer)).balance;
    await run(async (tx) => {
      const attempt = post(tx, [credit(shop, USDT(7), 'caught'), debit(payer, shop, USDT(6), 'caught')], 4);
      await expect(attempt).rejects.toBeInstanceOf(InsufficientFundsError);
    });
    expect((await balanceOf(db.store.db, shop)).balance).toBe(USDT(1));
    expect((await balanceOf(db.store.db, issuer)).balance).toBe(issued);
    expect((await balanceOf(db.store.db, payer)).balance).toBe(USDT(5));
    expect(await journalOf(db.store.db, 'test', ['caught'])).toEqual([]);
    await expectVerified();
  });

  it('never takes an account below zero under parallel debits, whichever shard they pick', async () => {
    const hot = merchantAccount(9003, 'USDT');
    for (let i = 0; i < 10; i++) await run((tx) => post(tx, [credit(hot, USDT(1))], 1));
    const ones = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => run((tx) => post(tx, [debit(hot, payerAccount(String(9200 + i), 'USDT'), USDT(1))], 5))));
    expect(ones.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    for (const r of ones) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InsufficientFundsError);
    expect((await balanceOf(db.store.db, hot)).available).toBe(0n);

    // larger debits than most shards hold: picks, waits and rebalances race each other
    for (let i = 0; i < 10; i++) await run((tx) => post(tx, [credit(hot, USDT(1))], 1));
    const threes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => run((tx) => post(tx, [debit(hot, payerAccount(String(9300 + i), 'USDT'), USDT(3))], 6))));
    expect(threes.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of threes) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InsufficientFundsError);
    expect((await balanceOf(db.store.db, hot)).available).toBe(USDT(1));
    for (const s of await shardsOf(hot)) expect(s.available >= 0n).toBe(true);
    await expectVerified();

    // credits racing debits and rebalances: a shard row created meanwhile keeps what it holds
    const mixed = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0 ? run((tx) => post(tx, [credit(hot, USDT(1))], 7)).then(() => 'credit') : run((tx) => post(tx, [debit(hot, payerAccount(String(9400 + i), 'USDT'), USDT(2))], 7)).then(() => 'debit'),
      ),
    );
    const debited = mixed.filter((r) => r.status === 'fulfilled' && r.value === 'debit').length;
    expect(mixed.filter((r) => r.status === 'fulfilled' && r.value === 'credit')).toHaveLength(15);
    for (const r of mixed) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InsufficientFundsError);
    expect((await balanceOf(db.store.db, hot)).available).toBe(USDT(1 + 15 - 2 * debited));
    for (const s of await shardsOf(hot)) expect(s.available >= 0n).toBe(true);
    await expectVerified();
  });

  it('upgrades per-account totals of an earlier schema into shard 0', async () => {
    const old = await createTestDatabase(dialect, { migrateUpTo: '0007_auth_epoch' });
    try {
      await sql`insert into ledger_accounts (owner_type, owner_id, wallet, asset, no_negative, debits_posted, credits_posted, debits_pending, credits_pending, created_at_ms)
        values ('PLATFORM', 'platform', 'ISSUER', 'USDT', 0, ${USDT(12)}, ${USDT(2)}, 0, ${USDT(3)}, 1), ('PAYER', '77', 'FUNDING', 'USDT', 1, ${USDT(2)}, ${USDT(12)}, ${USDT(3)}, 0, 1)`.execute(old.store.db);
      const ids = await sql<{ id: unknown }>`select id from ledger_accounts order by id`.execute(old.store.db);
      const [issuer, payer] = ids.rows.map((r) => toBigInt(r.id));
      await sql`insert into ledger_transfers (debit_account_id, credit_account_id, asset, amount, phase, pending_id, kind, ref_type, ref_id, memo, created_at_ms)
        values (${issuer}, ${payer}, 'USDT', ${USDT(12)}, 'POSTED', null, 'FUNDING', 'payer', '77', null, 1),
               (${payer}, ${issuer}, 'USDT', ${USDT(2)}, 'POSTED', null, 'DEFUNDING', 'payer', '77', null, 1),
               (${payer}, ${issuer}, 'USDT', ${USDT(3)}, 'PENDING', null, 'PAYOUT', 'payout', 'p', null, 1)`.execute(old.store.db);
      await migrateToLatest(old.store);
      expect(await balanceOf(old.store.db, payerAccount('77', 'USDT'))).toMatchObject({ balance: USDT(10), pendingDebits: USDT(3), available: USDT(7) });
      expect(await balanceOf(old.store.db, platformAccount('ISSUER', 'USDT'))).toMatchObject({ balance: -USDT(10), pendingCredits: USDT(3) });
      const report = await verifyLedger(old.store);
      expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    } finally {
      await old.drop();
    }
  });
});
