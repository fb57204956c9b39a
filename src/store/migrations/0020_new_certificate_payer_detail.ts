import type { Kysely } from 'kysely';
import type { DialectName } from '../db.ts';

/**
 * Two per-merchant switches and the second webhook certificate (docs/webhooks.md):
 * - `signing_keys.kind`: `legacy` keys sign `BinancePay-Signature` and are listed by /certificates;
 *   `new` keys sign `BinancePay-Signature-New` and are listed by /certificates/new.
 * - `merchants.new_webhook_certificate`: webhooks to this merchant also carry the new certificate's
 *   headers, and /certificates/new lists it (empty while off, as Binance documents).
 * - `merchants.share_payer_detail`: Binance's whitelist for `payerDetail` (query order, PAY webhook).
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('signing_keys').addColumn('kind', 'text', (c) => c.notNull().defaultTo('legacy')).execute();
  await db.schema.alterTable('merchants').addColumn('new_webhook_certificate', 'smallint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('merchants').addColumn('share_payer_detail', 'smallint', (c) => c.notNull().defaultTo(0)).execute();
}
