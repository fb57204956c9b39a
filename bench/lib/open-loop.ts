/**
 * Latency at a fixed request rate (an open loop), measured by the client with sub-millisecond
 * resolution. Unlike a saturating autocannon run, whose latency is mostly queueing (connections ÷
 * throughput) and whose percentiles are whole milliseconds, this says how long one request takes
 * when the server is not overloaded: what "query latency" means in a data-scale comparison.
 */
import { Agent, request } from 'undici';
import { percentile } from './webhook.ts';

export interface RateLatency {
  rate: number;
  requests: number;
  failed: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
}

export interface OpenLoopRequest {
  path: string;
  body: string;
  headers: Record<string, string>;
}

/** Sends `make()` requests at `rate` per second for `seconds`; a request failed unless it answered 2xx. */
export async function latencyAtRate(baseUrl: string, make: () => OpenLoopRequest, rate: number, seconds: number): Promise<RateLatency> {
  const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const inflight: Array<Promise<void>> = [];
  let failed = 0;
  const send = () => {
    const r = make();
    const t0 = performance.now();
    inflight.push(
      request(`${baseUrl}${r.path}`, { method: 'POST', headers: r.headers, body: r.body, dispatcher: agent })
        .then(async (response) => {
          await response.body.dump();
          if (response.statusCode >= 300) failed++;
          else latencies.push(performance.now() - t0);
        })
        .catch(() => void failed++),
    );
  };
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
      while (sent < due) {
        sent++;
        send();
      }
      if (sent >= total) return done();
      setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inflight);
  await agent.close();
  latencies.sort((a, b) => a - b);
  return {
    rate,
    requests: total,
    failed,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    latencyMeanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
  };
}
