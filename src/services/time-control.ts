/**
 * Time travel for the sandbox: move the business clock forward (orders expire, retries fall due,
 * email payouts age) and run every worker once so the effects are visible at once.
 */
import { Errors, fail } from '../domain/errors.ts';
import type { ServiceDeps } from './deps.ts';

export interface TimeStatus {
  nowMs: number;
  now: string;
  offsetMs: number;
}

export function timeStatus(deps: ServiceDeps): TimeStatus {
  const nowMs = deps.time.clock.now();
  return { nowMs, now: new Date(nowMs).toISOString(), offsetMs: deps.time.clock.offset };
}

export async function advanceTime(deps: ServiceDeps, ms: number): Promise<TimeStatus> {
  if (!Number.isSafeInteger(ms) || ms <= 0) fail(Errors.BAD_ADMIN_REQUEST, 'time can only move forward by a positive number of milliseconds');
  deps.time.clock.advance(ms);
  await deps.time.afterMove();
  return timeStatus(deps);
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
