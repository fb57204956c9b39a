import { randomFillSync, randomInt, randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform random string over an alphabet (randomInt has no modulo bias). */
export function randomString(length: number, alphabet: string = ALNUM): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** API key and secret: 64 `[a-z0-9]`, the shape Binance issues (fact sheet §1.2). */
export function newApiCredential(): string {
  return randomString(64, LOWER_ALNUM);
}

/**
 * CSPRNG bytes drawn from a pool refilled 4 KiB at a time: each call into OpenSSL costs several
 * microseconds whatever its size, and every order takes a link token (docs/benchmarks.md). Each
 * byte is handed out once; Node's randomUUID pools the same way.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

export function randomHex(bytes: number): string {
  if (bytes > POOL_BYTES) return randomFillSync(Buffer.alloc(bytes)).toString('hex');
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

export function uuid(): string {
  return randomUUID();
}

/** Random decimal number of exactly `digits` digits (no leading zero), as a string. */
export function randomDigits(digits: number): string {
  let out = String(randomInt(1, 10));
  for (let i = 1; i < digits; i++) out += String(randomInt(10));
  return out;
}

const SNOWFLAKE_EPOCH_MS = 1_483_228_800_000; // 2017-01-01

/**
 * Snowflake ids (41-bit ms since 2017, 10-bit node, 12-bit sequence) written as decimal strings.
 * They are above 2^53 on purpose, like Binance's 18/19-digit prepayIds, so client code that reads
 * them as JS numbers fails in the sandbox instead of in production (fact sheet §5.3).
 * Uniqueness across processes is still enforced by the database's unique keys.
 */
export class SnowflakeIds {
  private lastMs = -1;
  private sequence = 0;
  private readonly node: bigint;

  constructor(private readonly clock: Clock, node: number = randomInt(1024)) {
    this.node = BigInt(node & 0x3ff);
  }

  next(): string {
    let ms = Math.max(this.clock.now(), this.lastMs);
    if (ms === this.lastMs) {
      this.sequence = (this.sequence + 1) & 0xfff;
      if (this.sequence === 0) ms = this.lastMs + 1; // borrow the next millisecond rather than spin
    } else {
      this.sequence = randomInt(64); // spread ids of different processes in the same ms
    }
    this.lastMs = ms;
    const id = (BigInt(ms - SNOWFLAKE_EPOCH_MS) << 22n) | (this.node << 12n) | BigInt(this.sequence);
    return id.toString();
  }
}
