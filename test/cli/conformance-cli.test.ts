/**
 * `bpay conformance`, `bpay proxy` and `bpay serve --replay` as a user runs them: real child
 * processes against a real server. --json prints one JSON document; exit 0 when nothing differs,
 * 1 when something does, 2 for a usage error (money without confirmation included).
 */
import { BinancePayClient } from '@binance-pay-server/sdk';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCassette } from '../../src/conformance/cassette.ts';
import type { KitReport } from '../../src/conformance/runner.ts';
import { REPO_ROOT, startServerProcess } from '../helpers/process.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('BPAY_') || name.startsWith('BINANCE_PAY_') || name === 'PORT') delete env[name];
  return env;
}

function bpay(args: string[], timeout = 60_000): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, ['bin/bpay.mjs', ...args], { cwd: REPO_ROOT, env: cleanEnv(), timeout }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function oneJson<T = Record<string, unknown>>(run: Run): T {
  const lines = run.stdout.split('\n');
  expect(lines.length, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(2);
  expect(lines[1]).toBe('');
  return JSON.parse(lines[0] ?? '') as T;
}

/** Forwards to `target`, renaming checkoutUrl in every answer: a server that differs from Binance. */
async function tamperingServer(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length')) as Record<string, string>;
      void fetch(target + (req.url ?? '/'), { method: req.method ?? 'POST', headers, ...(req.method === 'GET' ? {} : { body: Buffer.concat(chunks) }) }).then(async (answer) => {
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end((await answer.text()).replace('"checkoutUrl"', '"checkoutLink"'));
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}`, close: () => new Promise((done) => server.close(() => done())) };
}

describe('bpay conformance, proxy and serve --replay', () => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  let dir: string;
  let empty: string;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    merchant = await server.createMerchant({ name: 'CLI kit' });
    dir = mkdtempSync(join(tmpdir(), 'bpay-kit-cli-'));
    empty = mkdtempSync(join(tmpdir(), 'bpay-kit-empty-'));
  });
  afterAll(async () => {
    await server?.close();
    for (const d of [dir, empty]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const live = () => ['--data', empty, 'conformance', '--base-url', server.baseUrl, '--key', merchant.apiKey, '--secret', merchant.apiSecret];

  it('against a sandbox with the admin token: creates its merchant, runs, one JSON report, exit 0', async () => {
    const run = await bpay(['--admin-token', server.adminToken, 'conformance', '--base-url', server.baseUrl, '--only', 'certificates,balances,errors', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = oneJson<KitReport>(run);
    expect(report).toMatchObject({ tool: 'bpay conformance', target: 'sandbox', summary: { errors: 0, warnings: 0, skipped: 0 } });
    expect(new Set(report.steps.map((s) => s.family))).toEqual(new Set(['certificates', 'balances', 'errors']));
    expect(run.stderr).toContain('is a sandbox');
    expect((await server.adminOk<Array<{ name: string }>>('GET', '/merchants')).some((m) => m.name === 'Conformance kit')).toBe(true);
  });

  it('with key and secret only (a live API as far as it knows): money steps skipped, markdown and a report file', async () => {
    const file = join(dir, 'report.json');
    const run = await bpay([...live(), '--only', 'refunds', '--markdown', '--report', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('| Flow | Step | Endpoint | Expected | Answer | Result |');
    expect(run.stdout).toMatch(/\| refunds \| refund \| `refundOrder` \|.*skipped: moves real money: pass --allow-money/);
    const report = JSON.parse(readFileSync(file, 'utf8')) as KitReport;
    expect(report.target).toBe('live');
    expect(report.steps.find((s) => s.step === 'refund unpaid order')).toMatchObject({ outcome: 'pass', code: '400301' });
  });

  it('refuses to move real money without confirmation (exit 2) and sends nothing; --plan only lists', async () => {
    const before = (await server.adminOk<unknown[]>('GET', `/orders?merchantId=${merchant.merchantId}`)).length;
    const refused = await bpay([...live(), '--only', 'refunds', '--allow-money', '--paid-order', '1234567890', '--json']);
    expect(refused.code).toBe(2);
    expect(oneJson(refused)).toMatchObject({ status: 'FAIL', code: 'USAGE' });
    expect(refused.stderr).toMatch(/money {2}refunds \/ refund: refund part of the paid order/);
    const plan = await bpay([...live(), '--plan', '--allow-money', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const steps = oneJson<{ steps: Array<{ step: string; risk: string; runs: boolean }> }>(plan).steps;
    expect(steps.find((s) => s.step === 'payout')).toMatchObject({ risk: 'money', runs: true });
    expect(steps.find((s) => s.step === 'add sub-merchant')).toMatchObject({ risk: 'create', runs: false });
    expect((await server.adminOk<unknown[]>('GET', `/orders?merchantId=${merchant.merchantId}`)).length).toBe(before);
  });

  it('usage errors: an unknown family, no credentials', async () => {
    const bogus = await bpay([...live(), '--only', 'orders,bogus', '--json']);
    expect(bogus.code).toBe(2);
    expect(oneJson(bogus)).toMatchObject({ status: 'FAIL', code: 'USAGE' });
    const none = await bpay(['--data', empty, 'conformance', '--base-url', server.baseUrl, '--json']);
    expect(none.code).toBe(2);
    expect(oneJson<{ errorMessage: string }>(none).errorMessage).toMatch(/--key and --secret/);
  });

  it('a server that differs: the differences are printed and the exit code is 1', async () => {
    const tamper = await tamperingServer(server.baseUrl);
    try {
      const run = await bpay(['--data', empty, 'conformance', '--base-url', tamper.url, '--key', merchant.apiKey, '--secret', merchant.apiSecret, '--only', 'orders']);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('error: data.checkoutUrl missing');
      expect(run.stdout).toContain('error: data.checkoutLink unexpected');
      expect(run.stderr).toMatch(/with differences \(\d+ errors/);
    } finally {
      await tamper.close();
    }
  });

  it('bpay proxy records SDK traffic; bpay serve --replay answers it offline with the recorded key', { timeout: 120_000 }, async () => {
    const cassette = join(dir, 'cassette.json');
    const child = spawn(process.execPath, ['bin/bpay.mjs', 'proxy', '--upstream', server.baseUrl, '--listen', '127.0.0.1:0', '--secret', merchant.apiSecret, '--record', cassette], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const url = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`proxy did not start: ${stderr}`)), 45_000);
      child.stderr.on('data', () => {
        const m = /bpay proxy listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
        if (m?.[1]) {
          clearTimeout(timer);
          done(m[1]);
        }
      });
    });
    expect(stderr).toContain('/_bpay/proxy');
    const client = new BinancePayClient({ apiKey: merchant.apiKey, apiSecret: merchant.apiSecret, baseUrl: url });
    const certificates = await client.getCertificates();
    await client.getBalanceV2({ wallet: 'FUNDING_WALLET' });
    await expect(client.queryOrder({ merchantTradeNo: 'NEVERMADE1' })).rejects.toMatchObject({ code: '400202' });
    // SIGTERM: the proxy finishes judging and recording what it answered before it exits
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/POST \/binancepay\/openapi\/certificates → 200 SUCCESS 000000 \(\d+ ms\) signature valid ok/);
    expect(readCassette(cassette).exchanges).toHaveLength(3);

    const data = mkdtempSync(join(tmpdir(), 'bpay-replay-serve-'));
    const replay = await startServerProcess({ BPAY_DATA_DIR: data }, ['--no-demo', '--replay', cassette, '--replay-key', merchant.apiKey, '--replay-secret', merchant.apiSecret]);
    try {
      await expect.poll(() => replay.output()).toContain('Replaying');
      expect(replay.output()).toContain('3 recorded answers');
      const offline = new BinancePayClient({ apiKey: merchant.apiKey, apiSecret: merchant.apiSecret, baseUrl: replay.url });
      const answer = await offline.request('/binancepay/openapi/certificates', undefined);
      expect(answer.headers['x-bpay-replay']).toBe('1');
      expect(answer.envelope?.data).toEqual(certificates);
      await expect(offline.queryOrder({ merchantTradeNo: 'NEVERMADE1' })).rejects.toMatchObject({ code: '400202' });
    } finally {
      await replay.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('serve: --replay-key without --replay is a usage error', async () => {
    const run = await bpay(['serve', '--replay-key', merchant.apiKey, '--replay-secret', merchant.apiSecret, '--port', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/need --replay/);
  });
});
