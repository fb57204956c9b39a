import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';
import { addIdColumn } from './columns.ts';

/**
 * Webhook delivery (ARCHITECTURE.md principle 8): a lease on each outbox event so that only one
 * process delivers an attempt (claimed with FOR UPDATE SKIP LOCKED on PostgreSQL), an append-only
 * log of every attempt, and the `bpay listen` connections each node holds.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  // SQLite adds one column per ALTER TABLE
  const add = (name: string, type: 'integer' | 'bigint' | 'text', notNullDefault?: number) =>
    db.schema
      .alterTable('outbox_events')
      .addColumn(name, type, (c) => (notNullDefault === undefined ? c : c.notNull().defaultTo(notNullDefault)))
      .execute();
  await add('auto_attempts', 'integer', 0);
  await add('lease_token', 'text');
  await add('lease_until_ms', 'bigint');
  await add('last_attempt_at_ms', 'bigint');
  await add('last_http_status', 'integer');
  await add('last_error', 'text');
  await add('delivered_at_ms', 'bigint');
  await db.schema.createIndex('outbox_events_biz_id').on('outbox_events').column('biz_id').execute();

  await addIdColumn(db.schema.createTable('webhook_attempts'), dialect)
    .addColumn('event_id', 'bigint', (c) => c.notNull().references('outbox_events.id'))
    .addColumn('merchant_id', 'bigint', (c) => c.notNull())
    .addColumn('attempt_no', 'integer', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('listener_id', 'text')
    .addColumn('request_url', 'text', (c) => c.notNull())
    .addColumn('request_headers', 'text', (c) => c.notNull())
    .addColumn('request_body', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('latency_ms', 'integer')
    .addColumn('error', 'text')
    .addColumn('outcome', 'text')
    .addColumn('started_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('finished_at_ms', 'bigint')
    // one row per attempt number: two processes can never both record attempt n of an event
    .addUniqueConstraint('webhook_attempts_event_attempt', ['event_id', 'attempt_no'])
    .execute();
  await db.schema.createIndex('webhook_attempts_merchant').on('webhook_attempts').columns(['merchant_id', 'id']).execute();

  await db.schema
    .createTable('webhook_listeners')
    .addColumn('listener_id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'bigint', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('forward_to', 'text')
    .addColumn('connected_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('seen_at_ms', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_listeners_merchant').on('webhook_listeners').columns(['merchant_id', 'seen_at_ms']).execute();
}
