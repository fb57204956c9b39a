/**
 * The ledger's bounds (docs/ledger.md "Limits"): no amount, balance or pending total beyond
 * MAX_AMOUNT on either database, refused before anything is written; turnover is never bounded;
 * SQLite money columns refuse anything but integers; `verify` reports a corrupt value rather than
 * crashing, and adds up journals whose sums pass 64 bits. The spread that keeps every shard row in
 * its bounds is checked as a property.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { merchantAccount, payerAccount, platformAccount, type AccountRef, type TransferSpec } from '../../src/domain/ledger.ts';
import { MAX_AMOUNT } from '../../src/lib/amount.ts';
import { InsufficientFundsError, LedgerLimitError } from '../../src/ledger/errors.ts';
import { balanceOf, LEDGER_SHARDS, post, resolvePending } from '../../src/ledger/ledger.ts';
import { fits, spread, sumOf, type ShardRow } from '../../src/ledger/shards.ts';
import { verifyLedger } from '../../src/ledger/verify.ts';
import { toBigInt, withTransaction } from '../../src/store/db.ts';
import { MONEY_COLUMNS } from '../../src/store/money-columns.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../helpers/dialects.ts';

const issue = (to: AccountRef, amount: bigint, refId = 'fund'): TransferSpec => ({ debit: platformAccount('ISSUER', to.asset), credit: to, amount, kind: 'FUNDING', refType: 'test', refId });
const defund = (from: AccountRef, amount: bigint): TransferSpec => ({ debit: from, credit: platformAccount('ISSUER', from.asset), amount, kind: 'DEFUNDING', refType: 'test', refId: 'defund' });
const move = (from: AccountRef, to: AccountRef, amount: bigint, pending = false): TransferSpec => ({ debit: from, credit: to, amount, kind: 'PAYMENT', refType: 'test', refId: 'move', pending });

describeEachDialect('ledger limits', (dialect) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterAll(async () => db?.drop());

  const run = <T>(fn: Parameters<typeof withTransaction<T>>[1]) => withTransaction(db.store, fn);
  const refused = (transfers: TransferSpec[]) => run((tx) => post(tx, transfers, 1)).then(() => 'posted', (e: unknown) => e);
  const expectVerified = async (store = db.store) => {
    const report = await verifyLedger(store);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  };
  const journalRows = async () => Number(toBigInt((await sql<{ n: unknown }>`select count(*) as n from ledger_transfers`.execute(db.store.db)).rows[0]?.n));

  it('fills an account to exactly MAX_AMOUNT in many credits and refuses one unit more, writing nothing', async () => {
    const shop = merchantAccount(7001, 'USDT');
    const tenth = MAX_AMOUNT / 10n;
    for (let i = 0; i < 9; i++) await run((tx) => post(tx, [issue(payerAccount(String(7100 + i), 'USDT'), tenth), move(payerAccount(String(7100 + i), 'USDT'), shop, tenth)], 1));
    await run((tx) => post(tx, [issue(shop, tenth)], 1));
    expect((await balanceOf(db.store.db, shop)).balance).toBe(MAX_AMOUNT);
    const before = await journalRows();
    const over = await refused([issue(shop, 1n)]);
    expect(over).toBeInstanceOf(LedgerLimitError);
    expect((over as LedgerLimitError).code).toBe('400102');
    expect((over as Error).message).toMatch(/at most 90000000000/);
    expect((await balanceOf(db.store.db, shop)).balance).toBe(MAX_AMOUNT);
    expect(await journalRows()).toBe(before);
    // what leaves makes room again: only what an account holds is bounded
    await run((tx) => post(tx, [defund(shop, MAX_AMOUNT)], 1));
    await run((tx) => post(tx, [issue(shop, MAX_AMOUNT)], 1));
    await run((tx) => post(tx, [defund(shop, MAX_AMOUNT)], 1));
    expect((await balanceOf(db.store.db, shop)).balance).toBe(0n);
    await expectVerified();
  });

  it('bounds what the issuer has out, not what it ever issued', async () => {
    const asset = 'BNB';
    const a = payerAccount('7201', asset);
    const b = payerAccount('7202', asset);
    await run((tx) => post(tx, [issue(a, MAX_AMOUNT - 5n), issue(b, 5n)], 1));
    expect((await balanceOf(db.store.db, platformAccount('ISSUER', asset))).balance).toBe(-MAX_AMOUNT);
    expect(await refused([issue(b, 1n)])).toBeInstanceOf(LedgerLimitError);
    await run((tx) => post(tx, [defund(a, MAX_AMOUNT - 5n)], 1));
    await run((tx) => post(tx, [issue(b, MAX_AMOUNT - 5n)], 1));
    expect((await balanceOf(db.store.db, b)).balance).toBe(MAX_AMOUNT);
    await expectVerified();
  });

  it('counts what is pending to an account against what it may hold, so a resolution never passes the limit', async () => {
    const from = payerAccount('7301', 'ETH');
    const to = payerAccount('7302', 'ETH');
    // all the money of an asset is what the issuer has out, at most MAX_AMOUNT; the conversion desk
    // (which may go negative) is how one account can come near the limit without holding all of it
    await run((tx) => post(tx, [issue(from, 20n), move(platformAccount('CONVERSION', 'ETH'), to, MAX_AMOUNT - 10n)], 1));
    const [reserved] = await run((tx) => post(tx, [move(from, to, 10n, true)], 1));
    // the account holds MAX − 10 and has 10 on its way: one more unit to it is refused, however it comes
    expect(await refused([issue(to, 1n)])).toBeInstanceOf(LedgerLimitError);
    expect(await refused([move(from, to, 1n)])).toBeInstanceOf(LedgerLimitError);
    expect(await refused([move(from, to, 1n, true)])).toBeInstanceOf(LedgerLimitError);
    await run((tx) => resolvePending(tx, reserved!.id, 'POST', 1));
    expect(await balanceOf(db.store.db, to)).toMatchObject({ balance: MAX_AMOUNT, pendingCredits: 0n });
    await expectVerified();
  });

  it('refuses a single transfer beyond MAX_AMOUNT, and a debit beyond the balance first as insufficient funds', async () => {
    const p = payerAccount('7401', 'USDC');
    expect(await refused([issue(p, MAX_AMOUNT + 1n)])).toMatchObject({ code: '400102' });
    await run((tx) => post(tx, [issue(p, 5n)], 1));
    expect(await refused([move(p, payerAccount('7402', 'USDC'), 6n)])).toBeInstanceOf(InsufficientFundsError);
    await expectVerified();
  });

  it('creates every shard row with the account, as many as LEDGER_SHARDS says (migration 0012 agrees)', async () => {
    const p = payerAccount('7501', 'USDT');
    await run((tx) => post(tx, [issue(p, 1n)], 1));
    const { rows } = await sql<{ n: unknown }>`select count(*) as n from ledger_account_shards s join ledger_accounts a on a.id = s.account_id where a.owner_id = '7501'`.execute(db.store.db);
    expect(Number(toBigInt(rows[0]?.n))).toBe(LEDGER_SHARDS[dialect]);
    const old = await createTestDatabase(dialect, { migrateUpTo: '0011_sign_in_failures' });
    try {
      await sql`insert into ledger_accounts (owner_type, owner_id, wallet, asset, no_negative, created_at_ms) values ('PAYER', '1', 'FUNDING', 'USDT', 1, 1)`.execute(old.store.db);
      const { migrateToLatest } = await import('../../src/store/migrate.ts');
      await migrateToLatest(old.store);
      const after = await sql<{ n: unknown }>`select count(*) as n from ledger_account_shards`.execute(old.store.db);
      expect(Number(toBigInt(after.rows[0]?.n))).toBe(LEDGER_SHARDS[dialect]);
    } finally {
      await old.drop();
    }
  });

  (dialect === 'sqlite' ? describe : describe.skip)('SQLite money columns', () => {
    it('refuse anything but an integer, in every money column', async () => {
      const { rows } = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master where type = 'trigger'`.execute(db.store.db);
      for (const [table, columns] of Object.entries(MONEY_COLUMNS)) {
        for (const kind of ['insert', 'update']) {
          const trigger = rows.find((r) => r.name === `${table}_money_${kind}`);
          expect(trigger, `${table} ${kind}`).toBeDefined();
          for (const column of columns) expect(trigger?.sql).toContain(`typeof(new.${column})`);
        }
      }
      await expect(sql`update ledger_account_shards set balance = balance + 9223372036854775807`.execute(db.store.db)).rejects.toThrow(/money must be an integer/);
      await expect(sql`update ledger_transfers set amount = 1.5`.execute(db.store.db)).rejects.toThrow(/money must be an integer/);
      await expect(sql`update ledger_account_shards set credits_pending = 'ten'`.execute(db.store.db)).rejects.toThrow(/money must be an integer/);
      await expectVerified();
    });

    it('a corrupt value written past the triggers is reported by verify, not a crash', async () => {
      const corrupt = await createTestDatabase(dialect);
      try {
        await withTransaction(corrupt.store, (tx) => post(tx, [issue(payerAccount('7601', 'USDT'), 100n)], 1));
        await sql`drop trigger ledger_account_shards_money_update`.execute(corrupt.store.db);
        await sql`update ledger_account_shards set balance = 1.8000001e19 where balance = 100`.execute(corrupt.store.db);
        const report = await verifyLedger(corrupt.store);
        expect(report.ok).toBe(false);
        expect(report.checks.find((c) => c.name === 'money-within-limits')).toMatchObject({ ok: false });
        expect(report.problems.join('\n')).toMatch(/ledger_account_shards: 1 rows/);
      } finally {
        await corrupt.drop();
      }
    });
  });

  it('verifies a journal whose per-account sums pass 64 bits (turnover is not bounded)', async () => {
    const big = await createTestDatabase(dialect);
    try {
      const p = payerAccount('7701', 'USDT');
      for (let i = 0; i < 3; i++) {
        await withTransaction(big.store, (tx) => post(tx, [issue(p, MAX_AMOUNT)], 1));
        await withTransaction(big.store, (tx) => post(tx, [defund(p, MAX_AMOUNT)], 1));
      }
      // the issuer's debits alone add up to 2.7 × 10^19 units
      const debits = sql<{ n: unknown }>`select sum(amount) as n from ledger_transfers where kind = 'FUNDING'`.execute(big.store.db);
      if (dialect === 'sqlite') await expect(debits).rejects.toThrow(/integer overflow/);
      else expect(toBigInt((await debits).rows[0]?.n)).toBe(3n * MAX_AMOUNT);
      await expectVerified(big.store);
    } finally {
      await big.drop();
    }
  });
});

describe('spread (property)', () => {
  const account = (noNegative: boolean) => ({ id: '1', ref: payerAccount('1', 'USDT'), noNegative });
  const show = (v: unknown) => JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? String(x) : x));

  it('keeps every row in its bounds and the sums exact; refuses exactly when the account cannot take the change', () => {
    const shards = 8;
    const cap = MAX_AMOUNT / BigInt(shards);
    const amount = fc.bigInt({ min: 0n, max: cap });
    // a row inside the bounds: pending totals, and a balance between its floor and its ceiling
    const row = (noNegative: boolean) =>
      fc.record({ dp: amount, cp: amount, at: amount }).map(({ dp, cp, at }) => {
        const debitsPending = dp / 2n;
        const creditsPending = cp / 2n;
        const floor = noNegative ? debitsPending : debitsPending - cap;
        const ceiling = cap - creditsPending;
        return { balance: floor + (at % (ceiling - floor + 1n)), debitsPending, creditsPending };
      });
    const change = fc.record({
      balance: fc.oneof(fc.bigInt({ min: -MAX_AMOUNT, max: MAX_AMOUNT }), fc.bigInt({ min: -cap, max: cap })),
      debitsPending: fc.oneof(fc.constant(0n), amount),
      creditsPending: fc.oneof(fc.constant(0n), amount),
    });
    fc.assert(
      fc.property(
        fc.boolean().chain((noNegative) => fc.tuple(fc.constant(noNegative), fc.array(row(noNegative), { minLength: 1, maxLength: shards }), change)),
        ([noNegative, raw, delta]) => {
          const rows: ShardRow[] = raw.map((r, shard) => ({ shard, ...r }));
          const before = sumOf(rows);
          const after = { balance: before.balance + delta.balance, debitsPending: before.debitsPending + delta.debitsPending, creditsPending: before.creditsPending + delta.creditsPending };
          // the oracle: the account as a whole in its bounds, and one row (an empty one counts) to take the pending part
          const whole = after.balance + after.creditsPending <= MAX_AMOUNT && after.balance - after.debitsPending >= (noNegative ? 0n : -MAX_AMOUNT);
          const homes = [...rows, ...(rows.length < shards ? [{ shard: shards - 1, balance: 0n, debitsPending: 0n, creditsPending: 0n }] : [])];
          const home = homes.some((r) => {
            const d = r.debitsPending + delta.debitsPending;
            const c = r.creditsPending + delta.creditsPending;
            return d <= cap && c <= cap && (!noNegative || d + c <= cap);
          });
          let result;
          try {
            result = spread(account(noNegative), rows, delta, cap, shards);
          } catch (error) {
            expect(error instanceof LedgerLimitError || error instanceof InsufficientFundsError, String(error)).toBe(true);
            expect(whole && home, `refused although it fits: ${show({ rows, delta })}`).toBe(false);
            return;
          }
          expect(whole && home, `took what does not fit: ${show({ rows, delta })}`).toBe(true);
          expect(sumOf(result.rows)).toEqual(after);
          for (const r of result.rows) expect(fits(r, { balance: 0n, debitsPending: 0n, creditsPending: 0n }, cap, noNegative), show(r)).toBe(true);
          // each row keeps its reservations; only the chosen one takes the new pending part
          for (const r of result.rows) {
            const was = rows.find((x) => x.shard === r.shard) ?? { debitsPending: 0n, creditsPending: 0n };
            const extra = r.shard === result.pendingShard ? delta : { debitsPending: 0n, creditsPending: 0n };
            expect([r.debitsPending, r.creditsPending]).toEqual([was.debitsPending + extra.debitsPending, was.creditsPending + extra.creditsPending]);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
