/**
 * Migrations run on start for both dialects. Kysely's migrator takes a lock, so several nodes
 * starting at once on one PostgreSQL apply each migration exactly once.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName, Store } from './db.ts';
import * as m0001 from './migrations/0001_foundation.ts';
import * as m0002 from './migrations/0002_ledger_orders.ts';
import * as m0003 from './migrations/0003_webhooks.ts';
import * as m0004 from './migrations/0004_money_out.ts';
import * as m0005 from './migrations/0005_platform.ts';
import * as m0006 from './migrations/0006_dashboard_sessions.ts';
import * as m0007 from './migrations/0007_auth_epoch.ts';
import * as m0008 from './migrations/0008_ledger_shards.ts';
import * as m0009 from './migrations/0009_sandbox_clock.ts';
import * as m0010 from './migrations/0010_rate_limit_buckets.ts';
import * as m0011 from './migrations/0011_sign_in_failures.ts';
import * as m0012 from './migrations/0012_ledger_limits.ts';
import * as m0020 from './migrations/0020_new_certificate_payer_detail.ts';

type Up = (db: Kysely<unknown>, dialect: DialectName) => Promise<void>;

const MIGRATIONS: Record<string, Up> = {
  '0001_foundation': m0001.up,
  '0002_ledger_orders': m0002.up,
  '0003_webhooks': m0003.up,
  '0004_money_out': m0004.up,
  '0005_platform': m0005.up,
  '0006_dashboard_sessions': m0006.up,
  '0007_auth_epoch': m0007.up,
  '0008_ledger_shards': m0008.up,
  '0009_sandbox_clock': m0009.up,
  '0010_rate_limit_buckets': m0010.up,
  '0011_sign_in_failures': m0011.up,
  '0012_ledger_limits': m0012.up,
  '0020_new_certificate_payer_detail': m0020.up,
};

class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, up] of Object.entries(MIGRATIONS)) out[name] = { up: (db) => up(db, this.dialect) };
    return out;
  }
}

/** Brings the database to the latest schema (or, for upgrade tests, to the migration `upTo`). */
export async function migrateToLatest(store: Store, upTo?: string): Promise<void> {
  // Kysely looks for its own tables in every schema; name ours so schemas never see each other's.
  const migrator = new Migrator({
    db: store.db,
    provider: new InCodeProvider(store.dialect),
    ...(store.pgSchema ? { migrationTableSchema: store.pgSchema } : {}),
    // migrations are independent additions; a data dir that ran a later one first still upgrades
    allowUnorderedMigrations: true,
  });
  const migrate = () => (upTo === undefined ? migrator.migrateToLatest() : migrator.migrateTo(upTo));
  let { error, results } = await migrate();
  // Kysely's introspection reads every schema of the database; a schema another installation drops
  // at that moment (`3F000`, naming *its* schema) fails the lookup, not the migration: try again
  for (let retry = 0; error && retry < 3 && otherSchemaVanished(error, store.pgSchema); retry++) {
    ({ error, results } = await migrate());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function otherSchemaVanished(error: unknown, ownSchema: string | undefined): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '3F000' && typeof e.message === 'string' && !(ownSchema !== undefined && e.message.includes(`"${ownSchema}"`));
}

/**
 * Migrations this code knows that the database has not applied yet (readiness: `GET /readyz`).
 * Reads Kysely's migration table directly: no introspection of the whole database per probe.
 */
export async function pendingMigrations(store: Store): Promise<string[]> {
  const table = store.pgSchema ? `${store.pgSchema}.kysely_migration` : 'kysely_migration';
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(table)}`.execute(store.db);
  const applied = new Set(rows.map((r) => r.name));
  return Object.keys(MIGRATIONS).filter((name) => !applied.has(name));
}
