/**
 * The `bpay` command as a user runs it: a real child process (node bin/bpay.mjs) against a real
 * server. With --json every run prints exactly one JSON document on stdout, success or not.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs bpay with a clean environment (no BPAY_* that could supply a token or URL behind our back). */
function bpay(args: string[]): Promise<Run> {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('BPAY_') || name === 'PORT') delete env[name];
  return new Promise((resolvePromise) => {
    execFile(process.execPath, ['bin/bpay.mjs', ...args], { cwd: REPO_ROOT, env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** stdout must be one JSON document and nothing else. */
function oneJson<T = Record<string, unknown>>(run: Run): T {
  const lines = run.stdout.split('\n');
  expect(lines.at(-1), `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe('');
  expect(lines.length, `stdout: ${run.stdout}`).toBe(2);
  return JSON.parse(lines[0] ?? '') as T;
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const address = probe.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  await new Promise<void>((done) => probe.close(() => done()));
  return address.port;
}

describe('bpay CLI', () => {
  let server: TestServer;
  let global: string[];
  let created: MerchantCredentials;
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    global = ['--url', server.baseUrl, '--admin-token', server.adminToken];
  });
  afterAll(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await server?.close();
  });

  async function binanceCode(creds: MerchantCredentials): Promise<string | undefined> {
    return (await server.client(creds).request('/binancepay/openapi/certificates', undefined, { rawBody: '' })).envelope?.code;
  }

  it('merchant create --json prints exactly {merchantId, apiKey, apiSecret}, and the key works', async () => {
    const run = await bpay([...global, 'merchant', 'create', '--name', 'CLI Shop', '--json']);
    expect(run.code, run.stderr).toBe(0);
    created = oneJson<MerchantCredentials>(run);
    expect(Object.keys(created).sort()).toEqual(['apiKey', 'apiSecret', 'merchantId']);
    expect(typeof created.merchantId).toBe('number');
    expect(created.apiKey).toMatch(/^[a-z0-9]{64}$/);
    expect(created.apiSecret).toMatch(/^[a-z0-9]{64}$/);
    const certificates = await server.client(created).getCertificates();
    expect(certificates.length).toBeGreaterThan(0);
    expect((await server.adminOk<{ name: string }>('GET', `/merchants/${created.merchantId}`)).name).toBe('CLI Shop');
  });

  it('merchant create without --json prints the credentials for a human', async () => {
    const run = await bpay([...global, 'merchant', 'create', '--name', 'Human Shop']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^merchantId {2}\d+\napiKey {6}[a-z0-9]{64}\napiSecret {3}[a-z0-9]{64}/);
  });

  it('merchant update --webhook-url changes the merchant', async () => {
    const run = await bpay([...global, 'merchant', 'update', String(created.merchantId), '--webhook-url', 'https://cli.example/hook', '--pay-closed-notify', 'off', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(oneJson(run)).toMatchObject({ merchantId: created.merchantId, webhookUrl: 'https://cli.example/hook', payClosedNotify: false });
    expect(await server.adminOk('GET', `/merchants/${created.merchantId}`)).toMatchObject({ webhookUrl: 'https://cli.example/hook', payClosedNotify: false });
    const cleared = await bpay([...global, 'merchant', 'update', String(created.merchantId), '--webhook-url', 'none', '--json']);
    expect(oneJson(cleared)).toMatchObject({ webhookUrl: null });
  });

  it('key create / list / revoke', async () => {
    const made = await bpay([...global, 'key', 'create', '--merchant', String(created.merchantId), '--label', 'ci', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const key = oneJson<{ apiKey: string; apiSecret: string }>(made);
    expect(Object.keys(key).sort()).toEqual(['apiKey', 'apiSecret']);
    const creds = { merchantId: created.merchantId, ...key };
    expect(await binanceCode(creds)).toBe('000000');

    const listed = await bpay([...global, 'key', 'list', '--merchant', String(created.merchantId), '--json']);
    expect(listed.code).toBe(0);
    const keys = oneJson<Array<{ apiKey: string; status: string }>>(listed);
    expect(keys.map((k) => k.apiKey).sort()).toEqual([created.apiKey, key.apiKey].sort());
    expect(listed.stdout).not.toMatch(/secret/i);
    expect(listed.stdout).not.toContain(key.apiSecret);

    const revoked = await bpay([...global, 'key', 'revoke', key.apiKey, '--merchant', String(created.merchantId), '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(oneJson(revoked)).toMatchObject({ apiKey: key.apiKey, status: 'REVOKED' });
    expect(await binanceCode(creds)).toBe('400004');
    expect(await binanceCode(created)).toBe('000000');

    // revoking again is a failure of the command: one JSON FAIL document, exit 1
    const again = await bpay([...global, 'key', 'revoke', key.apiKey, '--merchant', String(created.merchantId), '--json']);
    expect(again.code).toBe(1);
    expect(oneJson(again)).toMatchObject({ status: 'FAIL', code: '900409' });
  });

  it('certificates --json lists what /certificates serves', async () => {
    const run = await bpay([...global, 'certificates', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const listed = oneJson<Array<{ certSerial: string; certPublic: string }>>(run);
    expect(listed).toEqual(await server.client(created).getCertificates());
  });

  it('reads the admin token from --data <dir>/admin-token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpay-cli-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'admin-token'), `${server.adminToken}\n`, { mode: 0o600 });
    const run = await bpay(['--url', server.baseUrl, '--data', dir, 'merchant', 'show', String(created.merchantId), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(oneJson(run)).toMatchObject({ merchantId: created.merchantId });

    const wrongDir = mkdtempSync(join(tmpdir(), 'bpay-cli-'));
    dirs.push(wrongDir);
    writeFileSync(join(wrongDir, 'admin-token'), 'not-the-token-0123456789\n');
    const wrong = await bpay(['--url', server.baseUrl, '--data', wrongDir, 'merchant', 'list', '--json']);
    expect(wrong.code).toBe(1);
    expect(oneJson(wrong)).toMatchObject({ status: 'FAIL', code: '900401' });

    const emptyDir = mkdtempSync(join(tmpdir(), 'bpay-cli-'));
    dirs.push(emptyDir);
    const none = await bpay(['--url', server.baseUrl, '--data', emptyDir, 'merchant', 'list', '--json']);
    expect(none.code).toBe(1);
    expect(oneJson(none)).toMatchObject({ status: 'FAIL', code: 'NO_ADMIN_TOKEN' });
  });

  it('an unreachable server gives one JSON FAIL document and exit 1', async () => {
    const port = await closedPort();
    const run = await bpay(['--url', `http://127.0.0.1:${port}`, '--admin-token', server.adminToken, 'merchant', 'list', '--json']);
    expect(run.code).toBe(1);
    const doc = oneJson<{ status: string; code: string; errorMessage: string }>(run);
    expect(doc).toMatchObject({ status: 'FAIL', code: 'SERVER_UNREACHABLE' });
    expect(doc.errorMessage).toContain(String(port));
    expect(run.stderr).toBe('');
    // without --json the same failure goes to stderr, stdout stays empty
    const human = await bpay(['--url', `http://127.0.0.1:${port}`, '--admin-token', server.adminToken, 'merchant', 'list']);
    expect(human.code).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/^bpay: Cannot reach/);
  });

  it('usage errors exit 2 and, with --json, print one JSON FAIL document', async () => {
    const cases: Array<{ args: string[]; message: RegExp }> = [
      { args: ['merchant', 'create', '--json'], message: /--name/ },
      { args: ['no-such-command', '--json'], message: /no-such-command/ },
      { args: ['merchant', 'create', '--name', 'X', '--bogus', '--json'], message: /--bogus/ },
      { args: ['merchant', 'update', String(created.merchantId), '--pay-closed-notify', 'maybe', '--json'], message: /on or off/ },
      { args: ['key', 'revoke', '--merchant', '1', '--json'], message: /apiKey/ },
    ];
    for (const { args, message } of cases) {
      const run = await bpay([...global, ...args]);
      expect(run.code, `${args.join(' ')}: ${run.stdout} ${run.stderr}`).toBe(2);
      const doc = oneJson<{ status: string; code: string; errorMessage: string }>(run);
      expect(doc.status).toBe('FAIL');
      expect(doc.code).toBe('USAGE');
      expect(doc.errorMessage).toMatch(message);
      expect(run.stderr).toBe('');
    }
    // without --json commander explains on stderr and stdout stays empty
    const human = await bpay([...global, 'merchant', 'create']);
    expect(human.code).toBe(2);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/--name/);
    // the merchant list is unchanged by all of that
    const names = (await server.adminOk<Array<{ name: string }>>('GET', '/merchants')).map((m) => m.name);
    expect(names.filter((n) => n === 'X')).toEqual([]);
  });

  it('--help exits 0 with the usage on stdout', async () => {
    for (const args of [['--help'], ['merchant', '--help'], ['merchant', 'create', '--help']]) {
      const run = await bpay(args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout).toMatch(/^Usage: bpay/);
    }
    const bare = await bpay([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/Usage: bpay/);
  });
});
