/**
 * Every store, ledger and HTTP suite runs on SQLite and PostgreSQL. PostgreSQL comes from
 * TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); each run gets its own schema.
 * With CI=true PostgreSQL must answer; elsewhere its suites are skipped with the reason in their name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { openStore, type DialectName, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function probePostgres(): Promise<{ ok: boolean; reason: string }> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true, reason: '' };
  } catch (error) {
    return { ok: false, reason: `PostgreSQL at ${TEST_DATABASE_URL.replace(/\/\/[^@/]*@/, '//***@')} did not answer: ${(error as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgres = await probePostgres();
if (!postgres.ok && process.env.CI === 'true') {
  throw new Error(`CI=true requires PostgreSQL for the dialect suites: ${postgres.reason}`);
}

export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

/** Declares `name` once per dialect; a missing local PostgreSQL skips with the reason shown. */
export function describeEachDialect(name: string, body: (dialect: DialectName) => void): void {
  for (const dialect of DIALECTS) {
    if (dialect === 'postgres' && !postgres.ok) {
      describe.skip(`[postgres] ${name} (skipped: ${postgres.reason})`, () => body(dialect));
    } else {
      describe(`[${dialect}] ${name}`, () => body(dialect));
    }
  }
}

export interface TestDatabase {
  dialect: DialectName;
  store: Store;
  /** for a second store on the same database (multi-node tests) */
  openAnother(): Store;
  databaseUrl: string | undefined;
  pgSchema: string | undefined;
  sqlitePath: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh, migrated database (to the latest schema, or to `migrateUpTo`): a temp SQLite file, or a new PostgreSQL schema. */
export async function createTestDatabase(dialect: DialectName, options: { migrateUpTo?: string } = {}): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bpay-test-'));
  if (dialect === 'sqlite') {
    const sqlitePath = join(dataDir, 'bpay.sqlite');
    const store = openStore({ sqlitePath });
    await migrateToLatest(store, options.migrateUpTo);
    return {
      dialect,
      store,
      openAnother: () => openStore({ sqlitePath }),
      databaseUrl: undefined,
      pgSchema: undefined,
      sqlitePath,
      dataDir,
      async drop() {
        await store.close().catch(() => undefined);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter++}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const store = openStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: schema, pgPoolSize: 12 });
  await migrateToLatest(store, options.migrateUpTo);
  return {
    dialect,
    store,
    openAnother: () => openStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: schema, pgPoolSize: 12 }),
    databaseUrl: TEST_DATABASE_URL,
    pgSchema: schema,
    sqlitePath: undefined,
    dataDir,
    async drop() {
      await store.close().catch(() => undefined);
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
