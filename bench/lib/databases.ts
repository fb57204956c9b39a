/**
 * A fresh database per bench server: a temp data dir with a SQLite file (WAL), or a new database
 * `bpay_bench_*` on the PostgreSQL server (never another schema or database), dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

export type Dialect = 'sqlite' | 'postgres';

/** The server the bench may create databases on (default: the test server of the suites). */
export const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  dialect: Dialect;
  dataDir: string;
  sqlitePath: string;
  databaseUrl: string | undefined;
  /** a scalar query (counts) on a connection of its own */
  scalar(sql: string): Promise<number>;
  drop(): Promise<void>;
}

const created = new Set<BenchDatabase>();
let counter = 0;

export async function postgresReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Finishes PostgreSQL's pending checkpoint work now (CHECKPOINT): otherwise a spread checkpoint
 * started by an earlier scenario's writes (a million seeded orders) keeps writing during the next.
 */
export async function checkpointPostgres(): Promise<void> {
  await adminQuery('checkpoint');
}

export async function createDatabase(dialect: Dialect): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bpay-bench-'));
  const sqlitePath = join(dataDir, 'bpay.sqlite');
  let databaseUrl: string | undefined;
  let name: string | undefined;
  if (dialect === 'postgres') {
    name = `bpay_bench_${process.pid}_${counter++}`;
    await adminQuery(`drop database if exists ${name} with (force)`);
    await adminQuery(`create database ${name}`);
    databaseUrl = withDatabase(PG_URL, name);
  }
  const db: BenchDatabase = {
    dialect,
    dataDir,
    sqlitePath,
    databaseUrl,
    async scalar(sql) {
      if (dialect === 'sqlite') {
        const conn = new BetterSqlite3(sqlitePath, { readonly: true });
        try {
          return Number(conn.prepare(sql).pluck().get());
        } finally {
          conn.close();
        }
      }
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const row = (await client.query(sql)).rows[0] as Record<string, unknown> | undefined;
        return Number(row ? Object.values(row)[0] : NaN);
      } finally {
        await client.end();
      }
    },
    async drop() {
      created.delete(db);
      if (name) await adminQuery(`drop database if exists ${name} with (force)`).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  created.add(db);
  return db;
}

/** Drops whatever is left (interrupted run). */
export async function dropAll(): Promise<void> {
  for (const db of [...created]) await db.drop();
}
