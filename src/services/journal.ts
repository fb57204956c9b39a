import type { JournalEntry } from '../domain/ledger.ts';
import { journalOf } from '../ledger/ledger.ts';
import type { ServiceDeps } from './deps.ts';

/** Every transfer recorded against an order (payment, conversion, commission, refunds…). */
export function orderJournal(deps: ServiceDeps, prepayId: string): Promise<JournalEntry[]> {
  return journalOf(deps.store.db, 'order', [prepayId]);
}

/** Every transfer of a payout batch (reservations, payments to receivers, releases). */
export function payoutJournal(deps: ServiceDeps, payoutId: string): Promise<JournalEntry[]> {
  return journalOf(deps.store.db, 'payout', [payoutId]);
}
