/**
 * `npm run bench [-- options]`: every scenario against a fresh `bpay serve` process on SQLite and
 * on PostgreSQL, with a bare Fastify hello-world as the reference, then the report in
 * bench/results/ (markdown + JSON). See docs/benchmarks.md.
 *
 *   --quick                 short runs and small pools (about 2 minutes), 100k orders for scale
 *   --only a,b              scenarios: hello, createOrder, queryOrder, pay, refund, webhook, backlog, scale
 *   --dialect d             sqlite, postgres or both (default both; PostgreSQL is skipped if unreachable)
 *   --duration s, --warmup s, --connections n, --scale-orders n, --webhook-rate n, --backlog-events n
 *   --profile               the measured servers run with --cpu-prof (profiles in .scratch/profiles)
 *   --node-args="flags"     extra node flags for the measured servers (experiments, e.g. --max-semi-space-size=4)
 *   --no-wait               start each scenario at once, even when other processes keep the machine busy
 *   --repeat n              n rounds of every scenario, interleaved; each scenario reports its median run
 *                           (req/s, or webhook p50), with every run's checks and the highest RSS peak
 *   BENCH_SERVER_ROOT=dir   run `bpay serve` from another checkout (before/after comparisons)
 *   BENCH_DATABASE_URL=url  the PostgreSQL server to create bench databases on
 *   --out name              report name in bench/results (default latest for a full run, partial otherwise);
 *                           a path with a slash is relative to the repository root (e.g. .scratch/ab/x)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { closeAgent } from './lib/api.ts';
import { checkpointPostgres, dropAll, postgresReachable, type Dialect } from './lib/databases.ts';
import { waitForQuiet } from './lib/cpu.ts';
import { killAll, ROOT } from './lib/processes.ts';
import { describeMachine, evaluateTargets, toMarkdown, type Report } from './lib/report.ts';
import {
  createOrderScenario,
  helloWorld,
  payScenario,
  queryOrderScenario,
  refundScenario,
  scaleScenario,
  SCENARIOS,
  webhookScenario,
  backlogScenario,
  type BenchContext,
  type Outcome,
  type ScenarioName,
} from './scenarios.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    dialect: { type: 'string', default: 'both' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    'scale-orders': { type: 'string' },
    'webhook-rate': { type: 'string' },
    'backlog-events': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-wait': { type: 'boolean', default: false },
    'node-args': { type: 'string' },
    repeat: { type: 'string' },
    out: { type: 'string' },
  },
});

const quick = values.quick ?? false;
const repeat = Number(values.repeat ?? 1);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat takes a whole number of rounds, got ${values.repeat}`);
const only = values.only ? (values.only.split(',').map((s) => s.trim()) as ScenarioName[]) : [...SCENARIOS];
for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; known: ${SCENARIOS.join(', ')}`);
const dialects: Dialect[] = values.dialect === 'both' ? ['sqlite', 'postgres'] : [values.dialect as Dialect];

const started = performance.now();
const log = (message: string) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
const profileDir = join(ROOT, '.scratch', 'profiles');
if (values.profile) mkdirSync(profileDir, { recursive: true });

const ctx: BenchContext = {
  load: {
    connections: Number(values.connections ?? 32),
    durationSeconds: Number(values.duration ?? (quick ? 3 : 10)),
    warmupSeconds: Number(values.warmup ?? (quick ? 1 : 2)),
  },
  sizes: {
    payments: quick ? 1500 : 6000,
    refundOrders: quick ? 300 : 1000,
    webhookPayments: quick ? 150 : 600,
    webhookRate: Number(values['webhook-rate'] ?? 50),
    backlogEvents: Number(values['backlog-events'] ?? (quick ? 2000 : 10_000)),
    scaleOrders: Number(values['scale-orders'] ?? (quick ? 100_000 : 1_000_000)),
    probeRate: 500,
    probeSeconds: quick ? 2 : 6,
  },
  nodeArgs: [...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...(values['node-args']?.split(/\s+/).filter(Boolean) ?? [])],
  log,
};

const cleanup = async () => {
  killAll();
  await dropAll();
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function main(): Promise<void> {
  const pgProblem = dialects.includes('postgres') ? await postgresReachable() : undefined;
  if (pgProblem) log(`PostgreSQL unreachable (${pgProblem}): its scenarios are skipped`);
  const active = dialects.filter((d) => d === 'sqlite' || !pgProblem);
  log(`scenarios ${only.join(', ')} on ${active.join(', ')}; ${ctx.load.connections} connections, ${ctx.load.warmupSeconds} s warm-up + ${ctx.load.durationSeconds} s`);

  // every run of each scenario (several with --repeat), in the order first run
  const runsOf = new Map<string, Outcome[]>();
  // other work on this machine skews every number: wait for it to stop (up to 2 min) and say so
  let busyBefore = 0;
  const quiet = async () => {
    if (values['no-wait']) {
      busyBefore = 0;
      return;
    }
    // what earlier scenarios left to write (a million seeded orders) is written now, not while this one runs
    if (active.includes('postgres')) await checkpointPostgres();
    spawnSync('sync', { stdio: 'ignore' });
    busyBefore = await waitForQuiet(0.35, quick ? 30_000 : 120_000, log);
  };
  const record = (o: Outcome) => {
    o.info.busyCoresBefore = Math.round(busyBefore * 100) / 100;
    runsOf.set(`${o.scenario}|${o.dialect}`, [...(runsOf.get(`${o.scenario}|${o.dialect}`) ?? []), o]);
    const l = o.load;
    const w = o.webhook;
    const cpu = l?.cpu ?? w?.cpu;
    const numbers = l
      ? `${Math.round(l.requestsPerSecond)} req/s, p50 ${l.latencyP50Ms} ms, p99 ${l.latencyP99Ms} ms${o.probe ? ` (at ${o.probe.rate} req/s: p50 ${o.probe.latencyP50Ms.toFixed(2)} ms, p99 ${o.probe.latencyP99Ms.toFixed(2)} ms)` : ''}`
      : w
        ? `webhook p50 ${w.latencyP50Ms.toFixed(1)} ms, p99 ${w.latencyP99Ms.toFixed(1)} ms, ${w.delivered}/${w.payments} delivered`
        : o.drain
          ? `${Math.round(o.drain.perSecond)} deliveries/s (${o.drain.delivered}/${o.drain.events} in ${o.drain.seconds.toFixed(1)} s)`
          : '';
    const failed = o.checks.filter((c) => !c.ok).map((c) => c.what);
    const rate = l?.requestsPerSecond ?? w?.paymentsPerSecond ?? 0;
    const where = cpu ? `, CPU server ${cpu.server} / bench ${cpu.bench} / other ${cpu.other} / steal ${cpu.steal} cores (server ${Math.round((cpu.server / Math.max(rate, 1)) * 1e6)} µs/request)` : '';
    log(`  ${o.scenario} [${o.dialect}]: ${numbers}, RSS peak ${o.rss.peakMb.toFixed(0)} MB${where}${failed.length ? `; CHECK FAILED: ${failed.join('; ')}` : ''}`);
  };

  const runs: Array<[ScenarioName, (d: Dialect) => Promise<Outcome>]> = [
    ['createOrder', (d) => createOrderScenario(ctx, d)],
    ['queryOrder', (d) => queryOrderScenario(ctx, d)],
    ['pay', (d) => payScenario(ctx, d)],
    ['refund', (d) => refundScenario(ctx, d)],
    ['webhook', (d) => webhookScenario(ctx, d)],
    ['backlog', (d) => backlogScenario(ctx, d)],
    ['scale', (d) => scaleScenario(ctx, d)],
  ];
  for (let round = 1; round <= repeat; round++) {
    const of = repeat > 1 ? ` (round ${round} of ${repeat})` : '';
    if (only.includes('hello')) {
      log(`hello-world reference${of}`);
      await quiet();
      record(await helloWorld(ctx));
    }
    for (const dialect of active) {
      for (const [name, run] of runs) {
        if (!only.includes(name)) continue;
        log(`${name} on ${dialect}${of}`);
        await quiet();
        record(await run(dialect));
      }
    }
  }
  const outcomes = [...runsOf.values()].map(medianRun);

  const full = !quick && !values.only && values.dialect === 'both' && !values.duration && !values.connections && !values['scale-orders'] && !values['node-args'] && !values.profile;
  const report: Report = {
    generatedAt: new Date().toISOString(),
    mode: full && repeat === 1 ? 'full' : process.argv.slice(2).join(' '),
    settings: ctx.load,
    machine: await describeMachine(),
    outcomes,
    targets: evaluateTargets(outcomes),
    totalSeconds: (performance.now() - started) / 1000,
  };
  // a bare name goes to bench/results/; a path (with a slash) is taken from the repository root
  const out = values.out ?? (full ? 'latest' : 'partial');
  const base = out.includes('/') ? join(ROOT, out) : join(ROOT, 'bench', 'results', out);
  mkdirSync(dirname(base), { recursive: true });
  const markdown = toMarkdown(report);
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write('\n' + markdown);
  log(`report written to ${relative(ROOT, base)}.md and .json`);
}

/**
 * One scenario's runs as one outcome: the median run by throughput (webhook: by p50 latency), with
 * the checks of every run (one failing run fails the scenario) and the highest RSS peak of any.
 */
function medianRun(runs: Outcome[]): Outcome {
  const score = (o: Outcome) => o.load?.requestsPerSecond ?? o.drain?.perSecond ?? -(o.webhook?.latencyP50Ms ?? 0);
  const sorted = [...runs].sort((a, b) => score(a) - score(b));
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as Outcome;
  if (runs.length === 1) return median;
  const metric = (o: Outcome) => (o.load ? `${Math.round(o.load.requestsPerSecond)} req/s` : o.drain ? `${Math.round(o.drain.perSecond)} deliveries/s` : `p50 ${o.webhook?.latencyP50Ms.toFixed(1)} ms`);
  return {
    ...median,
    checks: runs.flatMap((o, i) => o.checks.map((c) => ({ ...c, what: `${c.what} (run ${i + 1})` }))),
    rss: { ...median.rss, peakMb: Math.max(...runs.map((o) => o.rss.peakMb)) },
    info: { ...median.info, runs: runs.map(metric).join(' / ') },
  };
}

try {
  await main();
} finally {
  await closeAgent();
  await cleanup();
}
