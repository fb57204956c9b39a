/**
 * The background workers, driven by the injected clock. The composition root creates them; main.ts
 * starts the loops; time control and tests run one pass of all of them with `runAll`.
 */
import type { ServiceDeps } from '../services/deps.ts';
import { expireDueOrders } from '../services/orders.ts';
import { processPayouts } from '../services/payouts.ts';
import { processPendingRefunds } from '../services/refunds.ts';
import { pruneExpired } from '../services/maintenance.ts';
import { syncClock } from '../services/time-control.ts';
import { startLoop, type Loop } from './loop.ts';

interface Job {
  name: string;
  /** loop interval relative to the base interval */
  every: (baseMs: number) => number;
  run: () => Promise<unknown>;
}

export interface Workers {
  /** Starts the loops: every job's, or only the clock's on a node that runs no workers (BPAY_WORKERS=false). */
  start(intervalMs: number, options?: { clockOnly?: boolean }): void;
  stop(): Promise<void>;
  /** One pass of every job, in order. */
  runAll(): Promise<void>;
  /**
   * Starts the webhook dispatcher's next pass now instead of at its next interval: called after a
   * commit that enqueued events, so delivery starts at once. Does nothing unless the loops run.
   */
  wakeDispatcher(): void;
}

export function createWorkers(deps: ServiceDeps): Workers {
  const jobs: Job[] = [
    // first: another node may have moved the shared sandbox clock (time control)
    { name: 'clock-sync', every: (b) => b, run: () => syncClock(deps) },
    { name: 'order-expiry', every: (b) => b, run: () => expireDueOrders(deps) },
    { name: 'refunds', every: (b) => b, run: () => processPendingRefunds(deps) },
    { name: 'payouts', every: (b) => b, run: () => processPayouts(deps) },
    // after the jobs that enqueue events, so one pass (time control) also delivers what they wrote
    { name: 'webhook-dispatch', every: (b) => b, run: () => deps.webhooks.dispatchDue() },
    { name: 'pruner', every: (b) => Math.max(b, 30_000), run: () => pruneExpired(deps) },
  ];
  let loops: Loop[] = [];
  return {
    start(intervalMs, options = {}) {
      if (loops.length > 0) return;
      loops = jobs.filter((j) => !options.clockOnly || j.name === 'clock-sync').map((j) => startLoop(j.name, j.every(intervalMs), j.run, deps.log));
    },
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      loops = [];
    },
    async runAll() {
      for (const j of jobs) await j.run();
    },
    wakeDispatcher() {
      loops.find((l) => l.name === 'webhook-dispatch')?.wake();
    },
  };
}
