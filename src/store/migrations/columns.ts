import type { CreateTableBuilder } from 'kysely';
import type { DialectName } from '../db.ts';

/** Auto-incrementing 64-bit primary key `id` on both dialects. */
export function addIdColumn<T extends string>(table: CreateTableBuilder<T, never>, dialect: DialectName): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'bigserial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}
