import { pruneNonces } from '../store/nonces-repo.ts';
import type { ServiceDeps } from './deps.ts';
import { pruneSignInFailures } from './sign-in-throttle.ts';

/** Forgets replay-protection nonces older than their window (they can no longer be replayed) and sign-in failure windows that are over. */
export async function pruneExpired(deps: ServiceDeps): Promise<number> {
  const [nonces] = await Promise.all([pruneNonces(deps.store, deps.clock.wall.now()), pruneSignInFailures(deps)]);
  return nonces;
}
