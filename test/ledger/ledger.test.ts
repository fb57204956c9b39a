/**
 * The double-entry engine on both dialects: atomic posts, the no-negative rule, pending
 * transfers, the verifier (which must catch a corrupted ledger), and a property test over random
 * transfer sequences.
 */
import fc from 'fast-check';
import { type KyselyPlugin, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { merchantAccount, payerAccount, platformAccount, type TransferSpec } from '../../src/domain/ledger.ts';
import { wholeAmount } from '../../src/lib/amount.ts';
import { InsufficientFundsError, LedgerRuleError } from '../../src/ledger/errors.ts';
import { balanceOf, journalOf, post, resolvePending } from '../../src/ledger/ledger.ts';
import { verifyLedger } from '../../src/ledger/verify.ts';
import { type Tx, withTransaction } from '../../src/store/db.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../helpers/dialects.ts';

const fund = (payer: string, asset: string, amount: bigint): TransferSpec => ({
  debit: platformAccount('ISSUER', asset),
  credit: payerAccount(payer, asset),
  amount,
  kind: 'FUNDING',
  refType: 'payer',
  refId: payer,
});

describeEachDialect('ledger', (dialect) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterAll(async () => db?.drop());

  const run = <T>(fn: Parameters<typeof withTransaction<T>>[1]) => withTransaction(db.store, fn);

  it('posts balanced transfers and keeps per-asset sums at zero', async () => {
    await run((tx) => post(tx, [fund('1001', 'USDT', wholeAmount(100))], 1));
    await run((tx) => post(tx, [{ debit: payerAccount('1001', 'USDT'), credit: merchantAccount(7, 'USDT'), amount: wholeAmount(40), kind: 'PAYMENT', refType: 'order', refId: 'o1' }], 2));
    expect((await balanceOf(db.store.db, payerAccount('1001', 'USDT'))).balance).toBe(wholeAmount(60));
    expect((await balanceOf(db.store.db, merchantAccount(7, 'USDT'))).balance).toBe(wholeAmount(40));
    expect((await balanceOf(db.store.db, platformAccount('ISSUER', 'USDT'))).balance).toBe(-wholeAmount(100));
    const report = await verifyLedger(db.store);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    expect(report.assets.find((a) => a.asset === 'USDT')).toMatchObject({ sum: '0.00000000', issued: '100.00000000' });
    expect((await journalOf(db.store.db, 'order', ['o1'])).map((e) => [e.kind, e.amount])).toEqual([['PAYMENT', wholeAmount(40)]]);
  });

  it('refuses to take a no-negative account below zero and writes nothing', async () => {
    await run((tx) => post(tx, [fund('1002', 'USDT', wholeAmount(5))], 1));
    const transfers: TransferSpec[] = [
      { debit: payerAccount('1002', 'USDT'), credit: merchantAccount(7, 'USDT'), amount: wholeAmount(3), kind: 'PAYMENT', refType: 'order', refId: 'o2' },
      { debit: payerAccount('1002', 'USDT'), credit: merchantAccount(7, 'USDT'), amount: wholeAmount(3), kind: 'PAYMENT', refType: 'order', refId: 'o2' },
    ];
    await expect(run((tx) => post(tx, transfers, 2))).rejects.toBeInstanceOf(InsufficientFundsError);
    expect((await balanceOf(db.store.db, payerAccount('1002', 'USDT'))).balance).toBe(wholeAmount(5));
    expect(await journalOf(db.store.db, 'order', ['o2'])).toEqual([]);
    expect((await verifyLedger(db.store)).ok).toBe(true);
  });

  it('rejects transfers that can never be valid', async () => {
    await expect(run((tx) => post(tx, [{ ...fund('1003', 'USDT', 0n) }], 1))).rejects.toBeInstanceOf(LedgerRuleError);
    await expect(run((tx) => post(tx, [{ ...fund('1003', 'USDT', 1n), credit: payerAccount('1003', 'BTC') }], 1))).rejects.toBeInstanceOf(LedgerRuleError);
    await expect(run((tx) => post(tx, [{ ...fund('1003', 'USDT', 1n), debit: payerAccount('1003', 'USDT') }], 1))).rejects.toBeInstanceOf(LedgerRuleError);
  });

  it('reserves with pending transfers and then posts or voids them exactly once', async () => {
    await run((tx) => post(tx, [{ debit: platformAccount('ISSUER', 'BNB'), credit: merchantAccount(8, 'BNB'), amount: wholeAmount(10), kind: 'FUNDING', refType: 'test', refId: 'm8' }], 1));
    const [a, b] = await run((tx) =>
      post(
        tx,
        [
          { debit: merchantAccount(8, 'BNB'), credit: payerAccount('2001', 'BNB'), amount: wholeAmount(6), kind: 'PAYOUT', refType: 'payout', refId: 'p1', pending: true },
          { debit: merchantAccount(8, 'BNB'), credit: payerAccount('2002', 'BNB'), amount: wholeAmount(4), kind: 'PAYOUT', refType: 'payout', refId: 'p1', pending: true },
        ],
        2,
      ),
    );
    const reserved = await balanceOf(db.store.db, merchantAccount(8, 'BNB'));
    expect(reserved).toMatchObject({ balance: wholeAmount(10), pendingDebits: wholeAmount(10), available: 0n });
    // nothing left to spend while reserved
    await expect(run((tx) => post(tx, [{ debit: merchantAccount(8, 'BNB'), credit: payerAccount('2003', 'BNB'), amount: 1n, kind: 'PAYOUT', refType: 'payout', refId: 'p2' }], 3))).rejects.toBeInstanceOf(InsufficientFundsError);
    await run((tx) => resolvePending(tx, a!.id, 'POST', 4));
    await run((tx) => resolvePending(tx, b!.id, 'VOID', 4));
    await expect(run((tx) => resolvePending(tx, a!.id, 'VOID', 5))).rejects.toBeInstanceOf(LedgerRuleError);
    expect(await balanceOf(db.store.db, merchantAccount(8, 'BNB'))).toMatchObject({ balance: wholeAmount(4), pendingDebits: 0n, available: wholeAmount(4) });
    expect((await balanceOf(db.store.db, payerAccount('2001', 'BNB'))).balance).toBe(wholeAmount(6));
    expect((await balanceOf(db.store.db, payerAccount('2002', 'BNB'))).balance).toBe(0n);
    expect((await verifyLedger(db.store)).ok).toBe(true);
  });

  it('keeps every invariant over random transfer sequences', async () => {
    const owners = ['3001', '3002', '3003'];
    const assets = ['USDT', 'ETH'];
    const step = fc.record({
      kind: fc.constantFrom('fund', 'pay', 'pending', 'resolve'),
      from: fc.constantFrom(...owners),
      to: fc.constantFrom(...owners),
      asset: fc.constantFrom(...assets),
      amount: fc.bigInt({ min: 1n, max: 5_000_000_000n }),
      post: fc.boolean(),
    });
    const pendings: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        for (const s of steps) {
          try {
            if (s.kind === 'fund') await run((tx) => post(tx, [fund(s.from, s.asset, s.amount)], 1));
            else if (s.kind === 'resolve') {
              const id = pendings.pop();
              if (id) await run((tx) => resolvePending(tx, id, s.post ? 'POST' : 'VOID', 1));
            } else if (s.from !== s.to) {
              const [t] = await run((tx) => post(tx, [{ debit: payerAccount(s.from, s.asset), credit: payerAccount(s.to, s.asset), amount: s.amount, kind: 'PAYMENT', refType: 'prop', refId: 'x', pending: s.kind === 'pending' }], 1));
              if (s.kind === 'pending' && t) pendings.push(t.id);
            }
          } catch (error) {
            if (!(error instanceof InsufficientFundsError)) throw error;
          }
        }
        const report = await verifyLedger(db.store);
        expect(report.ok, JSON.stringify(report.problems)).toBe(true);
        for (const o of owners) for (const a of assets) expect((await balanceOf(db.store.db, payerAccount(o, a))).available >= 0n).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('knows committed accounts without reading them again, and forgets accounts a rolled-back transaction created', async () => {
    // counts the statements a post runs on ledger_accounts
    let accountStatements = 0;
    const counter: KyselyPlugin = {
      transformQuery(args) {
        if (JSON.stringify(args.node, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).includes('"name":"ledger_accounts"')) accountStatements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const counted = <T>(fn: (tx: Tx) => Promise<T>) => run((tx) => fn({ ...tx, db: tx.db.withPlugin(counter) }));
    const pay = (payer: string, refId: string): TransferSpec => ({ debit: payerAccount(payer, 'USDT'), credit: merchantAccount(7, 'USDT'), amount: wholeAmount(1), kind: 'PAYMENT', refType: 'order', refId });

    await counted((tx) => post(tx, [fund('5001', 'USDT', wholeAmount(10))], 1));
    accountStatements = 0;
    await counted((tx) => post(tx, [pay('5001', 'k1')], 2));
    expect(accountStatements).toBe(0);

    // created, then rolled back: the id it had must not be used
    await expect(
      counted(async (tx) => {
        await post(tx, [fund('5002', 'USDT', wholeAmount(10))], 3);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    accountStatements = 0;
    await counted((tx) => post(tx, [fund('5002', 'USDT', wholeAmount(10)), pay('5002', 'k2')], 4));
    expect(accountStatements).toBeGreaterThan(0);
    expect((await balanceOf(db.store.db, payerAccount('5002', 'USDT'))).balance).toBe(wholeAmount(9));
    const report = await verifyLedger(db.store);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
  });

  it('detects a tampered account total, a forged transfer and a forbidden negative balance', async () => {
    const tampered = await createTestDatabase(dialect);
    // one shard row of the owner's account changed by hand
    const tamper = (column: 'balance' | 'debits_pending', by: bigint, ownerId: string) =>
      sql`update ledger_account_shards set ${sql.ref(column)} = ${sql.ref(column)} + ${by}
        where account_id = (select id from ledger_accounts where owner_id = ${ownerId})
          and shard = (select min(shard) from ledger_account_shards s join ledger_accounts a on a.id = s.account_id where a.owner_id = ${ownerId})`.execute(tampered.store.db);
    try {
      await withTransaction(tampered.store, (tx) => post(tx, [fund('4001', 'USDT', wholeAmount(10))], 1));
      expect((await verifyLedger(tampered.store)).ok).toBe(true);
      await tamper('balance', 1n, '4001');
      let report = await verifyLedger(tampered.store);
      expect(report.ok).toBe(false);
      expect(report.checks.find((c) => c.name === 'assets-sum-to-zero')?.ok).toBe(false);
      expect(report.checks.find((c) => c.name === 'account-totals-match-journal')?.ok).toBe(false);
      await tamper('balance', -1n, '4001');
      await sql`update ledger_transfers set amount = 0`.execute(tampered.store.db);
      report = await verifyLedger(tampered.store);
      expect(report.checks.find((c) => c.name === 'transfers-well-formed')?.ok).toBe(false);
      await sql`update ledger_transfers set amount = ${wholeAmount(10)}`.execute(tampered.store.db);
      await tamper('balance', -wholeAmount(20), '4001');
      await tamper('balance', wholeAmount(20), 'platform');
      report = await verifyLedger(tampered.store);
      expect(report.checks.find((c) => c.name === 'no-forbidden-negative-balance')?.ok).toBe(false);
    } finally {
      await tampered.drop();
    }
  });
});
