/**
 * The processes a bench run starts: `bpay serve` (one fresh process per scenario and dialect) and
 * the hello-world reference server. Each prints the URL it listens on; RSS is read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
/** A fixed master key: a data dir seeded by the bench is readable by the next server started on it. */
export const SECRET_KEY = 'bench-secret-key-0123456789abcdef0123456789';

export interface Rss {
  /** resident set now, MB */
  rssMb: number;
  /** peak resident set since the process started (VmHWM), MB */
  peakMb: number;
}

export interface ServerProcess {
  url: string;
  pid: number;
  rss(): Rss;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills what is still running (Ctrl-C, a failed scenario). */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export function readRss(pid: number): Rss {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return { rssMb: 0, peakMb: 0 };
  }
}

/** Another checkout to run `bpay serve` from (before/after comparisons); default this one. */
export const SERVER_ROOT = process.env.BENCH_SERVER_ROOT ? resolve(process.env.BENCH_SERVER_ROOT) : ROOT;

async function startProcess(name: string, args: string[], env: Record<string, string | undefined>, pattern: RegExp, timeoutMs = 60_000, cwd = ROOT): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = pattern.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        done(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited (${code}) before listening:\n${output.slice(-2000)}`));
    });
  });
  // keep draining the pipes so a chatty server never blocks on a full pipe
  child.stdout?.removeAllListeners('data');
  child.stdout?.on('data', () => undefined);
  child.stderr?.on('data', (chunk: Buffer) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${chunk.toString('utf8')}`);
  });
  const pid = child.pid ?? 0;
  return {
    url,
    pid,
    rss: () => readRss(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return void live.delete(child);
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
      live.delete(child);
    },
  };
}

export interface BpayOptions {
  dataDir: string;
  /** postgres://… ; SQLite in dataDir otherwise */
  databaseUrl?: string | undefined;
  env?: Record<string, string>;
  /** extra node flags, e.g. --cpu-prof */
  nodeArgs?: string[];
}

/** The node flags `npm start` runs bpay with (package.json `start`), so the bench measures the same process. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(SERVER_ROOT, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const match = /^node((?:\s+--\S+)*)\s+bin\/bpay\.mjs\b/.exec(pkg.scripts?.start ?? '');
  return match?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

/** `node bin/bpay.mjs serve` on a free port with `npm start`'s node flags, as an operator would start it (demo off, quiet log). */
export function startBpay(options: BpayOptions): Promise<ServerProcess> {
  return startProcess(
    'bpay',
    [...startFlags(), ...(options.nodeArgs ?? []), 'bin/bpay.mjs', 'serve', '--port', '0', '--no-demo'],
    {
      BPAY_DATA_DIR: options.dataDir,
      DATABASE_URL: options.databaseUrl ?? '',
      BPAY_ADMIN_TOKEN: ADMIN_TOKEN,
      BPAY_SECRET_KEY: SECRET_KEY,
      BPAY_DEMO: 'false',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    /listening on (http:\/\/[^\s]+)/,
    60_000,
    SERVER_ROOT,
  );
}

/** The reference: a bare Fastify hello-world POST server (bench/hello-server.mjs, plain JavaScript like the bundled bpay). */
export function startHello(nodeArgs: string[] = []): Promise<ServerProcess> {
  return startProcess('hello', [...nodeArgs, 'bench/hello-server.mjs'], {}, /listening on (http:\/\/[^\s]+)/);
}
