/**
 * The audit log of management actions: who did what, when. Entries are written in the same
 * transaction as the change they record, and never contain secrets.
 */
import type { Queryable } from '../store/db.ts';
import { insertAudit, listAudit as list, type AuditEntry } from '../store/audit-repo.ts';
import type { ServiceDeps } from './deps.ts';

/** Who acts: `admin` (admin token), `cli:<user>@<host>`, `dashboard:<session>`, `merchant:<id>` (Binance API). */
export type Actor = string;

export function audit(q: Queryable, deps: ServiceDeps, actor: Actor, action: string, merchantId: number | null, detail: Record<string, unknown> = {}): Promise<void> {
  return insertAudit(q, { atMs: deps.clock.now(), actor, action, merchantId, detail });
}

export function listAuditLog(deps: ServiceDeps, filter: { merchantId?: number; beforeId?: string; limit?: number }): Promise<AuditEntry[]> {
  return list(deps.store.db, { merchantId: filter.merchantId, beforeId: filter.beforeId, limit: Math.min(filter.limit ?? 100, 1000) });
}

export type { AuditEntry };
