import type { Queryable } from './db.ts';
import { toNumber, toNumberOrNull } from './db.ts';

export interface DashboardSessionRow {
  tokenHash: string;
  kind: 'ADMIN' | 'MERCHANT';
  merchantId: number | null;
  apiKey: string | null;
  adminTokenFingerprint: string | null;
  csrfToken: string;
  createdAtMs: number;
  lastSeenAtMs: number;
  expiresAtMs: number;
}

export async function insertSession(q: Queryable, s: DashboardSessionRow): Promise<void> {
  await q
    .insertInto('dashboard_sessions')
    .values({
      token_hash: s.tokenHash,
      kind: s.kind,
      merchant_id: s.merchantId,
      api_key: s.apiKey,
      admin_token_fingerprint: s.adminTokenFingerprint,
      csrf_token: s.csrfToken,
      created_at_ms: s.createdAtMs,
      last_seen_at_ms: s.lastSeenAtMs,
      expires_at_ms: s.expiresAtMs,
    })
    .execute();
}

export async function findSession(q: Queryable, tokenHash: string): Promise<DashboardSessionRow | undefined> {
  const r = await q.selectFrom('dashboard_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!r) return undefined;
  return {
    tokenHash: r.token_hash,
    kind: r.kind === 'ADMIN' ? 'ADMIN' : 'MERCHANT',
    merchantId: toNumberOrNull(r.merchant_id),
    apiKey: r.api_key,
    adminTokenFingerprint: r.admin_token_fingerprint,
    csrfToken: r.csrf_token,
    createdAtMs: toNumber(r.created_at_ms),
    lastSeenAtMs: toNumber(r.last_seen_at_ms),
    expiresAtMs: toNumber(r.expires_at_ms),
  };
}

export async function touchSession(q: Queryable, tokenHash: string, nowMs: number): Promise<void> {
  await q.updateTable('dashboard_sessions').set({ last_seen_at_ms: nowMs }).where('token_hash', '=', tokenHash).execute();
}

export async function deleteSession(q: Queryable, tokenHash: string): Promise<void> {
  await q.deleteFrom('dashboard_sessions').where('token_hash', '=', tokenHash).execute();
}

/** Sessions past their absolute expiry or idle for longer than `idleBeforeMs` allows. */
export async function deleteStaleSessions(q: Queryable, nowMs: number, idleBeforeMs: number): Promise<void> {
  await q
    .deleteFrom('dashboard_sessions')
    .where((eb) => eb.or([eb('expires_at_ms', '<=', nowMs), eb('last_seen_at_ms', '<', idleBeforeMs)]))
    .execute();
}
