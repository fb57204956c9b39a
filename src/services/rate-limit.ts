/**
 * Optional per-API-key request limit on the Binance Pay surface (BPAY_RATE_LIMIT, off by default).
 * Binance documents no rate limit (fact sheet §7.6); this lets integrators test their back-off.
 *
 * A token bucket per API key, in this process's memory: `limit` requests per `windowMs` on
 * average, bursts of up to `limit`. It runs after authentication, so only real keys get a bucket
 * (the map is bounded by the number of API keys) and nobody can spend another merchant's budget.
 * With several nodes each keeps its own buckets: the limit is per node (docs/deployment.md).
 */
import type { Clock } from '../lib/clock.ts';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly clock: Clock,
  ) {
    if (!(limit >= 1) || !(windowMs >= 1)) throw new RangeError('a rate limit needs limit >= 1 and windowMs >= 1');
  }

  /** Takes one request from `key`'s budget: 0 when allowed, else how many ms until one is. */
  take(key: string): number {
    const nowMs = this.clock.now();
    const bucket = this.buckets.get(key);
    if (!bucket) {
      this.buckets.set(key, { tokens: this.limit - 1, updatedMs: nowMs });
      return 0;
    }
    const elapsed = Math.max(0, nowMs - bucket.updatedMs);
    bucket.tokens = Math.min(this.limit, bucket.tokens + (elapsed * this.limit) / this.windowMs);
    bucket.updatedMs = nowMs;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * this.windowMs) / this.limit));
  }

  /** "100 requests per 1s" */
  describe(): string {
    const w = this.windowMs;
    const window = w % 3_600_000 === 0 ? `${w / 3_600_000}h` : w % 60_000 === 0 ? `${w / 60_000}m` : w % 1000 === 0 ? `${w / 1000}s` : `${w}ms`;
    return `${this.limit} requests per ${window}`;
  }
}
