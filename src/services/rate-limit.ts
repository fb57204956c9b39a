/**
 * Optional per-API-key request limit on the Binance Pay surface (BPAY_RATE_LIMIT, off by default).
 * Binance documents no rate limit (fact sheet §7.6); this lets integrators test their back-off.
 *
 * A token bucket per API key: `limit` requests per `windowMs` on average, bursts of up to `limit`.
 * The bucket is a database row shared by every node (migration 0010), so the limit holds for the
 * cluster. Each node leases whole tokens from it in chunks of a tenth of the limit (at least one)
 * and spends them locally, so a request costs a database write only once per chunk. Tokens a node
 * leased and did not spend lapse after the time one chunk takes to refill: a node never spends
 * tokens that are long stale, so the cluster admits at most one chunk per node beyond a full
 * bucket, briefly. The limiter runs after authentication, so only real keys get a bucket (their
 * number bounds the map and the table) and nobody can spend another merchant's budget.
 */
import type { Clock } from '../lib/clock.ts';
import type { Store } from '../store/db.ts';
import { leaseTokens, type BucketRule } from '../store/rate-limit-repo.ts';

interface Held {
  /** leased tokens this node may still spend */
  tokens: number;
  /** when they lapse (base clock) */
  lapseAtMs: number;
  /** the lease in flight for this key, shared by every request waiting for it */
  leasing?: Promise<number> | undefined;
}

export class RateLimiter {
  private readonly held = new Map<string, Held>();
  private readonly rule: BucketRule;
  /** tokens leased at a time */
  readonly chunk: number;
  private readonly leaseTtlMs: number;

  constructor(
    private readonly store: Store,
    readonly limit: number,
    readonly windowMs: number,
    private readonly clock: Clock,
  ) {
    if (!(limit >= 1) || !(windowMs >= 1)) throw new RangeError('a rate limit needs limit >= 1 and windowMs >= 1');
    this.rule = { capacity: limit, refillPerMs: limit / windowMs };
    this.chunk = Math.max(1, Math.floor(limit / 10));
    this.leaseTtlMs = Math.max(1, Math.ceil(this.chunk / this.rule.refillPerMs));
  }

  /** Takes one request from `key`'s budget: 0 when allowed, else how many ms until one is. */
  async take(key: string): Promise<number> {
    let held = this.held.get(key);
    if (!held) this.held.set(key, (held = { tokens: 0, lapseAtMs: 0 }));
    for (;;) {
      if (held.tokens >= 1 && this.clock.now() < held.lapseAtMs) {
        held.tokens -= 1;
        return 0;
      }
      if (held.leasing) {
        // another request of this key is leasing: wait for its tokens, then try again
        const retryAfterMs = await held.leasing;
        if (retryAfterMs > 0 && held.tokens < 1) return retryAfterMs;
        continue;
      }
      const leasing = this.lease(key, held);
      held.leasing = leasing;
      try {
        const retryAfterMs = await leasing;
        if (retryAfterMs > 0) return retryAfterMs;
      } finally {
        held.leasing = undefined;
      }
    }
  }

  /** Leases a chunk into `held`: 0 when tokens came, else how many ms until one is in the bucket. */
  private async lease(key: string, held: Held): Promise<number> {
    const { granted, available } = await leaseTokens(this.store, key, this.rule, this.chunk, this.clock.now());
    if (granted === 0) return Math.max(1, Math.ceil((1 - available) / this.rule.refillPerMs));
    held.tokens = granted;
    // counted from when the tokens arrived: a slow lease must not lapse before its requests spend it
    held.lapseAtMs = this.clock.now() + this.leaseTtlMs;
    return 0;
  }

  /** "100 requests per 1s" */
  describe(): string {
    const w = this.windowMs;
    const window = w % 3_600_000 === 0 ? `${w / 3_600_000}h` : w % 60_000 === 0 ? `${w / 60_000}m` : w % 1000 === 0 ? `${w / 1000}s` : `${w}ms`;
    return `${this.limit} requests per ${window}`;
  }
}
