import type { WebhookOperations } from '../domain/webhook.ts';
import type { OffsetClock } from '../lib/clock.ts';
import type { Signal } from '../lib/signal.ts';
import type { SnowflakeIds } from '../lib/ids.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { Store } from '../store/db.ts';
import type { NonceRecorder } from '../store/nonces-repo.ts';
import type { OrderInserter, OrderReader } from '../store/orders-repo.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { AuthEntry } from './request-auth.ts';

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

/** Settings services need; a slice of Config so services do not depend on how config is read. */
export interface ServiceSettings {
  /** BPAY_STRICT: Binance-only behaviour (exact messages, the gateway's 100001001, no extra fields) */
  strict: boolean;
  timestampWindowMs: number;
  signatureDebug: boolean;
  signatureCaseInsensitive: boolean;
  commissionRate: string;
  rates: Record<string, string>;
  assets: string[];
  publicUrl: string;
}

/** Per-app caches (never module-level: several apps share a process in tests). */
export interface ServiceCaches {
  /** apiKey → key, merchant and opened secret as of an auth epoch (src/services/request-auth.ts) */
  auth: Map<string, AuthEntry>;
  /** webhook signing keys and the merchants with the new certificate (src/services/certificates.ts) */
  signer:
    | { certSerial: string; privateKeyPem: string; newKey: { certSerial: string; privateKeyPem: string } | undefined; newMerchants: Set<number>; loadedAtMs: number }
    | undefined;
}

export function newServiceCaches(): ServiceCaches {
  return { auth: new Map(), signer: undefined };
}

/** Everything a use case needs, built once by the composition root. */
export interface ServiceDeps {
  store: Store;
  /**
   * The one clock: `now()` is business time (orders, expiry, retries), which moves under admin time
   * control; `wall.now()` is real time, for request timestamp windows and sessions, so clients keep
   * working after time travel.
   */
  clock: OffsetClock;
  ids: SnowflakeIds;
  secrets: SecretBox;
  settings: ServiceSettings;
  log: Logger;
  caches: ServiceCaches;
  /** records request nonces in batches (src/store/nonces-repo.ts) */
  nonces: NonceRecorder;
  /** inserts new orders in batches (src/store/orders-repo.ts) */
  insertOrder: OrderInserter;
  /** reads orders by prepayId outside transactions, in batches on PostgreSQL (src/store/orders-repo.ts) */
  readOrder: OrderReader;
  events: ServiceEvents;
  /** the webhook dispatcher (src/outbox/dispatcher.ts), wired by the composition root */
  webhooks: WebhookOperations;
  /** BPAY_RATE_LIMIT: per-API-key limit on the Binance Pay surface, shared by every node; undefined = off */
  rateLimiter?: RateLimiter | undefined;
}

/** What services announce; the composition root connects the workers to it. */
export interface ServiceEvents {
  /** time control moved the business clock: what became due runs now (the workers' pass) */
  timeMoved: Signal;
}
