/**
 * The bench report: the machine, every scenario's numbers with its ratio to hello-world, the
 * targets of issue 8 with pass/fail, as markdown (for people and docs) and JSON (for tools).
 */
import { execSync } from 'node:child_process';
import { cpus, freemem, release, tmpdir, totalmem, availableParallelism } from 'node:os';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Outcome } from '../scenarios.ts';
import { PG_URL } from './databases.ts';
import type { CpuUse } from './cpu.ts';
import type { LoadSettings } from './load.ts';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  freeMemoryGb: number;
  kernel: string;
  node: string;
  disk: string;
  sqlite: string;
  postgres: string;
  commit: string;
}

function sh(command: string): string {
  try {
    return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export async function describeMachine(): Promise<Machine> {
  let postgres = 'unreachable';
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    postgres = String((await client.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v ?? '?');
  } catch {
    // reported as unreachable
  } finally {
    await client.end().catch(() => undefined);
  }
  const mem = new BetterSqlite3(':memory:');
  const sqlite = String(mem.prepare('select sqlite_version()').pluck().get());
  mem.close();
  const df = sh(`df -PTh ${tmpdir()} | tail -1`).split(/\s+/);
  const device = df[0] ?? '?';
  const rotational = sh(`lsblk -ndo ROTA ${device} 2>/dev/null`);
  const dirty = sh('git status --porcelain') !== '';
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? '?',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGb: Math.round((freemem() / 2 ** 30) * 10) / 10,
    kernel: `Linux ${release()}`,
    node: process.version,
    disk: `${tmpdir()} on ${device} (${df[1] ?? '?'}, ${df[2] ?? '?'}${rotational === '0' ? ', SSD/virtual' : rotational === '1' ? ', rotational' : ''})`,
    sqlite,
    postgres,
    commit: `${sh('git rev-parse --short HEAD') || '?'}${dirty ? ' + uncommitted changes' : ''}`,
  };
}

export interface Target {
  target: string;
  measured: string;
  pass: boolean | undefined;
}

function find(outcomes: Outcome[], scenario: string, dialect: string): Outcome | undefined {
  return outcomes.find((o) => o.scenario === scenario && o.dialect === dialect);
}

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const ms = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const int = (x: number) => Math.round(x).toLocaleString('en');
const cpuText = (c: CpuUse | undefined) => (c ? `${c.server.toFixed(2)} / ${c.bench.toFixed(2)} / ${c.other.toFixed(2)}${c.steal >= 0.05 ? ` (steal ${c.steal.toFixed(2)})` : ''}` : '–');

export function evaluateTargets(outcomes: Outcome[]): Target[] {
  const targets: Target[] = [];
  const hello = find(outcomes, 'hello', 'reference')?.load?.requestsPerSecond;
  const ratioTarget = (scenario: string, goal: number) => {
    const o = find(outcomes, scenario, 'sqlite')?.load;
    const ratio = o && hello ? o.requestsPerSecond / hello : undefined;
    targets.push({
      target: `${scenario} ≥ ${pct(goal)} of hello-world (SQLite)`,
      measured: ratio === undefined ? 'not run' : `${pct(ratio)} (${int(o?.requestsPerSecond ?? 0)} vs ${int(hello ?? 0)} req/s)`,
      pass: ratio === undefined ? undefined : ratio >= goal,
    });
  };
  ratioTarget('createOrder', 0.5);
  ratioTarget('queryOrder', 0.7);
  for (const scenario of ['createOrder', 'queryOrder', 'pay', 'refund']) {
    const s = find(outcomes, scenario, 'sqlite')?.load;
    const p = find(outcomes, scenario, 'postgres')?.load;
    const factor = s && p ? s.requestsPerSecond / p.requestsPerSecond : undefined;
    targets.push({
      target: `${scenario}: PostgreSQL within 2× of SQLite (req/s)`,
      measured: factor === undefined ? 'not run' : `SQLite ${factor >= 1 ? `${factor.toFixed(2)}× faster` : `${(1 / factor).toFixed(2)}× slower`} (${int(s?.requestsPerSecond ?? 0)} vs ${int(p?.requestsPerSecond ?? 0)} req/s)`,
      pass: factor === undefined ? undefined : factor <= 2,
    });
  }
  for (const dialect of ['sqlite', 'postgres']) {
    const w = find(outcomes, 'webhook', dialect)?.webhook;
    targets.push({
      target: `pay → webhook p50 < 20 ms, p99 < 100 ms (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
      measured: w ? `p50 ${ms(w.latencyP50Ms)} ms, p99 ${ms(w.latencyP99Ms)} ms` : 'not run',
      pass: w ? w.latencyP50Ms < 20 && w.latencyP99Ms < 100 && w.delivered === w.payments : undefined,
    });
  }
  for (const dialect of ['sqlite', 'postgres']) {
    const d = find(outcomes, 'backlog', dialect)?.drain;
    targets.push({
      target: `webhook backlog drains at ≥ 1,000 deliveries/s to a fast local receiver (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
      measured: d ? `${int(d.perSecond)}/s (${d.delivered} of ${d.events} in ${d.seconds.toFixed(1)} s)` : 'not run',
      pass: d ? d.perSecond >= 1000 && d.delivered === d.events : undefined,
    });
  }
  const servers = outcomes.filter((o) => o.dialect !== 'reference');
  const peak = servers.reduce<Outcome | undefined>((max, o) => (!max || o.rss.peakMb > max.rss.peakMb ? o : max), undefined);
  targets.push({
    target: 'server RSS < 200 MB (peak of every bpay process)',
    measured: peak ? `max ${peak.rss.peakMb.toFixed(0)} MB (${peak.scenario}, ${peak.dialect})` : 'not run',
    pass: peak ? peak.rss.peakMb < 200 : undefined,
  });
  for (const dialect of ['sqlite', 'postgres']) {
    // latency is compared at the same fixed rate below saturation (open-loop probe); the saturating
    // runs' throughput is shown beside it: at saturation latency is queueing, a throughput ratio
    const smallOutcome = find(outcomes, 'queryOrder', dialect);
    const small = smallOutcome?.probe;
    const big = find(outcomes, 'scale', dialect);
    const ratio = small && big?.probe ? big.probe.latencyP50Ms / small.latencyP50Ms : undefined;
    targets.push({
      target: `queryOrder p50 at ${big ? int(Number(big.info.orders)) : '1M'} orders within 1.2× of 1k, at ${small?.rate ?? big?.probe?.rate ?? 500} req/s (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
      measured:
        ratio === undefined
          ? 'not run'
          : `${ratio.toFixed(2)}× (p50 ${ms(big?.probe?.latencyP50Ms)} vs ${ms(small?.latencyP50Ms)} ms, p99 ${ms(big?.probe?.latencyP99Ms)} vs ${ms(small?.latencyP99Ms)} ms; saturated: ${int(big?.load?.requestsPerSecond ?? 0)} vs ${int(smallOutcome?.load?.requestsPerSecond ?? 0)} req/s)`,
      pass: ratio === undefined ? undefined : ratio <= 1.2,
    });
  }
  const failedChecks = outcomes.flatMap((o) => o.checks.filter((c) => !c.ok).map((c) => `${o.scenario}/${o.dialect}: ${c.what}`));
  targets.push({
    target: 'correctness checks after every run (database = answers, ledger verify)',
    measured: failedChecks.length === 0 ? `${outcomes.reduce((n, o) => n + o.checks.length, 0)} checks hold` : failedChecks.join('; '),
    pass: outcomes.length === 0 ? undefined : failedChecks.length === 0,
  });
  return targets;
}

export interface Report {
  generatedAt: string;
  mode: string;
  settings: LoadSettings;
  machine: Machine;
  outcomes: Outcome[];
  targets: Target[];
  totalSeconds: number;
}

const DB_NAME: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL', reference: '—' };
const mark = (pass: boolean | undefined) => (pass === undefined ? '–' : pass ? '✅ pass' : '❌ miss');

export function toMarkdown(r: Report): string {
  const hello = find(r.outcomes, 'hello', 'reference')?.load?.requestsPerSecond;
  const lines: string[] = [];
  lines.push(`# Benchmark results`, '');
  lines.push(`Generated ${r.generatedAt} by \`npm run bench${r.mode === 'full' ? '' : ` -- ${r.mode}`}\` in ${Math.round(r.totalSeconds)} s (commit ${r.machine.commit}).`, '');
  lines.push(`Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB RAM, ${r.machine.kernel}, Node ${r.machine.node}, SQLite ${r.machine.sqlite}, PostgreSQL ${r.machine.postgres} (same machine), disk ${r.machine.disk}.`);
  lines.push(`Load: autocannon, ${r.settings.connections} connections, no pipelining, ${r.settings.warmupSeconds} s warm-up then ${r.settings.durationSeconds} s (finite pools: a fixed number of requests), from the same machine.`, '');
  lines.push('## Targets', '', '| Target | Measured | Result |', '|---|---|---|');
  for (const t of r.targets) lines.push(`| ${t.target} | ${t.measured} | ${mark(t.pass)} |`);
  lines.push('', '## Throughput and latency', '');
  lines.push('CPU columns: cores in use during the measured run by the server process / the bench process (autocannon) / everything else (PostgreSQL, other work on the machine). "busy before": cores other processes used just before the scenario started.', '');
  lines.push('| Scenario | DB | req/s | p50 ms | p99 ms | max ms | RSS peak MB | × hello-world | requests | CPU server / bench / other | busy before |', '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const o of r.outcomes) {
    if (!o.load) continue;
    const l = o.load;
    const ratio = hello ? pct(l.requestsPerSecond / hello) : '–';
    lines.push(`| ${o.scenario} | ${DB_NAME[o.dialect]} | ${int(l.requestsPerSecond)} | ${ms(l.latencyP50Ms)} | ${ms(l.latencyP99Ms)} | ${ms(l.latencyMaxMs)} | ${o.rss.peakMb.toFixed(0)} | ${ratio} | ${int(l.requests)} | ${cpuText(l.cpu)} | ${o.info.busyCoresBefore ?? '–'} |`);
  }
  const hooks = r.outcomes.filter((o) => o.webhook);
  if (hooks.length > 0) {
    lines.push('', '## pay → webhook', '', 'Latency from the start of the pay call to the receipt of its PAY_SUCCESS notification at a local receiver.', '');
    lines.push('| DB | payments | payments/s | delivered | p50 ms | p90 ms | p99 ms | max ms | pay call p50 / p99 ms | RSS peak MB | CPU server / bench / other |', '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const o of hooks) {
      const w = o.webhook;
      if (!w) continue;
      lines.push(`| ${DB_NAME[o.dialect]} | ${w.payments} | ${int(w.paymentsPerSecond)} | ${w.delivered} | ${ms(w.latencyP50Ms)} | ${ms(w.latencyP90Ms)} | ${ms(w.latencyP99Ms)} | ${ms(w.latencyMaxMs)} | ${ms(w.payP50Ms)} / ${ms(w.payP99Ms)} | ${o.rss.peakMb.toFixed(0)} | ${cpuText(w.cpu)} |`);
    }
  }
  const drains = r.outcomes.filter((o) => o.drain);
  if (drains.length > 0) {
    lines.push('', '## Webhook backlog', '', 'Events waiting when a server starts (payments made with no worker running), drained to a local receiver that acknowledges at once.', '');
    lines.push('| DB | events | delivered | seconds | deliveries/s | RSS peak MB |', '|---|--:|--:|--:|--:|--:|');
    for (const o of drains) {
      const d = o.drain;
      if (!d) continue;
      lines.push(`| ${DB_NAME[o.dialect]} | ${d.events} | ${d.delivered} | ${d.seconds.toFixed(1)} | ${int(d.perSecond)} | ${o.rss.peakMb.toFixed(0)} |`);
    }
  }
  const scale = r.outcomes.filter((o) => o.scenario === 'scale');
  if (scale.length > 0) {
    lines.push(
      '',
      '## Data scale',
      '',
      'Query latency at a fixed rate (open loop, measured by the client) and the saturating run, against queryOrder over 1,000 orders.',
      '',
      '| DB | orders | bulk seed | rows/s | rate req/s | p50 ms | p99 ms | mean ms | p50 vs 1k orders | saturated req/s | vs 1k orders |',
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const o of scale) {
      const small = find(r.outcomes, 'queryOrder', o.dialect);
      const l = o.load;
      const p = o.probe;
      if (!l || !p) continue;
      const latencyRatio = small?.probe ? `${(p.latencyP50Ms / small.probe.latencyP50Ms).toFixed(2)}×` : '–';
      const throughputRatio = small?.load ? `${(l.requestsPerSecond / small.load.requestsPerSecond).toFixed(2)}×` : '–';
      lines.push(
        `| ${DB_NAME[o.dialect]} | ${int(Number(o.info.orders))} | ${o.info.seedSeconds} s | ${int(Number(o.info.seedRowsPerSecond))} | ${p.rate} | ${ms(p.latencyP50Ms)} | ${ms(p.latencyP99Ms)} | ${ms(p.latencyMeanMs)} | ${latencyRatio} | ${int(l.requestsPerSecond)} | ${throughputRatio} |`,
      );
    }
  }
  lines.push('', '## Scenarios', '');
  for (const o of r.outcomes) {
    const runs = o.info.runs ? ` Runs: ${o.info.runs} (the median run is shown; RSS is the highest peak of all).` : '';
    lines.push(`- **${o.scenario}** (${DB_NAME[o.dialect]}): ${o.label}.${runs} Checks: ${o.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.what}`).join('; ')}.`);
  }
  lines.push('');
  return lines.join('\n');
}
