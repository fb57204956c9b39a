/**
 * A periodic job: runs `tick` every `intervalMs`, never two at once, logs failures and keeps going.
 * `stop()` waits for a running tick to finish (graceful shutdown).
 */
import type { Logger } from '../services/deps.ts';

export interface Loop {
  name: string;
  stop(): Promise<void>;
  /** Runs one tick now (tests and time control use it). */
  runOnce(): Promise<void>;
  /**
   * Asks for a tick as soon as possible without waiting for the interval (new work was committed):
   * at once when idle, else once more right after the running tick — never two at a time.
   */
  wake(): void;
}

export function startLoop(name: string, intervalMs: number, tick: () => Promise<unknown>, log: Logger): Loop {
  let running: Promise<void> | undefined;
  let stopped = false;
  let again = false;
  const runOnce = (): Promise<void> => {
    if (running) return running;
    running = (async () => {
      try {
        await tick();
      } catch (error) {
        log.error({ err: error, worker: name }, 'worker tick failed');
      } finally {
        running = undefined;
      }
      if (again && !stopped) {
        // work committed while this tick ran may have been missed by it
        again = false;
        void runOnce();
      }
    })();
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void runOnce();
  }, intervalMs);
  timer.unref();
  return {
    name,
    runOnce,
    wake() {
      if (stopped) return;
      if (running) again = true;
      else void runOnce();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
    },
  };
}
