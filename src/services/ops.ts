/**
 * Operations: readiness (is the database reachable and fully migrated?) and the webhook queue as
 * metrics report it. Liveness needs none of this: a process that answers is alive.
 */
import { sql } from 'kysely';
import { pendingMigrations } from '../store/migrate.ts';
import { queueDepth, type QueueDepth } from '../store/webhooks-repo.ts';
import type { ServiceDeps } from './deps.ts';

export type { QueueDepth };

export interface Readiness {
  ready: boolean;
  checks: { database: string; migrations: string };
  /** why not ready, for the 503 answer and the log */
  reason?: string;
}

export interface ReadinessProbe {
  check(): Promise<Readiness>;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A probe per app. Migrations are only ever added, so once every migration this code knows is
 * applied the probe stops asking and only pings the database.
 */
export function createReadinessProbe(deps: ServiceDeps, timeoutMs = 2_000): ReadinessProbe {
  let migrated = false;
  return {
    async check() {
      try {
        await withTimeout(sql`select 1`.execute(deps.store.db), timeoutMs, 'the database');
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ready: false, checks: { database: 'unavailable', migrations: 'unknown' }, reason: `database unreachable: ${message}` };
      }
      if (!migrated) {
        try {
          const pending = await withTimeout(pendingMigrations(deps.store), timeoutMs, 'the migration table');
          if (pending.length > 0) {
            return { ready: false, checks: { database: 'ok', migrations: 'pending' }, reason: `migrations not applied: ${pending.join(', ')}` };
          }
          migrated = true;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return { ready: false, checks: { database: 'ok', migrations: 'unknown' }, reason: `cannot read the migration table: ${message}` };
        }
      }
      return { ready: true, checks: { database: 'ok', migrations: 'ok' } };
    },
  };
}

/** The webhook delivery queue, whole database (every node reports the same numbers). */
export function webhookQueueDepth(deps: ServiceDeps): Promise<QueueDepth> {
  return queueDepth(deps.store.db, deps.clock.now(), deps.clock.wall.now());
}
