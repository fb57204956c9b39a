import type { ApiKeyInfo, ApiKeyStatus, Merchant, MerchantStatus } from '../domain/merchant.ts';
import { precompiled } from './compiled.ts';
import type { Queryable } from './db.ts';
import { fromBool, toBigInt, toBool, toNumber, toNumberOrNull } from './db.ts';
import type { ApiKeysTable, MerchantsTable } from './schema.ts';
import type { Selectable } from 'kysely';

type Q = Queryable;

function toMerchant(row: Selectable<MerchantsTable>): Merchant {
  return {
    merchantId: toNumber(row.merchant_id),
    name: row.name,
    status: row.status as MerchantStatus,
    webhookUrl: row.webhook_url,
    ipAllowlist: row.ip_allowlist === null ? null : (JSON.parse(row.ip_allowlist) as string[]),
    payClosedNotify: toBool(row.pay_closed_notify),
    newWebhookCertificate: toBool(row.new_webhook_certificate),
    sharePayerDetail: toBool(row.share_payer_detail),
    commissionRate: row.commission_rate,
    partnerMerchantId: toNumberOrNull(row.partner_merchant_id),
    profile: row.profile_json ? (JSON.parse(row.profile_json) as Record<string, unknown>) : null,
    isDemo: toBool(row.is_demo),
    createdAtMs: toNumber(row.created_at_ms),
    updatedAtMs: toNumber(row.updated_at_ms),
  };
}

function toApiKey(row: Omit<Selectable<ApiKeysTable>, 'secret_sealed'>): ApiKeyInfo {
  return {
    apiKey: row.api_key,
    merchantId: toNumber(row.merchant_id),
    label: row.label,
    status: row.status as ApiKeyStatus,
    createdAtMs: toNumber(row.created_at_ms),
    revokedAtMs: toNumberOrNull(row.revoked_at_ms),
    expiresAtMs: toNumberOrNull(row.expires_at_ms),
  };
}

export interface NewMerchant {
  merchantId: number;
  name: string;
  webhookUrl: string | null;
  ipAllowlist: string[] | null;
  payClosedNotify: boolean;
  isDemo: boolean;
  partnerMerchantId: number | null;
  profile?: Record<string, unknown> | null;
  nowMs: number;
}

export async function insertMerchant(q: Q, m: NewMerchant): Promise<void> {
  await q
    .insertInto('merchants')
    .values({
      merchant_id: m.merchantId,
      name: m.name,
      status: 'ACTIVE',
      webhook_url: m.webhookUrl,
      ip_allowlist: m.ipAllowlist === null ? null : JSON.stringify(m.ipAllowlist),
      pay_closed_notify: fromBool(m.payClosedNotify),
      commission_rate: null,
      partner_merchant_id: m.partnerMerchantId,
      profile_json: m.profile ? JSON.stringify(m.profile) : null,
      is_demo: fromBool(m.isDemo),
      created_at_ms: m.nowMs,
      updated_at_ms: m.nowMs,
    })
    .execute();
}

export async function findMerchant(q: Q, merchantId: number): Promise<Merchant | undefined> {
  const row = await q.selectFrom('merchants').selectAll().where('merchant_id', '=', merchantId).executeTakeFirst();
  return row ? toMerchant(row) : undefined;
}

/** The merchant of the order `prepayId`: read by the order's key, it can go out with the order's own read. */
export async function findMerchantOfOrder(q: Q, prepayId: string): Promise<Merchant | undefined> {
  const row = await q
    .selectFrom('merchants')
    .selectAll()
    .where('merchant_id', '=', (eb) => eb.selectFrom('orders').select('merchant_id').where('prepay_id', '=', prepayId))
    .executeTakeFirst();
  return row ? toMerchant(row) : undefined;
}

export async function findDemoMerchant(q: Q): Promise<Merchant | undefined> {
  const row = await q.selectFrom('merchants').selectAll().where('is_demo', '=', 1).orderBy('created_at_ms').executeTakeFirst();
  return row ? toMerchant(row) : undefined;
}

export async function listMerchants(q: Q, opts: { limit: number; afterId?: number | undefined }): Promise<Merchant[]> {
  let query = q.selectFrom('merchants').selectAll().orderBy('merchant_id').limit(opts.limit);
  if (opts.afterId !== undefined) query = query.where('merchant_id', '>', opts.afterId);
  return (await query.execute()).map(toMerchant);
}

export interface MerchantPatch {
  name?: string;
  profile?: Record<string, unknown>;
  status?: MerchantStatus;
  webhookUrl?: string | null;
  ipAllowlist?: string[] | null;
  payClosedNotify?: boolean;
  newWebhookCertificate?: boolean;
  sharePayerDetail?: boolean;
  commissionRate?: string | null;
}

export async function updateMerchant(q: Q, merchantId: number, patch: MerchantPatch, nowMs: number): Promise<void> {
  await q
    .updateTable('merchants')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.profile !== undefined ? { profile_json: JSON.stringify(patch.profile) } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.webhookUrl !== undefined ? { webhook_url: patch.webhookUrl } : {}),
      ...(patch.ipAllowlist !== undefined ? { ip_allowlist: patch.ipAllowlist === null ? null : JSON.stringify(patch.ipAllowlist) } : {}),
      ...(patch.payClosedNotify !== undefined ? { pay_closed_notify: fromBool(patch.payClosedNotify) } : {}),
      ...(patch.commissionRate !== undefined ? { commission_rate: patch.commissionRate } : {}),
      ...(patch.newWebhookCertificate !== undefined ? { new_webhook_certificate: fromBool(patch.newWebhookCertificate) } : {}),
      ...(patch.sharePayerDetail !== undefined ? { share_payer_detail: fromBool(patch.sharePayerDetail) } : {}),
      updated_at_ms: nowMs,
    })
    .where('merchant_id', '=', merchantId)
    .execute();
}

export async function insertApiKey(q: Q, k: { apiKey: string; merchantId: number; secretSealed: string; label: string | null; nowMs: number }): Promise<void> {
  await q
    .insertInto('api_keys')
    .values({ api_key: k.apiKey, merchant_id: k.merchantId, secret_sealed: k.secretSealed, label: k.label, status: 'ACTIVE', created_at_ms: k.nowMs })
    .execute();
}

export async function findApiKeyWithSecret(q: Q, apiKey: string): Promise<{ key: ApiKeyInfo; secretSealed: string } | undefined> {
  const row = await q.selectFrom('api_keys').selectAll().where('api_key', '=', apiKey).executeTakeFirst();
  return row ? { key: toApiKey(row), secretSealed: row.secret_sealed } : undefined;
}

/**
 * The API key with its sealed secret and its merchant, in one query: every authenticated request
 * needs all three, and one round trip per request costs less than two (one snapshot, too).
 */
const selectApiKeyAndMerchant = precompiled((q, $) =>
  q
    .selectFrom('api_keys as k')
    .leftJoin('merchants as m', 'm.merchant_id', 'k.merchant_id')
    .selectAll('m')
    .select([
      'k.api_key as key_api_key',
      'k.merchant_id as key_merchant_id',
      'k.secret_sealed as key_secret_sealed',
      'k.label as key_label',
      'k.status as key_status',
      'k.created_at_ms as key_created_at_ms',
      'k.revoked_at_ms as key_revoked_at_ms',
      'k.expires_at_ms as key_expires_at_ms',
    ])
    // read in the same snapshot as the rows, so a cache of them knows which state they are
    .select((eb) => eb.selectFrom('auth_epoch').select('epoch').where('id', '=', 1).as('auth_epoch'))
    .where('k.api_key', '=', $(0)),
);

export interface ApiKeyAndMerchant {
  key: ApiKeyInfo;
  secretSealed: string;
  merchant: Merchant | undefined;
  /** the auth epoch (migration 0007) these rows belong to */
  epoch: bigint;
}

export async function findApiKeyAndMerchant(q: Q, apiKey: string): Promise<ApiKeyAndMerchant | undefined> {
  const row = (await selectApiKeyAndMerchant(q, [apiKey])).rows[0];
  if (!row) return undefined;
  const key = toApiKey({
    api_key: row.key_api_key,
    merchant_id: row.key_merchant_id,
    label: row.key_label,
    status: row.key_status,
    created_at_ms: row.key_created_at_ms,
    revoked_at_ms: row.key_revoked_at_ms,
    expires_at_ms: row.key_expires_at_ms,
  });
  const merchant = row.merchant_id === null ? undefined : toMerchant(row as Selectable<MerchantsTable>);
  return { key, secretSealed: row.key_secret_sealed, merchant, epoch: toBigInt(row.auth_epoch) };
}

export async function listApiKeys(q: Q, merchantId: number): Promise<ApiKeyInfo[]> {
  const rows = await q
    .selectFrom('api_keys')
    .select(['api_key', 'merchant_id', 'label', 'status', 'created_at_ms', 'revoked_at_ms', 'expires_at_ms'])
    .where('merchant_id', '=', merchantId)
    .orderBy('created_at_ms')
    .execute();
  return rows.map(toApiKey);
}

export async function revokeApiKey(q: Q, apiKey: string, nowMs: number): Promise<void> {
  await q.updateTable('api_keys').set({ status: 'REVOKED', revoked_at_ms: nowMs }).where('api_key', '=', apiKey).execute();
}

export async function expireApiKeyAt(q: Q, apiKey: string, expiresAtMs: number): Promise<void> {
  await q.updateTable('api_keys').set({ expires_at_ms: expiresAtMs }).where('api_key', '=', apiKey).execute();
}

export async function findSubMerchantByName(q: Q, partnerMerchantId: number, name: string): Promise<Merchant | undefined> {
  const row = await q.selectFrom('merchants').selectAll().where('partner_merchant_id', '=', partnerMerchantId).where('name', '=', name).executeTakeFirst();
  return row ? toMerchant(row) : undefined;
}

export async function listSubMerchants(q: Q, partnerMerchantId: number): Promise<Merchant[]> {
  return (await q.selectFrom('merchants').selectAll().where('partner_merchant_id', '=', partnerMerchantId).orderBy('merchant_id').execute()).map(toMerchant);
}

/** Merchants whose webhooks carry the new certificate's headers (docs/webhooks.md). */
export async function listNewCertificateMerchantIds(q: Q): Promise<number[]> {
  const rows = await q.selectFrom('merchants').select('merchant_id').where('new_webhook_certificate', '=', 1).execute();
  return rows.map((r) => toNumber(r.merchant_id));
}

/** The newest usable API key of a merchant with its sealed secret (payerDetail of orders that recorded none). */
export async function findNewestActiveApiKeyWithSecret(q: Q, merchantId: number, nowMs: number): Promise<{ key: ApiKeyInfo; secretSealed: string } | undefined> {
  const rows = await q.selectFrom('api_keys').selectAll().where('merchant_id', '=', merchantId).where('status', '=', 'ACTIVE').orderBy('created_at_ms', 'desc').execute();
  const row = rows.find((r) => r.expires_at_ms === null || toNumber(r.expires_at_ms) > nowMs);
  return row ? { key: toApiKey(row), secretSealed: row.secret_sealed } : undefined;
}
