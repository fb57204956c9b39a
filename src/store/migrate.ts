/**
 * Migrations run on start for both dialects. Kysely's migrator takes a lock, so several nodes
 * starting at once on one PostgreSQL apply each migration exactly once.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName, Store } from './db.ts';
import * as m0001 from './migrations/0001_foundation.ts';
import * as m0002 from './migrations/0002_ledger_orders.ts';
import * as m0003 from './migrations/0003_webhooks.ts';
import * as m0004 from './migrations/0004_money_out.ts';
import * as m0005 from './migrations/0005_platform.ts';

type Up = (db: Kysely<unknown>, dialect: DialectName) => Promise<void>;

const MIGRATIONS: Record<string, Up> = {
  '0001_foundation': m0001.up,
  '0002_ledger_orders': m0002.up,
  '0003_webhooks': m0003.up,
  '0004_money_out': m0004.up,
  '0005_platform': m0005.up,
};

class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, up] of Object.entries(MIGRATIONS)) out[name] = { up: (db) => up(db, this.dialect) };
    return out;
  }
}

export async function migrateToLatest(store: Store): Promise<void> {
  // Kysely looks for its own tables in every schema; name ours so schemas never see each other's.
  const migrator = new Migrator({
    db: store.db,
    provider: new InCodeProvider(store.dialect),
    ...(store.pgSchema ? { migrationTableSchema: store.pgSchema } : {}),
    // migrations are independent additions; a data dir that ran a later one first still upgrades
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
