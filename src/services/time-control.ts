/**
 * Time travel for the sandbox: move the business clock forward (orders expire, retries fall due,
 * email payouts age) and run every worker once so the effects are visible at once.
 *
 * The offset lives in the database (migration 0009), so every node on it shares one timeline and a
 * restart keeps it. A node follows moves made elsewhere on its next signed API request (the nonce
 * statement reads the offset), its next admin `GET /time`, and at least every worker interval
 * (`syncClock`, the workers' clock-sync loop, which runs on nodes without workers too).
 */
import { Errors, fail } from '../domain/errors.ts';
import { advanceClockOffset, readClockOffset } from '../store/clock-repo.ts';
import type { ServiceDeps } from './deps.ts';

/** 9999-12-31T23:59:59.999Z: dates past it have no ISO 8601 form in responses */
const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface TimeStatus {
  nowMs: number;
  now: string;
  offsetMs: number;
}

function status(deps: ServiceDeps): TimeStatus {
  const nowMs = deps.clock.now();
  return { nowMs, now: new Date(nowMs).toISOString(), offsetMs: deps.clock.offset };
}

/** Takes the shared offset (another node may have moved it). */
export async function syncClock(deps: ServiceDeps): Promise<void> {
  deps.clock.catchUp(await readClockOffset(deps.store.db));
}

export async function timeStatus(deps: ServiceDeps): Promise<TimeStatus> {
  await syncClock(deps);
  return status(deps);
}

export async function advanceTime(deps: ServiceDeps, ms: number): Promise<TimeStatus> {
  if (!Number.isSafeInteger(ms) || ms <= 0) fail(Errors.BAD_ADMIN_REQUEST, 'time can only move forward by a positive number of milliseconds');
  await syncClock(deps);
  if (deps.clock.now() + ms > LAST_MS) fail(Errors.BAD_ADMIN_REQUEST, `time can move at most to ${new Date(LAST_MS).toISOString()}`);
  deps.clock.catchUp(await advanceClockOffset(deps.store, ms, deps.clock.wall.now()));
  await deps.events.timeMoved.emit();
  return status(deps);
}

/** Parses "90s", "15m", "1h", "3d" or plain milliseconds. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return text;
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return n * unit;
}
