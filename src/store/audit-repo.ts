import type { Queryable } from './db.ts';
import { toNumber, toNumberOrNull } from './db.ts';

export interface AuditEntry {
  id: string;
  atMs: number;
  actor: string;
  action: string;
  merchantId: number | null;
  detail: Record<string, unknown>;
}

export async function insertAudit(q: Queryable, e: Omit<AuditEntry, 'id'>): Promise<void> {
  await q.insertInto('audit_log').values({ at_ms: e.atMs, actor: e.actor, action: e.action, merchant_id: e.merchantId, detail_json: JSON.stringify(e.detail) }).execute();
}

export async function listAudit(q: Queryable, f: { merchantId?: number | undefined; beforeId?: string | undefined; limit: number }): Promise<AuditEntry[]> {
  let query = q.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(f.limit);
  if (f.merchantId !== undefined) query = query.where('merchant_id', '=', f.merchantId);
  if (f.beforeId !== undefined) query = query.where('id', '<', BigInt(f.beforeId));
  const rows = await query.execute();
  return rows.map((r) => ({ id: String(r.id), atMs: toNumber(r.at_ms), actor: r.actor, action: r.action, merchantId: toNumberOrNull(r.merchant_id), detail: JSON.parse(r.detail_json) as Record<string, unknown> }));
}
