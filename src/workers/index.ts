import type { ServiceDeps } from '../services/deps.ts';
import { pruneNonces } from '../store/nonces-repo.ts';
import { startLoop, type Loop } from './loop.ts';

export interface Workers {
  loops: Loop[];
  stop(): Promise<void>;
  /** One pass of every worker, in order (time control runs this after moving the clock). */
  runAll(): Promise<void>;
}

export function startWorkers(deps: ServiceDeps, intervalMs: number): Workers {
  const loops: Loop[] = [
    startLoop('nonce-pruner', Math.max(intervalMs, 30_000), () => pruneNonces(deps.store, deps.wallClock.now()), deps.log),
  ];
  return {
    loops,
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
    async runAll() {
      for (const l of loops) await l.runOnce();
    },
  };
}
