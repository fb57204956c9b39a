/**
 * One autocannon run, reduced to the numbers the report shows. A warm-up run with the same
 * requests comes first and is discarded (JIT, statement caches, connection pools).
 */
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { startCpuMeter, type CpuUse } from './cpu.ts';

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  latencyMaxMs: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  statusCodes: Record<string, number>;
  /** CPU use during the measured run (cores) */
  cpu?: CpuUse;
}

export interface LoadSpec {
  url: string;
  /** one request template with a setupRequest that makes each request unique */
  request: AutocannonRequest;
  /** run exactly this many requests instead of for durationSeconds (finite pools: payments, refunds) */
  amount?: number;
  /** requests the warm-up may use when the pool is finite */
  warmupAmount?: number;
  /** the server process, for its CPU use */
  serverPid?: number;
}

function reduce(r: AutocannonResult): LoadResult {
  const total = r['2xx'] + r.non2xx;
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = Number(stat.count);
  return {
    requestsPerSecond: r.duration > 0 ? total / r.duration : 0,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMeanMs: r.latency.mean,
    latencyMaxMs: r.latency.max,
    requests: total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationSeconds: r.duration,
    statusCodes,
  };
}

async function once(spec: LoadSpec, settings: LoadSettings, duration: number, amount: number | undefined): Promise<AutocannonResult> {
  const startedAt = performance.now();
  let lastResponseAt = startedAt;
  const instance = autocannon({
    url: spec.url,
    connections: amount !== undefined ? Math.min(settings.connections, amount) : settings.connections,
    pipelining: 1,
    timeout: 30,
    ...(amount !== undefined ? { amount } : { duration }),
    requests: [{ ...spec.request }],
  });
  instance.on('response', () => {
    lastResponseAt = performance.now();
  });
  const result = await instance;
  // autocannon notices that a fixed number of requests is done only at its next one-second tick,
  // so its duration is rounded up to whole seconds: 6,000 payments in 11.1 s read as 500 req/s
  if (amount !== undefined && lastResponseAt > startedAt) result.duration = (lastResponseAt - startedAt) / 1000;
  return result;
}

/** Warm-up (discarded), then the measured run. */
export async function runLoad(spec: LoadSpec, settings: LoadSettings): Promise<{ result: LoadResult; warmup: LoadResult | undefined }> {
  let warmup: LoadResult | undefined;
  if (settings.warmupSeconds > 0 && (spec.amount === undefined || (spec.warmupAmount ?? 0) > 0)) {
    warmup = reduce(await once(spec, settings, settings.warmupSeconds, spec.amount === undefined ? undefined : spec.warmupAmount));
  }
  const meter = startCpuMeter(spec.serverPid);
  const result = reduce(await once(spec, settings, settings.durationSeconds, spec.amount));
  result.cpu = meter.stop();
  return { result, warmup };
}
