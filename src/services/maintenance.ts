import { pruneNonces } from '../store/nonces-repo.ts';
import type { ServiceDeps } from './deps.ts';

/** Forgets replay-protection nonces older than their window (they can no longer be replayed). */
export function pruneExpiredNonces(deps: ServiceDeps): Promise<number> {
  return pruneNonces(deps.store, deps.wallClock.now());
}
