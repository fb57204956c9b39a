/**
 * Time is injected (ARCHITECTURE.md principle 7). Business code reads `clock.now()`; only this
 * module touches the wall clock.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * The sandbox's business clock: a base clock plus an offset that the admin API can move forward
 * (time control: expire orders, run webhook retries, age email payouts without waiting).
 * Request timestamps are still checked against the base clock, so clients keep working. The offset
 * is shared through the database; each process follows it with `catchUp`.
 */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  constructor(readonly base: Clock) {}
  /** Real time: request timestamp windows, leases, sessions, the `BinancePay-Timestamp` of webhooks. */
  get wall(): Clock {
    return this.base;
  }
  now(): number {
    return this.base.now() + this.offsetMs;
  }
  get offset(): number {
    return this.offsetMs;
  }
  setOffset(ms: number): void {
    this.offsetMs = ms;
  }
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('time only moves forward');
    this.offsetMs += ms;
  }
  /** Takes an offset another process set; never moves back (a stale read arriving late is ignored). */
  catchUp(offsetMs: number): void {
    if (offsetMs > this.offsetMs) this.offsetMs = offsetMs;
  }
}
