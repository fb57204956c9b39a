/**
 * pay → webhook: a local receiver (node:http, in the bench process, so sender and receiver share
 * one clock) acknowledges every notification; payments are fired at a fixed rate (open loop: the
 * next payment does not wait for the previous webhook) and each PAY_SUCCESS is matched to its
 * payment by bizIdStr. Latency = receipt of the webhook − start of the pay call.
 */
import { createServer, type Server } from 'node:http';
import { admin } from './api.ts';
import type { CpuUse } from './cpu.ts';

export interface Receiver {
  url: string;
  /** bizIdStr → performance.now() at receipt of the full request */
  received: Map<string, number>;
  duplicates: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received = new Map<string, number>();
  const receiver: Receiver = { url: '', received, duplicates: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { bizIdStr?: string; bizStatus?: string };
        if (body.bizIdStr && body.bizStatus === 'PAY_SUCCESS') {
          if (received.has(body.bizIdStr)) receiver.duplicates++;
          else received.set(body.bizIdStr, at);
        }
      } catch {
        // not ours: still acknowledged
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"returnCode":"SUCCESS","returnMessage":null}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('receiver has no address');
  receiver.url = `http://127.0.0.1:${address.port}/hook`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  };
  return receiver;
}

export interface WebhookResult {
  payments: number;
  paymentsPerSecond: number;
  delivered: number;
  duplicates: number;
  /** webhook receipt − pay call start */
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  latencyMeanMs: number;
  /** the pay call alone */
  payP50Ms: number;
  payP99Ms: number;
  failedPayments: number;
  cpu?: CpuUse;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/** Pays `prepayIds` at `rate` per second and waits (up to waitMs after the last) for their webhooks. */
export async function payAndAwaitWebhooks(baseUrl: string, receiver: Receiver, prepayIds: string[], payers: string[], rate: number, waitMs = 30_000): Promise<WebhookResult> {
  const sent = new Map<string, number>();
  const payLatency: number[] = [];
  let failed = 0;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  let next = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const due = Math.min(prepayIds.length, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
      while (next < due) {
        const i = next++;
        const prepayId = prepayIds[i] ?? '';
        const t0 = performance.now();
        sent.set(prepayId, t0);
        inflight.push(
          admin(baseUrl, 'POST', `/orders/${prepayId}/pay`, { payer: payers[i % payers.length] })
            .then(() => void payLatency.push(performance.now() - t0))
            .catch(() => void failed++),
        );
      }
      if (next >= prepayIds.length) return done();
      setTimeout(tick, 2);
    };
    tick();
  });
  await Promise.all(inflight);
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = performance.now() + waitMs;
  const arrived = () => prepayIds.reduce((n, id) => n + (receiver.received.has(id) ? 1 : 0), 0);
  while (arrived() < prepayIds.length - failed && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));

  const latencies: number[] = [];
  for (const [prepayId, t0] of sent) {
    const at = receiver.received.get(prepayId);
    if (at !== undefined) latencies.push(at - t0);
  }
  latencies.sort((a, b) => a - b);
  payLatency.sort((a, b) => a - b);
  return {
    payments: prepayIds.length,
    paymentsPerSecond: prepayIds.length / sendSeconds,
    delivered: latencies.length,
    duplicates: receiver.duplicates,
    latencyP50Ms: percentile(latencies, 50),
    latencyP90Ms: percentile(latencies, 90),
    latencyP99Ms: percentile(latencies, 99),
    latencyMaxMs: latencies[latencies.length - 1] ?? NaN,
    latencyMeanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    payP50Ms: percentile(payLatency, 50),
    payP99Ms: percentile(payLatency, 99),
    failedPayments: failed,
  };
}
