/**
 * Dashboard sign-in throttle: 10 failed sign-ins from one client address within 5 minutes block
 * that address for the rest of the window, right token or not. Counted in the database
 * (migration 0011), so the limit holds for every node behind a load balancer; the window runs on
 * the wall clock (time travel never unblocks anyone).
 */
import { createHash } from 'node:crypto';
import { clearFailures, countFailure, failuresSince, pruneFailures } from '../store/sign-in-failures-repo.ts';
import type { ServiceDeps } from './deps.ts';

export const FAILED_SIGN_IN_LIMIT = 10;
export const FAILED_SIGN_IN_WINDOW_MS = 5 * 60_000;

const windowFrom = (deps: ServiceDeps) => deps.clock.wall.now() - FAILED_SIGN_IN_WINDOW_MS;

/** The row key of a client address: behind a proxy that appends to X-Forwarded-For it is whatever the client sent, of any length. */
function keyOf(address: string): string {
  return address.length <= 64 ? address : `sha256:${createHash('sha256').update(address).digest('hex')}`;
}

export async function signInBlocked(deps: ServiceDeps, address: string): Promise<boolean> {
  return (await failuresSince(deps.store.db, keyOf(address), windowFrom(deps))) >= FAILED_SIGN_IN_LIMIT;
}

export function signInFailed(deps: ServiceDeps, address: string): Promise<void> {
  return countFailure(deps.store.db, keyOf(address), deps.clock.wall.now(), windowFrom(deps));
}

export function signInSucceeded(deps: ServiceDeps, address: string): Promise<void> {
  return clearFailures(deps.store.db, keyOf(address));
}

/** Maintenance: windows that are over. */
export function pruneSignInFailures(deps: ServiceDeps): Promise<number> {
  return pruneFailures(deps.store.db, windowFrom(deps));
}
