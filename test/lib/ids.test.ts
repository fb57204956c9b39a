/**
 * Ids: Snowflake prepayIds above 2^53 (fact sheet §5.3, §7.1) and Binance-shaped API credentials
 * (64 [a-z0-9], fact sheet §1.2).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/lib/clock.ts';
import { newApiCredential, randomDigits, randomHex, randomString, SnowflakeIds } from '../../src/lib/ids.ts';

const TWO_53 = 2n ** 53n;
const TWO_63 = 2n ** 63n;

function collect(ids: SnowflakeIds, n: number): string[] {
  const out: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = ids.next();
  return out;
}

function expectStrictlyIncreasingAndInRange(list: string[]): void {
  let previous = -1n;
  for (const id of list) {
    expect(id).toMatch(/^[1-9]\d*$/);
    const value = BigInt(id);
    if (value <= previous) throw new Error(`id ${id} is not above ${previous}`);
    if (value <= TWO_53 || value >= TWO_63) throw new Error(`id ${id} outside (2^53, 2^63)`);
    previous = value;
  }
}

describe('SnowflakeIds', () => {
  it('gives 100k unique, strictly increasing decimal ids between 2^53 and 2^63 on the wall clock', () => {
    const list = collect(new SnowflakeIds(systemClock), 100_000);
    expectStrictlyIncreasingAndInRange(list);
    expect(new Set(list).size).toBe(100_000);
  });

  it('stays monotonic when the clock stands still (sequence overflow borrows the next ms)', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const list = collect(new SnowflakeIds(clock, 7), 100_000);
    expectStrictlyIncreasingAndInRange(list);
    expect(new Set(list).size).toBe(100_000);
  });

  it('stays monotonic when the clock goes backwards', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const ids = new SnowflakeIds(clock, 1);
    const list: string[] = [];
    for (let i = 0; i < 2000; i++) {
      clock.set(Date.UTC(2026, 0, 1) + (i % 2 === 0 ? 1000 : -1000) + i);
      list.push(ids.next());
    }
    expectStrictlyIncreasingAndInRange(list);
  });

  it('puts the node id in the id, so two nodes in the same millisecond never collide', () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const a = collect(new SnowflakeIds(clock, 1), 5000);
    const b = collect(new SnowflakeIds(clock, 2), 5000);
    const all = new Set([...a, ...b]);
    expect(all.size).toBe(10_000);
    expect(Number((BigInt(a[0] ?? '0') >> 12n) & 0x3ffn)).toBe(1);
    expect(Number((BigInt(b[0] ?? '0') >> 12n) & 0x3ffn)).toBe(2);
  });

  it('encodes the time: a later millisecond gives a larger id', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const ids = new SnowflakeIds(clock, 3);
    const first = BigInt(ids.next());
    clock.advance(1);
    const second = BigInt(ids.next());
    expect(second >> 22n).toBe((first >> 22n) + 1n);
    expect(first >> 22n).toBe(BigInt(Date.UTC(2026, 0, 1) - Date.UTC(2017, 0, 1)));
  });
});

describe('credentials and random strings', () => {
  it('newApiCredential is 64 [a-z0-9], different every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const c = newApiCredential();
      expect(c).toMatch(/^[a-z0-9]{64}$/);
      seen.add(c);
    }
    expect(seen.size).toBe(2000);
    // every character of the alphabet shows up: the draw is not stuck on a subset
    const chars = new Set([...seen].join(''));
    expect(chars.size).toBe(36);
  });

  it('randomDigits has exactly n digits and no leading zero', () => {
    for (let i = 0; i < 500; i++) expect(randomDigits(9)).toMatch(/^[1-9]\d{8}$/);
  });

  it('randomString draws only from the given alphabet', () => {
    expect(randomString(200, 'ab')).toMatch(/^[ab]{200}$/);
    expect(randomString(0)).toBe('');
  });

  it('randomHex never hands out the same pooled bytes twice, across pool refills and odd sizes', () => {
    const seen = new Set<string>();
    // 16-byte tokens cross the 4 KiB pool boundary many times; 7-byte ones misalign it
    for (let i = 0; i < 5000; i++) {
      const token = randomHex(i % 3 === 0 ? 7 : 16);
      expect(token).toMatch(i % 3 === 0 ? /^[0-9a-f]{14}$/ : /^[0-9a-f]{32}$/);
      seen.add(token);
    }
    expect(seen.size).toBe(5000);
    // two consecutive draws are different bytes, not overlapping windows of the pool
    const a = randomHex(16);
    const b = randomHex(16);
    expect(a.slice(2)).not.toBe(b.slice(0, -2));
    expect(randomHex(5000)).toMatch(/^[0-9a-f]{10000}$/);
    // bits are spread: each hex digit appears in a long draw
    const long = Array.from({ length: 200 }, () => randomHex(16)).join('');
    for (const digit of '0123456789abcdef') expect(long).toContain(digit);
  });
});
