/**
 * The `bpay listen` connections this process holds, and the attempts waiting for a listener's
 * report. In memory and per app (never module-level: tests run several apps in one process); the
 * database registry (webhook_listeners) tells other nodes which merchants are listened to here.
 */
import type { ListenerSink, PushedAttempt } from '../domain/webhook.ts';

export interface LocalListener {
  listenerId: string;
  merchantId: number;
  forwardTo: string | null;
  sink: ListenerSink;
}

/** reported: a report decided the outcome (it is in the database); otherwise the attempt failed. */
export type WaitResult = 'reported' | 'timeout' | 'disconnected' | 'shutdown';

interface Waiter {
  /** listeners the attempt was pushed to that are still connected */
  listeners: Set<string>;
  finish(result: WaitResult): void;
}

/** Starts a timer and answers how to cancel it (tests pass one they fire by hand). */
export type StartTimer = (fire: () => void, ms: number) => () => void;

const realTimer: StartTimer = (fire, ms) => {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
};

export class ListenerHub {
  readonly #startTimer: StartTimer;
  readonly #listeners = new Map<string, LocalListener>();
  readonly #waiters = new Map<string, Waiter>();
  #closed = false;

  constructor(startTimer: StartTimer = realTimer) {
    this.#startTimer = startTimer;
  }

  add(listener: LocalListener): void {
    if (this.#closed) {
      listener.sink.close();
      return;
    }
    this.#listeners.set(listener.listenerId, listener);
  }

  /** A listener went away: attempts only it could answer fail now instead of at their timeout. */
  remove(listenerId: string): void {
    if (!this.#listeners.delete(listenerId)) return;
    for (const waiter of [...this.#waiters.values()]) {
      if (waiter.listeners.delete(listenerId) && waiter.listeners.size === 0) waiter.finish('disconnected');
    }
  }

  forMerchant(merchantId: number): LocalListener[] {
    return [...this.#listeners.values()].filter((l) => l.merchantId === merchantId);
  }

  merchants(): number[] {
    return [...new Set([...this.#listeners.values()].map((l) => l.merchantId))];
  }

  get size(): number {
    return this.#listeners.size;
  }

  /**
   * Pushes one attempt to every given listener and waits until one of them reports (first report
   * wins), all of them disconnect, or `waitMs` passes.
   */
  push(attempt: PushedAttempt, targets: LocalListener[], waitMs: number): Promise<WaitResult> {
    return new Promise<WaitResult>((resolve) => {
      let done = false;
      const cancel = this.#startTimer(() => finish('timeout'), waitMs);
      const finish = (result: WaitResult) => {
        if (done) return;
        done = true;
        cancel();
        this.#waiters.delete(attempt.attemptId);
        resolve(result);
      };
      const waiter: Waiter = { listeners: new Set(), finish };
      // registered before sending: a fast listener may report before send() returns
      this.#waiters.set(attempt.attemptId, waiter);
      const data = JSON.stringify(attempt);
      for (const target of targets) {
        if (!this.#listeners.has(target.listenerId)) continue;
        waiter.listeners.add(target.listenerId);
        try {
          target.sink.send('attempt', data);
        } catch {
          waiter.listeners.delete(target.listenerId);
        }
      }
      if (this.#closed) finish('shutdown');
      else if (waiter.listeners.size === 0) finish('disconnected');
    });
  }

  /** A report for `attemptId` was recorded (by this node): wake its waiter. */
  signal(attemptId: string): void {
    this.#waiters.get(attemptId)?.finish('reported');
  }

  /** Shutdown: disconnect every listener; waiting attempts fail and are retried later. */
  closeAll(): void {
    this.#closed = true;
    for (const waiter of [...this.#waiters.values()]) waiter.finish('shutdown');
    for (const listener of [...this.#listeners.values()]) {
      try {
        listener.sink.close();
      } catch {
        // already gone
      }
    }
    this.#listeners.clear();
  }
}
