/**
 * Dashboard sign-in (docs/checkout.md "Dashboard"): the admin token (sees every merchant) or one
 * merchant's API key and secret (sees only its own data). A session is a random 256-bit token held
 * in an HttpOnly cookie; the database keeps only its SHA-256, the principal and a CSRF token, so
 * signing out ends it on every node. Sessions live on the wall clock: sandbox time travel must not
 * sign anyone out.
 */
import { Errors, fail } from '../domain/errors.ts';
import { isApiKeyUsable } from '../domain/merchant.ts';
import { randomHex } from '../lib/ids.ts';
import { constantTimeEqual, sha256Hex } from '../lib/signature.ts';
import * as repo from '../store/dashboard-sessions-repo.ts';
import { findApiKeyWithSecret, findMerchant } from '../store/merchants-repo.ts';
import type { ServiceDeps } from './deps.ts';

/** A session ends this long after sign-in, whatever happens. */
export const SESSION_LIFETIME_MS = 8 * 3600_000;
/** …or after this long without a request. */
export const SESSION_IDLE_MS = 3600_000;
/** last_seen is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

export type DashboardPrincipal = { kind: 'ADMIN' } | { kind: 'MERCHANT'; merchantId: number; merchantName: string; apiKey: string };

export interface DashboardSession {
  principal: DashboardPrincipal;
  /** synchronizer token every dashboard form posts back */
  csrfToken: string;
  expiresAtMs: number;
  /** the audit-log actor of this session's actions: `dashboard:admin` or `dashboard:merchant:<merchantId>` */
  actor: string;
}

export interface StartedSession {
  /** the cookie value; shown to nobody else and stored only hashed */
  token: string;
  session: DashboardSession;
}

function fingerprint(adminToken: string): string {
  return sha256Hex(`dashboard:${adminToken}`).slice(0, 32);
}

function actorOf(p: DashboardPrincipal): string {
  return p.kind === 'ADMIN' ? 'dashboard:admin' : `dashboard:merchant:${p.merchantId}`;
}

async function start(deps: ServiceDeps, principal: DashboardPrincipal, adminToken: string | null): Promise<StartedSession> {
  const nowMs = deps.clock.wall.now();
  await repo.deleteStaleSessions(deps.store.db, nowMs, nowMs - SESSION_IDLE_MS);
  const token = randomHex(32);
  const csrfToken = randomHex(24);
  const expiresAtMs = nowMs + SESSION_LIFETIME_MS;
  await repo.insertSession(deps.store.db, {
    tokenHash: sha256Hex(token),
    kind: principal.kind,
    merchantId: principal.kind === 'MERCHANT' ? principal.merchantId : null,
    apiKey: principal.kind === 'MERCHANT' ? principal.apiKey : null,
    adminTokenFingerprint: adminToken === null ? null : fingerprint(adminToken),
    csrfToken,
    createdAtMs: nowMs,
    lastSeenAtMs: nowMs,
    expiresAtMs,
  });
  return { token, session: { principal, csrfToken, expiresAtMs, actor: actorOf(principal) } };
}

export async function signInAdmin(deps: ServiceDeps, presented: string, adminToken: string): Promise<StartedSession> {
  if (!presented || !constantTimeEqual(presented.trim(), adminToken)) fail(Errors.SIGN_IN_REQUIRED, 'Wrong admin token.');
  return start(deps, { kind: 'ADMIN' }, adminToken);
}

/** One merchant, by an active API key and its secret (the pair that signs its API requests). */
export async function signInMerchant(deps: ServiceDeps, apiKey: string, apiSecret: string): Promise<StartedSession> {
  const wrong = 'Wrong API key or secret (or the key is revoked).';
  const found = /^[A-Za-z0-9]{64}$/.test(apiKey.trim()) ? await findApiKeyWithSecret(deps.store.db, apiKey.trim()) : undefined;
  if (!found || !isApiKeyUsable(found.key, deps.clock.now())) fail(Errors.SIGN_IN_REQUIRED, wrong);
  if (!constantTimeEqual(apiSecret.trim(), deps.secrets.open(found.secretSealed))) fail(Errors.SIGN_IN_REQUIRED, wrong);
  const merchant = await findMerchant(deps.store.db, found.key.merchantId);
  if (!merchant) fail(Errors.SIGN_IN_REQUIRED, wrong);
  return start(deps, { kind: 'MERCHANT', merchantId: merchant.merchantId, merchantName: merchant.name, apiKey: found.key.apiKey }, null);
}

/**
 * The session behind a cookie token, or undefined when it is unknown, expired, idle too long, or
 * no longer backed by its credential (a changed admin token, a revoked API key).
 */
export async function resumeSession(deps: ServiceDeps, token: string, adminToken: string): Promise<DashboardSession | undefined> {
  if (!/^[0-9a-f]{64}$/.test(token)) return undefined;
  const tokenHash = sha256Hex(token);
  const row = await repo.findSession(deps.store.db, tokenHash);
  if (!row) return undefined;
  const nowMs = deps.clock.wall.now();
  const end = async () => {
    await repo.deleteSession(deps.store.db, tokenHash);
    return undefined;
  };
  if (row.expiresAtMs <= nowMs || row.lastSeenAtMs + SESSION_IDLE_MS <= nowMs) return end();
  let principal: DashboardPrincipal;
  if (row.kind === 'ADMIN') {
    if (row.adminTokenFingerprint === null || !constantTimeEqual(row.adminTokenFingerprint, fingerprint(adminToken))) return end();
    principal = { kind: 'ADMIN' };
  } else {
    if (row.merchantId === null || row.apiKey === null) return end();
    const key = await findApiKeyWithSecret(deps.store.db, row.apiKey);
    if (!key || key.key.merchantId !== row.merchantId || !isApiKeyUsable(key.key, deps.clock.now())) return end();
    const merchant = await findMerchant(deps.store.db, row.merchantId);
    if (!merchant) return end();
    principal = { kind: 'MERCHANT', merchantId: merchant.merchantId, merchantName: merchant.name, apiKey: row.apiKey };
  }
  if (nowMs - row.lastSeenAtMs >= TOUCH_EVERY_MS) await repo.touchSession(deps.store.db, tokenHash, nowMs);
  return { principal, csrfToken: row.csrfToken, expiresAtMs: row.expiresAtMs, actor: actorOf(principal) };
}

export async function signOut(deps: ServiceDeps, token: string): Promise<void> {
  if (/^[0-9a-f]{64}$/.test(token)) await repo.deleteSession(deps.store.db, sha256Hex(token));
}
