import type { Payer } from '../domain/payer.ts';
import type { Queryable } from './db.ts';
import { toNumber } from './db.ts';

function toPayer(row: { binance_id: unknown; email: string | null; name: string | null; created_at_ms: unknown }): Payer {
  return { binanceId: String(row.binance_id), email: row.email, name: row.name, createdAtMs: toNumber(row.created_at_ms) };
}

export async function insertPayer(q: Queryable, p: { binanceId: string; email: string | null; name: string | null; nowMs: number }): Promise<void> {
  await q.insertInto('payers').values({ binance_id: BigInt(p.binanceId), email: p.email, name: p.name, created_at_ms: p.nowMs }).execute();
}

export async function findPayer(q: Queryable, binanceId: string): Promise<Payer | undefined> {
  if (!/^\d{1,18}$/.test(binanceId)) return undefined;
  const row = await q.selectFrom('payers').selectAll().where('binance_id', '=', BigInt(binanceId)).executeTakeFirst();
  return row ? toPayer(row) : undefined;
}

export async function findPayerByEmail(q: Queryable, email: string): Promise<Payer | undefined> {
  const row = await q.selectFrom('payers').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
  return row ? toPayer(row) : undefined;
}

export async function listPayers(q: Queryable, opts: { limit: number; afterId?: string | undefined }): Promise<Payer[]> {
  let query = q.selectFrom('payers').selectAll().orderBy('binance_id').limit(opts.limit);
  if (opts.afterId !== undefined) query = query.where('binance_id', '>', BigInt(opts.afterId));
  return (await query.execute()).map(toPayer);
}

/** The payer's openUserId for the merchant of the order `prepayId`, if it has one yet (goes out with the order's read). */
export async function findOpenUserIdOfOrder(q: Queryable, binanceId: string, prepayId: string): Promise<string | undefined> {
  if (!/^\d{1,18}$/.test(binanceId)) return undefined; // as findPayer: anything else is no payer
  const row = await q
    .selectFrom('payer_open_ids')
    .select('open_user_id')
    .where('binance_id', '=', BigInt(binanceId))
    .where('merchant_id', '=', (eb) => eb.selectFrom('orders').select('merchant_id').where('prepay_id', '=', prepayId))
    .executeTakeFirst();
  return row?.open_user_id;
}

export async function findOpenUserId(q: Queryable, binanceId: string, merchantId: number): Promise<string | undefined> {
  const row = await q
    .selectFrom('payer_open_ids')
    .select('open_user_id')
    .where('binance_id', '=', BigInt(binanceId))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row?.open_user_id;
}

/** Inserts unless present (concurrent payments by one payer race here). */
export async function insertOpenUserId(q: Queryable, binanceId: string, merchantId: number, openUserId: string, nowMs: number): Promise<void> {
  await q
    .insertInto('payer_open_ids')
    .values({ binance_id: BigInt(binanceId), merchant_id: merchantId, open_user_id: openUserId, created_at_ms: nowMs })
    .onConflict((oc) => oc.columns(['binance_id', 'merchant_id']).doNothing())
    .execute();
}

export async function findPayerByOpenUserId(q: Queryable, openUserId: string): Promise<{ binanceId: string; merchantId: number } | undefined> {
  const row = await q.selectFrom('payer_open_ids').select(['binance_id', 'merchant_id']).where('open_user_id', '=', openUserId).executeTakeFirst();
  return row ? { binanceId: String(row.binance_id), merchantId: toNumber(row.merchant_id) } : undefined;
}
