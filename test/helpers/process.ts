/**
 * Real `bpay serve` child processes (node bin/bpay.mjs) for operations tests: multi-node, crash
 * (SIGKILL) and signal handling. Each listens on a port of its own (port 0, read from the banner).
 * Also: a webhook receiver that records every attempt by its nonce, and admin/SDK clients per node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { resolve } from 'node:path';
import { BinancePayClient } from '@binance-pay-server/sdk';
import type { AttemptView, EventView } from '../../src/http/admin/webhooks.ts';
import type { AdminResponse, MerchantCredentials } from './server.ts';

export type { AttemptView, EventView };

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const ADMIN_TOKEN = 'ops-test-admin-token-0123456789';
export const SECRET_KEY = 'ops-test-secret-key-shared-by-every-node';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** everything the process printed so far */
  output(): string;
  /** resolves with the exit code/signal */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<AdminResponse<T>>;
  adminOk<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  client(creds: MerchantCredentials, options?: Partial<ConstructorParameters<typeof BinancePayClient>[0]>): BinancePayClient;
  /** SIGTERM (or another signal) and wait for the exit */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Environment of a child: ours, minus any BPAY_*, PORT or DATABASE_URL that could leak in. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('BPAY_') || name === 'PORT' || name === 'HOST' || name === 'DATABASE_URL' || name === 'LOG_LEVEL') continue;
    out[name] = value;
  }
  return { ...out, LOG_LEVEL: 'warn', BPAY_ADMIN_TOKEN: ADMIN_TOKEN, BPAY_SECRET_KEY: SECRET_KEY, ...env };
}

export async function startServerProcess(env: Record<string, string>, args: string[] = ['--no-demo'], startTimeoutMs = 45_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['bin/bpay.mjs', 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));

  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`bpay serve did not start within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
    const check = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        done(m[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`bpay serve exited (${code ?? signal}) before listening:\n${output}`));
    });
  });

  const admin = async <T>(method: string, path: string, body?: unknown): Promise<AdminResponse<T>> => {
    const response = await fetch(`${url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { httpStatus: response.status, body: (await response.json()) as AdminResponse<T>['body'] };
  };

  return {
    url,
    child,
    output: () => output,
    exited,
    admin,
    async adminOk<T>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await admin<T>(method, path, body);
      if (r.body.status !== 'SUCCESS') throw new Error(`admin ${method} ${path} on ${url} failed: HTTP ${r.httpStatus} ${JSON.stringify(r.body)}`);
      return r.body.data as T;
    },
    client(creds, options = {}) {
      return new BinancePayClient({ apiKey: creds.apiKey, apiSecret: creds.apiSecret, baseUrl: url, ...options });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface ReceivedAttempt {
  nonce: string;
  body: string;
  headers: IncomingHttpHeaders;
}

export interface RecordingReceiver {
  url: string;
  received: ReceivedAttempt[];
  /** how many requests carried this nonce (each attempt has its own) */
  countNonce(nonce: string): number;
  /** decides the answer; may delay it */
  answer: (request: ReceivedAttempt, seenBodyBefore: number) => Promise<{ status: number; body: string }> | { status: number; body: string };
  close(): Promise<void>;
}

export const ACK = '{"returnCode":"SUCCESS","returnMessage":null}';

/** A webhook receiver that records every request by its BinancePay-Nonce and answers as `answer` says (ACK by default). */
export async function startRecordingReceiver(): Promise<RecordingReceiver> {
  const bodies = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedAttempt = { nonce: String(req.headers['binancepay-nonce'] ?? ''), body, headers: req.headers };
      receiver.received.push(request);
      const seen = bodies.get(body) ?? 0;
      bodies.set(body, seen + 1);
      void Promise.resolve(receiver.answer(request, seen)).then(
        (a) => {
          if (res.destroyed) return;
          res.writeHead(a.status, { 'content-type': 'application/json' });
          res.end(a.body);
        },
        () => res.destroy(),
      );
    });
  });
  const receiver: RecordingReceiver = {
    url: '',
    received: [],
    countNonce: (nonce) => receiver.received.filter((r) => r.nonce === nonce).length,
    answer: () => ({ status: 200, body: ACK }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  receiver.url = `http://127.0.0.1:${address.port}/hook`;
  return receiver;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}



/** Every webhook event of a merchant, newest first (pages of 500). */
export async function allEvents(node: Pick<ServerProcess, 'adminOk'>, merchantId: number): Promise<EventView[]> {
  const out: EventView[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await node.adminOk<EventView[]>('GET', `/webhooks?merchantId=${merchantId}&limit=500${before ? `&before=${before}` : ''}`);
    out.push(...page);
    if (page.length < 500) return out;
    before = page.at(-1)?.eventId;
  }
}
