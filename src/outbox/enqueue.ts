/**
 * The outbox: every event Binance would notify is written in the same transaction as the state
 * change it reports (ARCHITECTURE.md principle 8), so money never moves without its event.
 * Delivery (sign, POST, retry, record attempts) is the dispatcher's job, after commit.
 */
import type { OutboxStatus } from '../domain/webhook.ts';
import type { Tx } from '../store/db.ts';

export type { OutboxStatus };

/** Counted on commit when an event is to be sent: only then is the dispatcher woken (src/app.ts). */
export const OUTBOX_DELIVERABLE = 'outbox_deliverable';

export interface OutboxEventInput {
  merchantId: number;
  bizType: string;
  /** the id Binance puts in bizId (prepayId, payout id…), as decimal text */
  bizId: string;
  bizStatus: string;
  /** the `data` field exactly as it will be sent: a JSON text (fact sheet §5.3) */
  data: string;
  /** request webhookUrl, else the merchant's; null = recorded, not sent */
  webhookUrl: string | null;
  /** the merchant turned this kind of notification off (PAY_CLOSED opt-out, fact sheet §5.1) */
  suppressed?: boolean;
  refType: string;
  refId: string;
}

export async function enqueue(tx: Tx, event: OutboxEventInput, nowMs: number): Promise<string> {
  const status: OutboxStatus = event.suppressed ? 'SUPPRESSED' : event.webhookUrl ? 'PENDING' : 'NO_TARGET';
  const row = await tx.db
    .insertInto('outbox_events')
    .values({
      merchant_id: event.merchantId,
      biz_type: event.bizType,
      biz_id: event.bizId,
      biz_status: event.bizStatus,
      data_json: event.data,
      webhook_url: event.webhookUrl,
      ref_type: event.refType,
      ref_id: event.refId,
      status,
      attempts: 0,
      next_attempt_at_ms: nowMs,
      created_at_ms: nowMs,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  tx.tally(`outbox_event|${event.bizType}|${event.bizStatus}|${event.refType}`);
  if (status === 'PENDING') tx.tally(OUTBOX_DELIVERABLE);
  return String(row.id);
}
