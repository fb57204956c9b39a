/**
 * The conformance kit against this server, over real HTTP on both databases: every flow runs with
 * zero differences — as a sandbox (the admin API pays orders and runs the workers), as a live API
 * would be run (no admin API: nothing that moves money or creates permanent objects is sent), and
 * in strict fidelity mode. The report is complete: each planned step once, in plan order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOWS } from '../../src/conformance/flows.ts';
import { renderJson, renderMarkdown, renderTable } from '../../src/conformance/report.ts';
import { runKit, type KitReport } from '../../src/conformance/runner.ts';
import { SandboxAdmin } from '../../src/conformance/sandbox.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

function differencesOf(report: KitReport): string {
  return report.steps
    .filter((s) => s.differences.length > 0 || s.outcome === 'unavailable')
    .map((s) => `${s.flow} / ${s.step}: ${s.reason ?? ''} ${s.differences.map((d) => `${d.path} ${d.kind}: expected ${d.expected}, got ${d.actual}`).join('; ')}`)
    .join('\n');
}

function expectPlanOrder(report: KitReport): void {
  const planned = FLOWS.flatMap((f) => f.plan.map((s) => `${f.name} / ${s.name}`));
  expect(report.steps.map((s) => `${s.flow} / ${s.step}`)).toEqual(planned);
}

describeEachDialect('conformance kit against this server', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => server?.close());

  it('as a sandbox: every step of every flow runs, with zero differences, and the ledger holds', async () => {
    merchant = await server.createMerchant({ name: 'Kit (sandbox)' });
    const sandbox = await SandboxAdmin.detect(server.baseUrl, server.adminToken);
    expect(sandbox).toBeDefined();
    expect(await SandboxAdmin.detect(server.baseUrl, 'not-the-admin-token')).toBeUndefined();
    const report = await runKit(FLOWS, { credentials: { baseUrl: server.baseUrl, apiKey: merchant.apiKey, apiSecret: merchant.apiSecret }, sandbox });
    expect(differencesOf(report)).toBe('');
    expect(report.target).toBe('sandbox');
    expect(report.summary).toMatchObject({ errors: 0, warnings: 0, withDifferences: 0, skipped: 0, unavailable: 0 });
    expect(report.summary.passed).toBe(report.summary.steps);
    expectPlanOrder(report);
    // the kit saw the documented shapes, not just any answer: paid, refunded and repeated states were reached
    const step = (name: string) => report.steps.find((s) => s.step === name);
    expect(step('query v2 (PAID)')?.outcome).toBe('pass');
    expect(step('transfer again (same requestId)')).toMatchObject({ status: 'REPEAT_REQ_SUCCESS', code: '000001' });
    expect(step('duplicate merchantTradeNo')).toMatchObject({ status: 'FAIL', code: '400201', httpStatus: 400 });
    // default mode adds documented extras to FAIL answers: reported as extensions, never differences
    expect(report.steps.some((s) => (s.extensions ?? []).includes('hint'))).toBe(true);
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('as a live API (no admin API): read-only and zero-money steps pass, the rest is skipped with its reason, and no money moves', async () => {
    const live = await server.createMerchant({ name: 'Kit (live)' });
    const report = await runKit(FLOWS, { credentials: { baseUrl: server.baseUrl, apiKey: live.apiKey, apiSecret: live.apiSecret } });
    expect(differencesOf(report)).toBe('');
    expect(report.target).toBe('live');
    expect(report.summary.errors + report.summary.warnings).toBe(0);
    expectPlanOrder(report);
    const skipped = report.steps.filter((s) => s.outcome === 'skipped');
    expect(skipped.length).toBeGreaterThan(10);
    for (const s of skipped) expect(s.reason, `${s.flow} / ${s.step}`).toMatch(/\S/);
    // every money or permanent step was held back
    for (const s of report.steps.filter((r) => r.risk === 'money' || r.risk === 'create')) expect(s.outcome, `${s.flow} / ${s.step}`).toBe('skipped');
    expect(report.steps.find((s) => s.step === 'payout')?.reason).toMatch(/--allow-money/);
    expect(report.steps.find((s) => s.step === 'add sub-merchant')?.reason).toMatch(/--allow-create/);
    const balances = await server.adminOk<Array<{ balance: string }>>('GET', `/merchants/${live.merchantId}/balances`);
    expect(balances.every((b) => /^0\.0+$/.test(b.balance))).toBe(true);
    expect(await server.adminOk<unknown[]>('GET', `/payouts?merchantId=${live.merchantId}`)).toEqual([]);
    expect(await server.adminOk<unknown[]>('GET', `/refunds?merchantId=${live.merchantId}`)).toEqual([]);
    // the orders it created are closed again
    const orders = await server.adminOk<Array<{ status: string }>>('GET', `/orders?merchantId=${live.merchantId}`);
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.filter((o) => o.status !== 'CANCELED')).toEqual([]);
  });

  it('--only runs just those families; the three renderings carry the same steps', async () => {
    const report = await runKit(FLOWS, { credentials: { baseUrl: server.baseUrl, apiKey: merchant.apiKey, apiSecret: merchant.apiSecret }, only: ['certificates', 'balances'] });
    expect(new Set(report.steps.map((s) => s.family))).toEqual(new Set(['certificates', 'balances']));
    expect(report.summary.passed).toBe(report.steps.length);
    const json = JSON.parse(renderJson(report)) as KitReport;
    expect(json.steps.map((s) => s.step)).toEqual(report.steps.map((s) => s.step));
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('| Flow | Step | Endpoint | Expected | Answer | Result |');
    expect(markdown.split('\n').filter((l) => l.startsWith('| balances') || l.startsWith('| certificates'))).toHaveLength(report.steps.length);
    const table = renderTable(report);
    for (const s of report.steps) expect(table).toContain(s.step);
    expect(table).toMatch(/6 steps: 6 passed, 0 with differences/);
  });
});

describeEachDialect('conformance kit against this server in strict fidelity mode', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect, { BPAY_STRICT: 'true' });
  });
  afterAll(async () => server?.close());

  it('zero differences, with no extension in any answer (Binance sends none)', async () => {
    const merchant = await server.createMerchant({ name: 'Kit (strict)' });
    const sandbox = await SandboxAdmin.detect(server.baseUrl, server.adminToken);
    const report = await runKit(FLOWS, { credentials: { baseUrl: server.baseUrl, apiKey: merchant.apiKey, apiSecret: merchant.apiSecret }, sandbox });
    expect(differencesOf(report)).toBe('');
    expect(report.summary).toMatchObject({ errors: 0, warnings: 0, skipped: 0 });
    expect(report.steps.flatMap((s) => s.extensions ?? [])).toEqual([]);
    // strict mode answers Binance's gateway error for a wrong method
    expect(report.steps.find((s) => s.step === 'wrong method')).toMatchObject({ status: 'ERROR', code: '100001001' });
  });
});

describe('conformance kit: sandbox detection', () => {
  it('no admin token, a wrong one, or an unreachable host: not a sandbox', async () => {
    expect(await SandboxAdmin.detect('http://127.0.0.1:9', 'token')).toBeUndefined();
    expect(await SandboxAdmin.detect('http://127.0.0.1:9', undefined)).toBeUndefined();
  });
});
