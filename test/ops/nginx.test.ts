/**
 * The nginx sample of docs/deployment.md, as the page prints it (only the upstream ports, the listen
 * address and the certificate filled in), in front of three `bpay serve` processes on one PostgreSQL
 * schema: TLS, requests spread over the nodes, X-Forwarded-For overwritten so BPAY_TRUST_PROXY and
 * the IP allow-lists see the real client, probes and metrics kept inside, and the Server-Sent Events
 * stream of `bpay listen` held open through the proxy while a payment's webhook comes down it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgres, TEST_DATABASE_URL } from '../helpers/dialects.ts';
import { v3OrderBody } from '../helpers/endpoints.ts';
import { ACK, ADMIN_TOKEN, eventually, REPO_ROOT, startRecordingReceiver, startServerProcess, type RecordingReceiver, type ServerProcess } from '../helpers/process.ts';
import type { MerchantCredentials } from '../helpers/server.ts';
import { BinancePayClient } from '@binance-pay-server/sdk';

const NGINX = process.env.BPAY_NGINX ?? '/usr/sbin/nginx';
const nginxFound = existsSync(NGINX);
if (!nginxFound && process.env.CI === 'true') {
  throw new Error(`CI=true requires nginx for the deployment sample test, and there is none at ${NGINX} (apt-get install -y nginx-light, as .ci/run does)`);
}
const skipReason = !nginxFound ? `no nginx at ${NGINX}` : !postgres.ok ? postgres.reason : '';

/** The sample, with what a deployment fills in; every substitution must find its line. */
function sampleConfig(upstreamPorts: number[], listenPort: number, dir: string): string {
  const page = readFileSync(join(REPO_ROOT, 'docs/deployment.md'), 'utf8');
  const sample = /^## nginx\s+```nginx\n([\s\S]*?)```/m.exec(page)?.[1];
  if (!sample) throw new Error('docs/deployment.md has no ```nginx block under "## nginx"');
  let upstream = 0;
  const filled = sample
    .replace(/server 127\.0\.0\.1:\d+/g, () => `server 127.0.0.1:${upstreamPorts[upstream++]}`)
    .replace('listen 443 ssl;', `listen 127.0.0.1:${listenPort} ssl;`)
    .replace(/# ssl_certificate .*\n/, `ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;\n`);
  if (upstream !== upstreamPorts.length || !filled.includes(`listen 127.0.0.1:${listenPort} ssl;`) || !filled.includes(`${dir}/cert.pem`)) {
    throw new Error(`the nginx sample no longer has the lines this test fills in (${upstream} upstream servers):\n${sample}`);
  }
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join(' ');
  return `worker_processes 1;\nerror_log ${dir}/error.log;\npid ${dir}/nginx.pid;\nevents {}\nhttp {\naccess_log off;\n${temp}\n${filled}\n}\n`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

(skipReason ? describe.skip : describe)(`the nginx sample in front of three nodes${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const schema = `t_nginx_${process.pid}_${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'bpay-nginx-'));
  const dataDirs: string[] = [];
  const tlsSetting = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  let nodes: ServerProcess[] = [];
  let nginx: ChildProcess | undefined;
  let nginxOutput = '';
  let proxy = '';
  let hook: RecordingReceiver;

  const through = (creds: MerchantCredentials) => new BinancePayClient({ apiKey: creds.apiKey, apiSecret: creds.apiSecret, baseUrl: proxy });
  const adminThrough = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${proxy}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as { status: string; data: T };
    if (answer.status !== 'SUCCESS') throw new Error(`admin ${method} ${path} through nginx: HTTP ${response.status} ${JSON.stringify(answer)}`);
    return answer.data;
  };

  beforeAll(async () => {
    // the proxy's certificate is self-signed: this test's requests (and its `bpay listen`) accept it
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    chmodSync(dir, 0o755); // nginx's workers may run as another user
    const cert = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { encoding: 'utf8' });
    if (cert.status !== 0) throw new Error(`openssl failed: ${cert.stderr}`);

    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    hook = await startRecordingReceiver();
    hook.answer = () => ({ status: 200, body: ACK });
    nodes = await Promise.all(
      [1, 2, 3].map((i) => {
        const data = mkdtempSync(join(tmpdir(), `bpay-nginx-node${i}-`));
        dataDirs.push(data);
        return startServerProcess({ BPAY_DATA_DIR: data, DATABASE_URL: TEST_DATABASE_URL, BPAY_PG_SCHEMA: schema, BPAY_PG_POOL_SIZE: '4', BPAY_NODE_ID: String(i), BPAY_TRUST_PROXY: 'true', BPAY_WORKER_INTERVAL_MS: '100' }, ['--no-demo'], 90_000);
      }),
    );

    const port = await freePort();
    writeFileSync(`${dir}/nginx.conf`, sampleConfig(nodes.map((n) => Number(new URL(n.url).port)), port, dir));
    nginx = spawn(NGINX, ['-p', dir, '-c', `${dir}/nginx.conf`, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout?.on('data', (c: Buffer) => (nginxOutput += c.toString()));
    nginx.stderr?.on('data', (c: Buffer) => (nginxOutput += c.toString()));
    await eventually('nginx listening', async () => {
      if (nginx?.exitCode !== null) throw new Error(`nginx exited: ${nginxOutput}${existsSync(`${dir}/error.log`) ? readFileSync(`${dir}/error.log`, 'utf8') : ''}`);
      return (await accepting(port)) || undefined;
    }, 15_000, 100);
    proxy = `https://127.0.0.1:${port}`;
  }, 120_000);

  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    await hook?.close();
    if (postgres.ok) {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
    for (const d of [dir, ...dataDirs]) rmSync(d, { recursive: true, force: true });
    if (tlsSetting === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = tlsSetting;
  });

  it('serves the API over TLS and spreads the requests over every node', async () => {
    const merchant = await adminThrough<MerchantCredentials>('POST', '/merchants', { name: 'Proxied Shop' });
    const ids = await Promise.all(Array.from({ length: 30 }, async () => (await through(merchant).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody())).prepayId));
    expect(new Set(ids).size).toBe(30);
    for (const node of nodes) {
      const metrics = await (await fetch(`${node.url}/metrics`)).text();
      const served = [...metrics.matchAll(/^bpay_http_requests_total\{[^}]*route="\/binancepay\/openapi\/v3\/order"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      expect(served, node.url).toBeGreaterThan(0);
    }
  });

  it('overwrites X-Forwarded-For, so an IP allow-list sees the client and not what it claims', async () => {
    const local = await adminThrough<MerchantCredentials>('POST', '/merchants', { name: 'Local only', ipAllowlist: ['127.0.0.1'] });
    const elsewhere = await adminThrough<MerchantCredentials>('POST', '/merchants', { name: 'Elsewhere only', ipAllowlist: ['203.0.113.5'] });
    const claim = { headers: { 'x-forwarded-for': '203.0.113.5' } };
    expect((await through(local).request('/binancepay/openapi/certificates', undefined, { rawBody: '', ...claim })).envelope?.status).toBe('SUCCESS');
    expect((await through(elsewhere).request('/binancepay/openapi/certificates', undefined, { rawBody: '', ...claim })).envelope?.code).toBe('400004');
  });

  it('keeps the probes and the metrics inside', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect((await fetch(`${proxy}${path}`)).status, path).toBe(404);
      expect((await fetch(`${nodes[0]!.url}${path}`)).status, path).toBe(200);
    }
  });

  it("holds bpay listen's event stream open through the proxy: a payment's webhook comes down it", async () => {
    // its own webhook URL answers nothing: only the listener's stream can bring the webhook to the receiver
    const merchant = await adminThrough<MerchantCredentials>('POST', '/merchants', { name: 'Listened Shop', webhookUrl: 'http://127.0.0.1:9/nobody-listens' });
    const payer = await adminThrough<{ binanceId: string }>('POST', '/payers', { fund: ['100:USDT'] });
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BPAY_')));
    const listen = spawn(process.execPath, ['bin/bpay.mjs', '--url', proxy, '--admin-token', ADMIN_TOKEN, 'listen', '--merchant', String(merchant.merchantId), '--forward-to', hook.url, '--json'], {
      cwd: REPO_ROOT,
      env: { ...env, NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Array<Record<string, unknown>> = [];
    let stderr = '';
    listen.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    createInterface({ input: listen.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    try {
      await eventually(`bpay listen ready (${stderr})`, async () => lines.find((l) => l.type === 'ready'), 20_000);
      const { prepayId } = await through(merchant).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody({ orderAmount: '5' }));
      await adminThrough('POST', `/orders/${prepayId}/pay`, { payer: payer.binanceId });
      const attempt = await eventually(`an attempt line (${JSON.stringify(lines)} ${stderr})`, async () => lines.find((l) => l.type === 'attempt'), 20_000);
      expect(attempt).toMatchObject({ bizType: 'PAY', bizStatus: 'PAY_SUCCESS' });
      expect(hook.received.some((r) => r.body.includes(prepayId))).toBe(true);
    } finally {
      listen.kill('SIGTERM');
    }
  });
});
