import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

/**
 * One counter that every change to an API key or a merchant moves, by trigger, so no code path
 * (admin API, CLI, a migration, hand-written SQL) can change them without moving it. Request
 * authentication caches key and merchant per node and reads the counter in the statement that
 * records the nonce; a cached entry is used only while the counter is where it was when the entry
 * was loaded (src/services/request-auth.ts, docs/architecture.md).
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('auth_epoch')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into auth_epoch (id, epoch) values (1, 1)`.execute(db);

  if (dialect === 'postgres') {
    await sql`create function bump_auth_epoch() returns trigger language plpgsql as $$
      begin
        update auth_epoch set epoch = epoch + 1 where id = 1;
        return null;
      end $$`.execute(db);
    for (const table of ['merchants', 'api_keys']) {
      await sql
        .raw(`create trigger ${table}_auth_epoch after insert or update or delete or truncate on ${table} for each statement execute function bump_auth_epoch()`)
        .execute(db);
    }
    return;
  }
  for (const table of ['merchants', 'api_keys']) {
    for (const event of ['insert', 'update', 'delete']) {
      await sql
        .raw(`create trigger ${table}_auth_epoch_${event} after ${event} on ${table} begin update auth_epoch set epoch = epoch + 1 where id = 1; end`)
        .execute(db);
    }
  }
}
