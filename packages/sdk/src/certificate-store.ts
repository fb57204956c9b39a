/**
 * Caches Binance's webhook public keys (fact sheet §3.7). Binance may rotate keys; a webhook
 * signed with an unknown serial triggers a refetch instead of a rejection (§3.7 "key rotation must
 * be gentle"). Concurrent misses share one in-flight fetch.
 */
import type { Certificate } from './types/common.ts';

export type CertificateFetcher = () => Promise<Certificate[]>;

/** Anything with `getCertificates()`, e.g. a `BinancePayClient`. */
export interface CertificateSource {
  getCertificates(): Promise<Certificate[]>;
}

export interface CertificateStoreOptions {
  /** How long a fetched list is trusted, ms. Default 1 h. */
  ttlMs?: number;
  /** Default `Date.now`. */
  now?: () => number;
  /**
   * Minimum gap between two fetches caused by an unknown serial, ms. Default 0 (always refetch).
   * Set it (e.g. 30000) in production so forged `BinancePay-Certificate-SN` headers cannot make
   * you hammer the certificates endpoint.
   */
  minRefetchIntervalMs?: number;
}

const sameSerial = (a: string, b: string): boolean => a.toUpperCase() === b.toUpperCase();

function validate(value: unknown): Certificate[] {
  const ok =
    Array.isArray(value) &&
    value.every((c: unknown) => typeof c === 'object' && c !== null && typeof (c as Certificate).certSerial === 'string' && typeof (c as Certificate).certPublic === 'string');
  if (!ok) throw new TypeError('certificates response is not an array of { certSerial, certPublic }');
  return value.map((c: Certificate) => ({ certSerial: c.certSerial, certPublic: c.certPublic }));
}

export class CertificateStore {
  readonly #fetch: CertificateFetcher;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #minRefetchIntervalMs: number;
  #certs: Certificate[] = [];
  #fetchedAt: number | undefined;
  #inFlight: Promise<Certificate[]> | undefined;

  constructor(source: CertificateSource | CertificateFetcher, options: CertificateStoreOptions = {}) {
    this.#fetch = typeof source === 'function' ? source : () => source.getCertificates();
    this.#ttlMs = options.ttlMs ?? 3_600_000;
    this.#now = options.now ?? Date.now;
    this.#minRefetchIntervalMs = options.minRefetchIntervalMs ?? 0;
  }

  /** The certificate with this serial; refetches when the cache expired or the serial is unknown. */
  async get(serial: string): Promise<Certificate | undefined> {
    if (this.#isFresh()) {
      const hit = this.#certs.find((c) => sameSerial(c.certSerial, serial));
      if (hit) return hit;
      if (this.#now() - (this.#fetchedAt ?? 0) < this.#minRefetchIntervalMs) return undefined;
    }
    const certs = await this.refresh();
    return certs.find((c) => sameSerial(c.certSerial, serial));
  }

  /** All current certificates, fetching them when the cache is empty or expired. */
  async list(): Promise<Certificate[]> {
    return this.#isFresh() ? [...this.#certs] : this.refresh();
  }

  /** Fetches now, unless a fetch is already running, whose result is shared. */
  refresh(): Promise<Certificate[]> {
    this.#inFlight ??= this.#fetch()
      .then((value) => {
        this.#certs = validate(value);
        this.#fetchedAt = this.#now();
        return [...this.#certs];
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
    return this.#inFlight;
  }

  /** Forgets everything; the next lookup fetches. */
  clear(): void {
    this.#certs = [];
    this.#fetchedAt = undefined;
  }

  #isFresh(): boolean {
    return this.#fetchedAt !== undefined && this.#now() - this.#fetchedAt < this.#ttlMs;
  }
}
