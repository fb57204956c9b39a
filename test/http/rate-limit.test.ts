/**
 * BPAY_RATE_LIMIT: an optional per-API-key limit on the Binance Pay surface, off by default.
 * Binance documents none (fact sheet §7.6); over the limit the answer is Binance-shaped: HTTP 400,
 * FAIL envelope, code 406108 "Fail rate is high, please try again later", plus Retry-After.
 * Only authenticated requests count, per key; the admin API is never limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRateLimit } from '../../src/config/config.ts';
import { ManualClock } from '../../src/lib/clock.ts';
import { RateLimiter } from '../../src/services/rate-limit.ts';
import { BinancePayClient } from '@binance-pay-server/sdk';
import { buildApp } from '../../src/app.ts';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../helpers/dialects.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const CERTS = '/binancepay/openapi/certificates';

describe('BPAY_RATE_LIMIT', () => {
  it('parses count/window and refuses anything else', () => {
    expect(parseRateLimit(undefined)).toBeUndefined();
    expect(parseRateLimit('')).toBeUndefined();
    expect(parseRateLimit('off')).toBeUndefined();
    expect(parseRateLimit('100/1s')).toEqual({ limit: 100, windowMs: 1000 });
    expect(parseRateLimit('100/s')).toEqual({ limit: 100, windowMs: 1000 });
    expect(parseRateLimit('600/1m')).toEqual({ limit: 600, windowMs: 60_000 });
    expect(parseRateLimit('5 / 500ms')).toEqual({ limit: 5, windowMs: 500 });
    expect(parseRateLimit('10000/1h')).toEqual({ limit: 10_000, windowMs: 3_600_000 });
    for (const bad of ['100', '0/1s', '100/0s', '100/1d', 'ten/1s', '-1/1s', '1.5/1s']) expect(() => parseRateLimit(bad), bad).toThrow(/BPAY_RATE_LIMIT/);
  });
});

describeEachDialect('the rate limiter', (dialect) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
  });
  afterAll(async () => db?.drop());

  const takes = (limiter: RateLimiter, key: string, n: number) => Promise.all(Array.from({ length: n }, () => limiter.take(key)));
  const bucketTokens = async (key: string) => Number((await db.store.db.selectFrom('rate_limit_buckets').select('tokens').where('api_key', '=', key).executeTakeFirstOrThrow()).tokens);

  it('is a token bucket per key: bursts up to the limit, then refills at limit per window', async () => {
    const clock = new ManualClock(1_000_000);
    const limiter = new RateLimiter(db.store, 3, 1000, clock);
    expect(await takes(limiter, 'a', 3)).toEqual([0, 0, 0]);
    expect(await limiter.take('a')).toBe(334); // one token every 333.3 ms
    expect(await limiter.take('b')).toBe(0); // another key has its own bucket
    clock.advance(334);
    expect(await limiter.take('a')).toBe(0);
    expect(await limiter.take('a')).toBeGreaterThan(0);
    clock.advance(10_000); // refills to the limit, never beyond
    expect([...(await takes(limiter, 'a', 3)), (await limiter.take('a')) > 0]).toEqual([0, 0, 0, true]);
    expect(limiter.describe()).toBe('3 requests per 1s');
    expect(new RateLimiter(db.store, 600, 60_000, clock).describe()).toBe('600 requests per 1m');
  });

  it('is one budget for every node on the database, and parallel requests never take more than it holds', async () => {
    const clock = new ManualClock(2_000_000);
    const other = db.openAnother();
    try {
      const nodes = [new RateLimiter(db.store, 5, 10_000, clock), new RateLimiter(other, 5, 10_000, clock)];
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => nodes[i % 2]!.take('shared')));
      expect(results.filter((ms) => ms === 0)).toHaveLength(5);
      for (const ms of results.filter((ms) => ms > 0)) expect(ms).toBe(2000); // one token every 2 s
      clock.advance(2000);
      expect(await nodes[1]!.take('shared')).toBe(0);
      expect(await nodes[0]!.take('shared')).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('leases a tenth of the limit per database write; leased tokens lapse after the time a chunk takes to refill', async () => {
    const clock = new ManualClock(3_000_000);
    const limiter = new RateLimiter(db.store, 100, 1000, clock);
    expect(limiter.chunk).toBe(10);
    expect(await limiter.take('chunked')).toBe(0);
    expect(await bucketTokens('chunked')).toBe(90);
    expect(await takes(limiter, 'chunked', 9)).toEqual(Array(9).fill(0));
    expect(await bucketTokens('chunked')).toBe(90); // spent from the lease: no write
    expect(await limiter.take('chunked')).toBe(0);
    expect(await bucketTokens('chunked')).toBe(80);
    clock.advance(100); // 9 leased tokens lapse; the bucket refilled 10
    expect(await limiter.take('chunked')).toBe(0);
    expect(await bucketTokens('chunked')).toBe(80);
  });
});

describeEachDialect('rate limiting on the Binance Pay surface', (dialect) => {
  let limited: TestServer;
  let open: TestServer;
  let a: MerchantCredentials;
  let b: MerchantCredentials;

  beforeAll(async () => {
    // 5 per 10 s: one token back every 2 s, so a burst in a test never refills
    [limited, open] = await Promise.all([startTestServer(dialect, { BPAY_RATE_LIMIT: '5/10s' }), startTestServer(dialect)]);
    [a, b] = await Promise.all([limited.createMerchant({ name: 'A' }), limited.createMerchant({ name: 'B' })]);
  });
  afterAll(async () => {
    await Promise.all([limited?.close(), open?.close()]);
  });

  it('is off by default', async () => {
    const m = await open.createMerchant();
    const results = await Promise.all(Array.from({ length: 40 }, () => open.client(m).request(CERTS, undefined, { rawBody: '' })));
    expect(results.every((r) => r.envelope?.status === 'SUCCESS')).toBe(true);
  });

  it('answers 406108 with HTTP 400 and Retry-After past the limit; other keys, bad signatures and the admin API are unaffected', async () => {
    // requests that fail authentication never reach the limiter: they spend nothing
    const forged = await Promise.all(Array.from({ length: 8 }, () => limited.client({ ...a, apiSecret: 'f'.repeat(64) }).request(CERTS, undefined, { rawBody: '' })));
    expect(forged.every((r) => r.envelope?.code === '400002')).toBe(true);

    const burst = await Promise.all(Array.from({ length: 8 }, () => limited.client(a).request(CERTS, undefined, { rawBody: '' })));
    const ok = burst.filter((r) => r.envelope?.status === 'SUCCESS');
    const refused = burst.filter((r) => r.envelope?.status !== 'SUCCESS');
    expect(ok).toHaveLength(5);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r.httpStatus).toBe(400); // clients that parse the envelope only on HTTP 400 (fact sheet §2) still read it
      expect(r.envelope).toMatchObject({ status: 'FAIL', code: '406108' });
      expect(r.envelope?.errorMessage).toBe('Fail rate is high, please try again later');
      expect(r.envelope?.hint).toMatch(/^Fail rate is high, please try again later \(this API key may send 5 requests per 10s; retry in \d+ ms\)\.$/);
      expect(r.rawText.startsWith('{"status":"FAIL","code":"406108","errorMessage":')).toBe(true);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(2);
    }
    // merchant B's key has a budget of its own
    expect((await limited.client(b).request(CERTS, undefined, { rawBody: '' })).envelope?.status).toBe('SUCCESS');
    // the admin API is not limited
    const admin = await Promise.all(Array.from({ length: 10 }, () => limited.admin('GET', `/merchants/${a.merchantId}`)));
    expect(admin.every((r) => r.httpStatus === 200)).toBe(true);
    // and the refusals are visible in the metrics by their code
    expect(await (await fetch(`${limited.baseUrl}/metrics`)).text()).toMatch(/^bpay_http_requests_total\{method="POST",route="\/binancepay\/openapi\/certificates",status_code="400",code="406108"\} 3$/m);
  });

  it('holds for the cluster: a second node on the database spends from the same budget', async () => {
    const c = await limited.createMerchant({ name: 'C' });
    const node = await buildApp({ config: limited.config, store: limited.db.openAnother(), logger: false });
    try {
      await node.app.listen({ port: 0, host: '127.0.0.1' });
      const address = node.app.server.address();
      if (typeof address !== 'object' || address === null) throw new Error('no address');
      const clients = [limited.client(c), new BinancePayClient({ apiKey: c.apiKey, apiSecret: c.apiSecret, baseUrl: `http://127.0.0.1:${address.port}` })];
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 2]!.request(CERTS, undefined, { rawBody: '' })));
      expect(results.filter((r) => r.envelope?.status === 'SUCCESS')).toHaveLength(5);
      expect(results.filter((r) => r.envelope?.code === '406108')).toHaveLength(5);
    } finally {
      await node.close();
      await node.deps.store.close();
    }
  });
});
