/**
 * Fast bulk seeding of orders straight into the database (no server running): one real order made
 * through the API is the template, and N copies differ only in what must be unique or time-bound —
 * prepayId (snowflake layout, node 1023, in the past), merchantTradeNo, linkToken, create/expire/
 * update times. So every seeded row is an INITIAL v3 order the server itself could have written,
 * with a working checkout link token. Large batches: one transaction of 50k prepared inserts on
 * SQLite, one INSERT … SELECT FROM unnest(arrays) of 20k rows on PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const SNOWFLAKE_EPOCH_MS = 1_483_228_800_000n;
const SEED_NODE = 1023n;
const ORDER_LIFETIME_MS = 3_600_000;

export interface SeedTarget {
  dialect: 'sqlite' | 'postgres';
  sqlitePath?: string;
  databaseUrl?: string;
}

export interface SeedResult {
  prepayIds: string[];
  seconds: number;
  rowsPerSecond: number;
}

/** Unique-per-row values; everything else is copied from the template row. */
interface Varying {
  prepay_id: string;
  merchant_trade_no: string;
  link_token: string;
  create_time_ms: bigint;
  expire_time_ms: bigint;
  updated_at_ms: bigint;
}

/**
 * Rows created over the last `windowMs` (ending a second ago), each expiring an hour after its
 * creation like a default order, so none expires while the bench runs.
 */
function* varyingRows(count: number, tag: string, windowMs = 20 * 60_000): Generator<Varying> {
  const end = Date.now() - 1000;
  const start = end - windowMs;
  let random = randomBytes(16 * 8192);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const ms = BigInt(start + Math.floor((i * windowMs) / count));
    const prepayId = ((ms - SNOWFLAKE_EPOCH_MS) << 22n) | (SEED_NODE << 12n) | BigInt(i % 4096);
    if (at + 16 > random.length) {
      random = randomBytes(16 * 8192);
      at = 0;
    }
    const linkToken = random.toString('hex', at, at + 16);
    at += 16;
    yield {
      prepay_id: prepayId.toString(),
      merchant_trade_no: `S${tag}${i}`,
      link_token: linkToken,
      create_time_ms: ms,
      expire_time_ms: ms + BigInt(ORDER_LIFETIME_MS),
      updated_at_ms: ms,
    };
  }
}

const VARYING = ['prepay_id', 'merchant_trade_no', 'link_token', 'create_time_ms', 'expire_time_ms', 'updated_at_ms'] as const;

function seedSqlite(path: string, templatePrepayId: string, count: number, tag: string, onProgress?: (done: number) => void): string[] {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  db.defaultSafeIntegers(true);
  try {
    const template = db.prepare('select * from orders where prepay_id = ?').get(templatePrepayId) as Record<string, unknown> | undefined;
    if (!template) throw new Error(`template order ${templatePrepayId} not found`);
    const columns = Object.keys(template);
    const insert = db.prepare(`insert into orders (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`);
    const ids: string[] = [];
    const batch = db.transaction((rows: Varying[]) => {
      for (const row of rows) insert.run({ ...template, ...row });
    });
    let rows: Varying[] = [];
    for (const row of varyingRows(count, tag)) {
      rows.push(row);
      ids.push(row.prepay_id);
      if (rows.length === 50_000) {
        batch(rows);
        rows = [];
        onProgress?.(ids.length);
      }
    }
    if (rows.length > 0) batch(rows);
    // the orders table only, as on PostgreSQL: statistics of the one-row key and merchant tables
    // would make SQLite scan them instead of using their primary keys
    db.exec('analyze orders');
    db.pragma('wal_checkpoint(TRUNCATE)');
    return ids;
  } finally {
    db.close();
  }
}

async function seedPostgres(url: string, templatePrepayId: string, count: number, tag: string, onProgress?: (done: number) => void): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const template = (await client.query('select * from orders where prepay_id = $1', [templatePrepayId])).rows[0] as Record<string, unknown> | undefined;
    if (!template) throw new Error(`template order ${templatePrepayId} not found`);
    const types = new Map(
      (await client.query<{ column_name: string; udt_name: string }>("select column_name, udt_name from information_schema.columns where table_schema = current_schema() and table_name = 'orders'")).rows.map((r) => [
        r.column_name,
        r.udt_name,
      ]),
    );
    const columns = Object.keys(template);
    const constants = columns.filter((c) => !(VARYING as readonly string[]).includes(c));
    const select = columns.map((c) => {
      const v = (VARYING as readonly string[]).indexOf(c);
      return v >= 0 ? `u.${c}` : `$${VARYING.length + 1 + constants.indexOf(c)}::${types.get(c) ?? 'text'}`;
    });
    const unnest = VARYING.map((c, i) => `$${i + 1}::${types.get(c) ?? 'text'}[]`).join(', ');
    const sql = `insert into orders (${columns.join(', ')}) select ${select.join(', ')} from unnest(${unnest}) as u(${VARYING.join(', ')})`;
    const constantValues = constants.map((c) => template[c]);
    const ids: string[] = [];
    let rows: Varying[] = [];
    const flush = async () => {
      const arrays = VARYING.map((c) => rows.map((r) => (typeof r[c] === 'bigint' ? r[c].toString() : r[c])));
      await client.query(sql, [...arrays, ...constantValues]);
      rows = [];
      onProgress?.(ids.length);
    };
    await client.query('begin');
    for (const row of varyingRows(count, tag)) {
      rows.push(row);
      ids.push(row.prepay_id);
      if (rows.length === 20_000) await flush();
    }
    if (rows.length > 0) await flush();
    await client.query('commit');
    await client.query('vacuum analyze orders');
    return ids;
  } finally {
    await client.end();
  }
}

/** Seeds `count` INITIAL orders copied from `templatePrepayId`; the server must not be running. */
export async function seedOrders(target: SeedTarget, templatePrepayId: string, count: number, onProgress?: (done: number) => void): Promise<SeedResult> {
  const started = performance.now();
  const tag = Date.now().toString(36).toUpperCase();
  const prepayIds =
    target.dialect === 'sqlite'
      ? seedSqlite(target.sqlitePath ?? '', templatePrepayId, count, tag, onProgress)
      : await seedPostgres(target.databaseUrl ?? '', templatePrepayId, count, tag, onProgress);
  const seconds = (performance.now() - started) / 1000;
  return { prepayIds, seconds, rowsPerSecond: count / seconds };
}
