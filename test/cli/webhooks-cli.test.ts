/**
 * `bpay listen` end to end as a developer runs it (a real child process holding an SSE connection
 * to a real server, forwarding to a real local endpoint), and the `bpay webhooks` commands, on both
 * dialects.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { verifyWebhook } from '@binance-pay-server/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { ACK, startReceiver, type Receiver } from '../helpers/receiver.ts';
import { createPayer, pay } from '../helpers/sandbox.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('BPAY_') || name === 'PORT') delete env[name];
  return env;
}

function bpayJson<T>(server: TestServer, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bin/bpay.mjs', '--url', server.baseUrl, '--admin-token', server.adminToken, ...args, '--json'], { cwd: REPO_ROOT, env: cleanEnv(), timeout: 30_000 }, (error, stdout, stderr) => {
      const lines = String(stdout).split('\n').filter(Boolean);
      if (lines.length !== 1) return reject(new Error(`expected one JSON line, got: ${String(stdout)} ${String(stderr)} ${String(error ?? '')}`));
      resolve(JSON.parse(lines[0]!) as T);
    });
  });
}

interface Listening {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** resolves with the first line (from the start) matching `type` after `skip` earlier ones */
  next(type: string, skip?: number): Promise<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

function startListen(server: TestServer, merchantId: number, forwardTo: string): Listening {
  const child = spawn(process.execPath, ['bin/bpay.mjs', '--url', server.baseUrl, '--admin-token', server.adminToken, 'listen', '--merchant', String(merchantId), '--forward-to', forwardTo, '--json'], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    async next(type, skip = 0) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = lines.filter((l) => l.type === type)[skip];
        if (found) return found;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${type}" line from bpay listen; stdout ${JSON.stringify(lines)} stderr ${stderr}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

describeEachDialect('bpay listen and bpay webhooks', (dialect) => {
  let server: TestServer;
  let local: Receiver;
  let payerId: string;

  beforeAll(async () => {
    server = await startTestServer(dialect, { BPAY_WEBHOOK_TIMEOUT_MS: '3000' });
    local = await startReceiver();
    payerId = (await createPayer(server, ['1000:USDT'])).binanceId;
  });
  afterAll(async () => {
    await server?.close();
    await local?.close();
  });

  it('bpay listen forwards the exact signed body to localhost and its report completes the attempt', async () => {
    // the merchant URL points nowhere: while listening, nothing is POSTed there
    const unreachable = await startReceiver();
    await unreachable.close();
    const m = await server.createMerchant({ name: 'Listen Shop', webhookUrl: unreachable.url });
    const cli = startListen(server, m.merchantId, local.url);
    try {
      const ready = await cli.next('ready');
      expect(ready).toMatchObject({ merchantId: m.merchantId, forwardTo: local.url });
      const prepayId = await createOrder(server, m, { orderAmount: '3.3' });
      expect((await pay(server, prepayId, payerId)).body.status).toBe('SUCCESS');
      await server.built.workers.runAll(); // returns once the listener reported (or the attempt timed out)

      const line = await cli.next('attempt');
      expect(line).toMatchObject({ bizType: 'PAY', bizStatus: 'PAY_SUCCESS', bizId: prepayId, status: 200, outcome: 'SUCCESS', attemptNo: 1 });
      expect(local.countFor(prepayId)).toBe(1);
      const req = local.received.find((r) => r.bizId === prepayId)!;
      expect(req.path).toBe('/hook');
      expect(req.headers['content-type']).toBe('application/json');
      const verified = await verifyWebhook(req.body, req.headers, await server.client(m).getCertificates());
      expect(verified).toMatchObject({ bizId: prepayId, bizStatus: 'PAY_SUCCESS' });
      expect(req.body).toContain(`"bizId":${prepayId},`);

      const [event] = await server.adminOk<Array<{ eventId: string; status: string }>>('GET', `/webhooks?prepayId=${prepayId}`);
      expect(event!.status).toBe('DELIVERED');
      const detail = await server.adminOk<{ body: string; attemptLog: Array<Record<string, unknown>> }>('GET', `/webhooks/${event!.eventId}`);
      expect(detail.body).toBe(req.body); // byte for byte
      expect(detail.attemptLog).toHaveLength(1);
      expect(detail.attemptLog[0]).toMatchObject({ via: 'LISTENER', listenerId: ready.listenerId, url: local.url, outcome: 'SUCCESS', responseStatus: 200, responseBody: ACK });
      expect((detail.attemptLog[0]!.requestHeaders as Record<string, string>)['BinancePay-Signature']).toBe(req.headers['binancepay-signature']);

      // the local endpoint failing is the attempt failing: retried on the schedule
      local.handler = () => ({ status: 500, body: 'crash' });
      const failing = await createOrder(server, m);
      expect((await pay(server, failing, payerId)).body.status).toBe('SUCCESS');
      await server.built.workers.runAll();
      expect(await cli.next('attempt', 1)).toMatchObject({ bizId: failing, status: 500, outcome: 'FAILED' });
      local.handler = () => ({ status: 200, body: ACK });
      await server.adminOk('POST', '/time/advance', { by: '15s' });
      expect(await cli.next('attempt', 2)).toMatchObject({ bizId: failing, status: 200, outcome: 'SUCCESS', attemptNo: 2 });
    } finally {
      expect(await cli.stop()).toBe(0);
    }
    // gone: the merchant's URL is used again
    for (let i = 0; i < 50 && (await server.adminOk<unknown[]>('GET', `/merchants/${m.merchantId}/webhooks/listeners`)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await server.adminOk('GET', `/merchants/${m.merchantId}/webhooks/listeners`)).toEqual([]);
  });

  it('bpay listen refuses an unknown merchant', async () => {
    const cli = startListen(server, 1, local.url);
    expect(await cli.exited).toBe(1);
    // --json: the failure is one FAIL document on stdout
    expect(cli.lines).toEqual([{ status: 'FAIL', code: '900404', errorMessage: 'merchant 1 not found' }]);
  });

  it('bpay webhooks test | list | show | redeliver', async () => {
    local.handler = () => ({ status: 200, body: ACK });
    const m = await server.createMerchant({ name: 'CLI Hooks', webhookUrl: local.url });
    const sent = await bpayJson<{ event: { eventId: string; status: string; test: boolean }; attempt: { outcome: string } }>(server, ['webhooks', 'test', '--merchant', String(m.merchantId)]);
    expect(sent.event).toMatchObject({ status: 'DELIVERED', test: true });
    expect(sent.attempt.outcome).toBe('SUCCESS');

    const list = await bpayJson<Array<{ eventId: string }>>(server, ['webhooks', 'list', '--merchant', String(m.merchantId)]);
    expect(list.map((e) => e.eventId)).toEqual([sent.event.eventId]);
    const again = await bpayJson<{ attempt: { attemptNo: number; trigger: string } }>(server, ['webhooks', 'redeliver', sent.event.eventId]);
    expect(again.attempt).toMatchObject({ attemptNo: 2, trigger: 'MANUAL' });
    const bulk = await bpayJson<Array<{ eventId: string; attempt: { attemptNo: number } }>>(server, ['webhooks', 'redeliver', '--merchant', String(m.merchantId), '--ref-type', 'test']);
    expect(bulk.map((r) => r.attempt.attemptNo)).toEqual([3]);
    const elsewhere = await startReceiver();
    const moved = await bpayJson<{ attempt: { attemptNo: number; url: string; outcome: string } }>(server, ['webhooks', 'redeliver', sent.event.eventId, '--to', elsewhere.url]);
    expect(moved.attempt).toEqual(expect.objectContaining({ attemptNo: 4, url: elsewhere.url, outcome: 'SUCCESS' }));
    expect(elsewhere.received).toHaveLength(1);
    await elsewhere.close();
    const shown = await bpayJson<{ attemptLog: Array<{ attemptNo: number }> }>(server, ['webhooks', 'show', sent.event.eventId]);
    expect(shown.attemptLog.map((a) => a.attemptNo)).toEqual([1, 2, 3, 4]);
  });
});
