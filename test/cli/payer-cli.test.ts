/**
 * The `bpay` sandbox commands against a running server (SQLite): payers, paying orders, the ledger
 * and time control. Every command runs as a real process; with --json it must print exactly one
 * JSON document on stdout, and exit 1 with one FAIL document when the server refuses.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v3OrderBody } from '../helpers/endpoints.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface PayerView {
  binanceId: string;
  email: string | null;
  name: string | null;
  balances: Array<{ wallet: string; asset: string; balance: string; available: string; pending: string }>;
}

interface OrderView {
  status: string;
  prepayId: string;
  [k: string]: unknown;
}

describe('bpay CLI: payers, pay, ledger, time', () => {
  let server: TestServer;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    merchant = await server.createMerchant({ name: 'CLI Shop' });
  });
  afterAll(async () => server?.close());

  const bpay = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      // no BPAY_* from the environment: only the flags decide where the CLI goes
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BPAY_')));
      execFile(process.execPath, ['bin/bpay.mjs', '--url', server.baseUrl, '--admin-token', server.adminToken, ...args], { cwd: REPO_ROOT, env, timeout: 20_000 }, (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ exitCode, stdout, stderr });
      });
    });

  /** Exactly one JSON document on one line of stdout. */
  const oneJson = <T>(run: Run): T => {
    expect(run.stdout.endsWith('\n'), run.stdout + run.stderr).toBe(true);
    expect(run.stdout.trimEnd().split('\n'), run.stdout).toHaveLength(1);
    return JSON.parse(run.stdout) as T;
  };

  const ok = async <T>(...args: string[]): Promise<T> => {
    const run = await bpay(...args);
    expect(run.exitCode, `${args.join(' ')}: ${run.stdout}${run.stderr}`).toBe(0);
    return oneJson<T>(run);
  };

  const failing = async (...args: string[]): Promise<{ status: string; code: string; errorMessage: string }> => {
    const run = await bpay(...args);
    expect(run.exitCode, `${args.join(' ')}: ${run.stdout}${run.stderr}`).toBe(1);
    const doc = oneJson<{ status: string; code: string; errorMessage: string }>(run);
    expect(Object.keys(doc).sort()).toEqual(['code', 'errorMessage', 'status']);
    expect(doc.status).toBe('FAIL');
    return doc;
  };

  const available = (p: PayerView, asset: string) => p.balances.find((b) => b.asset === asset && b.wallet === 'FUNDING')?.available;

  const createOrder = async (orderAmount: string) => {
    const data = await server.client(merchant).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody({ orderAmount }));
    return data.prepayId;
  };

  const queryOrder = (prepayId: string) => server.client(merchant).call<OrderView>('/binancepay/openapi/v2/order/query', { prepayId });

  const merchantBalances = () => server.adminOk<Array<{ wallet: string; asset: string; available: string }>>('GET', `/merchants/${merchant.merchantId}/balances`);

  let payer: PayerView;
  let paidOrder: string;

  it('payer create --email --fund --fund --json prints one document with binanceId and email', async () => {
    payer = await ok<PayerView>('payer', 'create', '--email', 'e@x.io', '--fund', '100:USDT', '--fund', '1:BTC', '--json');
    expect(payer.binanceId).toMatch(/^\d+$/);
    expect(payer.email).toBe('e@x.io');
    expect(available(payer, 'USDT')).toBe('100.00000000');
    expect(available(payer, 'BTC')).toBe('1.00000000');
    const shown = await server.adminOk<PayerView>('GET', `/payers/${payer.binanceId}`);
    expect(shown.email).toBe('e@x.io');
  });

  it('payer create with a taken email fails with one FAIL document', async () => {
    const doc = await failing('payer', 'create', '--email', 'e@x.io', '--json');
    expect(doc.code).toBe('900409');
  });

  it('payer fund <id> 50:BTC --json adds funds', async () => {
    const funded = await ok<PayerView>('payer', 'fund', payer.binanceId, '50:BTC', '--json');
    expect(funded.binanceId).toBe(payer.binanceId);
    expect(available(funded, 'BTC')).toBe('51.00000000');
    expect(available(funded, 'USDT')).toBe('100.00000000');
  });

  it('payer fund with a bad amount or unknown payer fails', async () => {
    expect((await failing('payer', 'fund', payer.binanceId, 'lots:BTC', '--json')).code).toBe('900400');
    expect((await failing('payer', 'fund', '999999999999', '1:BTC', '--json')).code).toBe('900404');
  });

  it('pay <prepayId> --payer <id> --json prints the order as query-order shows it (PAID)', async () => {
    paidOrder = await createOrder('10.5');
    const printed = await ok<OrderView>('pay', paidOrder, '--payer', payer.binanceId, '--json');
    expect(printed.status).toBe('PAID');
    expect(printed).toEqual(await queryOrder(paidOrder));
    const after = await server.adminOk<PayerView>('GET', `/payers/${payer.binanceId}`);
    expect(available(after, 'USDT')).toBe('89.50000000');
  });

  it('paying again exits 1 with one FAIL document on stdout', async () => {
    const doc = await failing('pay', paidOrder, '--payer', payer.binanceId, '--json');
    expect(doc.code).toBe('900409');
    expect(doc.errorMessage).toContain(paidOrder);
  });

  it('insufficient balance exits 1 with 900402 and nothing moves', async () => {
    const prepayId = await createOrder('1000');
    const payerBefore = await server.adminOk<PayerView>('GET', `/payers/${payer.binanceId}`);
    const merchantBefore = await merchantBalances();
    const doc = await failing('pay', prepayId, '--payer', payer.binanceId, '--json');
    expect(doc.code).toBe('900402');
    expect((await server.adminOk<PayerView>('GET', `/payers/${payer.binanceId}`)).balances).toEqual(payerBefore.balances);
    expect(await merchantBalances()).toEqual(merchantBefore);
    expect((await queryOrder(prepayId)).status).toBe('INITIAL');
    expect((await server.adminOk<{ journal: unknown[] }>('GET', `/orders/${prepayId}`)).journal).toEqual([]);
    const verify = await ok<{ ok: boolean }>('ledger', 'verify', '--json');
    expect(verify.ok).toBe(true);
  });

  it('ledger verify --json exits 0 with ok true', async () => {
    const report = await ok<{ ok: boolean; checks: Array<{ name: string; ok: boolean }>; problems: string[] }>('ledger', 'verify', '--json');
    expect(report.ok).toBe(true);
    expect(report.checks.length).toBeGreaterThan(0);
    expect(report.checks.every((c) => c.ok)).toBe(true);
    expect(report.problems).toEqual([]);
  });

  it('ledger show --order <id> --json prints the journal of the order', async () => {
    const journal = await ok<Array<{ kind: string; asset: string; amount: string; refType: string; refId: string; debit: string; credit: string }>>('ledger', 'show', '--order', paidOrder, '--json');
    expect(journal.length).toBeGreaterThan(0);
    for (const e of journal) expect(e).toMatchObject({ refType: 'order', refId: paidOrder });
    const payment = journal.find((e) => e.kind === 'PAYMENT');
    expect(payment).toMatchObject({ asset: 'USDT', amount: '10.50000000', debit: `PAYER:${payer.binanceId}:FUNDING`, credit: `MERCHANT:${merchant.merchantId}:FUNDING` });
  });

  it('ledger show of an unknown order fails with 900404', async () => {
    expect((await failing('ledger', 'show', '--order', '123456789012345678', '--json')).code).toBe('900404');
  });

  it('order start → PENDING, order fail → ERROR', async () => {
    const started = await createOrder('1');
    const pending = await ok<OrderView>('order', 'start', started, '--payer', payer.binanceId, '--json');
    expect(pending.status).toBe('PENDING');
    expect((await queryOrder(started)).status).toBe('PENDING');
    const failed = await ok<OrderView>('order', 'fail', started, '--json');
    expect(failed.status).toBe('ERROR');
    expect((await queryOrder(started)).status).toBe('ERROR');
    const fresh = await createOrder('1');
    expect((await ok<OrderView>('order', 'fail', fresh, '--json')).status).toBe('ERROR');
    // an ERROR order cannot start, fail or be paid again
    expect((await failing('order', 'start', fresh, '--payer', payer.binanceId, '--json')).code).toBe('900409');
    expect((await failing('pay', fresh, '--payer', payer.binanceId, '--json')).code).toBe('900409');
  });

  it('time advance 2h --json, then the order query shows EXPIRED', async () => {
    const open = await createOrder('1');
    const pending = await createOrder('1');
    await ok('order', 'start', pending, '--payer', payer.binanceId, '--json');
    const before = await ok<{ nowMs: number; offsetMs: number }>('time', 'show', '--json');
    const moved = await ok<{ nowMs: number; now: string; offsetMs: number }>('time', 'advance', '2h', '--json');
    expect(moved.offsetMs - before.offsetMs).toBe(7_200_000);
    expect(moved.nowMs - before.nowMs).toBeGreaterThanOrEqual(7_200_000);
    expect(new Date(moved.now).getTime()).toBe(moved.nowMs);
    expect((await queryOrder(open)).status).toBe('EXPIRED');
    expect((await queryOrder(pending)).status).toBe('EXPIRED');
    expect((await queryOrder(paidOrder)).status).toBe('PAID');
    expect((await failing('pay', open, '--payer', payer.binanceId, '--json')).code).toBe('900409');
    expect((await ok<{ ok: boolean }>('ledger', 'verify', '--json')).ok).toBe(true);
  });

  it('time advance refuses a bad duration', async () => {
    expect((await failing('time', 'advance', 'soon', '--json')).code).toBe('900400');
  });
});
