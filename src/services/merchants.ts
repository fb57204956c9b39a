/**
 * Merchants and their API keys. The secret is returned once at creation and stored sealed
 * (it must stay recoverable: HMAC verification needs the plain secret).
 */
import { Errors, fail } from '../domain/errors.ts';
import type { ApiKeyInfo, Merchant } from '../domain/merchant.ts';
import { newApiCredential, randomDigits } from '../lib/ids.ts';
import { isUniqueViolation, withTransaction } from '../store/db.ts';
import * as repo from '../store/merchants-repo.ts';
import type { MerchantPatch } from '../store/merchants-repo.ts';
import { audit, type Actor } from './audit.ts';
import { ensureSigningKey } from './certificates.ts';
import type { ServiceDeps } from './deps.ts';

export interface CreatedKey {
  apiKey: string;
  apiSecret: string;
  info: ApiKeyInfo;
}

export interface CreateMerchantInput {
  name: string;
  webhookUrl?: string | null;
  ipAllowlist?: string[] | null;
  payClosedNotify?: boolean;
  isDemo?: boolean;
  partnerMerchantId?: number | null;
  profile?: Record<string, unknown> | null;
  /** sub-merchants are operated by their partner's keys and get none of their own */
  withoutKey?: boolean;
}

export async function createMerchant(deps: ServiceDeps, input: CreateMerchantInput, actor: Actor = 'system'): Promise<{ merchant: Merchant; key: CreatedKey | undefined }> {
  for (let attempt = 0; ; attempt++) {
    const merchantId = Number(randomDigits(9));
    try {
      return await withTransaction(deps.store, async (tx) => {
        const nowMs = deps.clock.now();
        await repo.insertMerchant(tx.db, {
          merchantId,
          name: input.name,
          webhookUrl: input.webhookUrl ?? null,
          ipAllowlist: input.ipAllowlist ?? null,
          payClosedNotify: input.payClosedNotify ?? true,
          isDemo: input.isDemo ?? false,
          partnerMerchantId: input.partnerMerchantId ?? null,
          profile: input.profile ?? null,
          nowMs,
        });
        const key = input.withoutKey ? undefined : await insertKey(deps, tx.db, merchantId, 'default', nowMs);
        const merchant = await repo.findMerchant(tx.db, merchantId);
        if (!merchant) throw new Error('merchant vanished inside its own transaction');
        await audit(tx.db, deps, actor, merchant.partnerMerchantId === null ? 'merchant.create' : 'submerchant.create', merchantId, {
          name: merchant.name,
          webhookUrl: merchant.webhookUrl,
          ipAllowlist: merchant.ipAllowlist,
          ...(merchant.partnerMerchantId !== null ? { partnerMerchantId: merchant.partnerMerchantId } : {}),
          ...(key ? { apiKey: key.apiKey } : {}),
        });
        return { merchant, key };
      });
    } catch (error) {
      // a random id collided with an existing merchant: draw another (a name clash is the caller's to report)
      if (attempt < 5 && isUniqueViolation(error) && !(await repo.findMerchant(deps.store.db, merchantId).then((m) => m === undefined))) continue;
      throw error;
    }
  }
}

async function insertKey(deps: ServiceDeps, q: Parameters<typeof repo.insertApiKey>[0], merchantId: number, label: string | null, nowMs: number, given?: { apiKey: string; apiSecret: string }): Promise<CreatedKey> {
  const apiKey = given?.apiKey ?? newApiCredential();
  const apiSecret = given?.apiSecret ?? newApiCredential();
  await repo.insertApiKey(q, { apiKey, merchantId, secretSealed: deps.secrets.seal(apiSecret), label, nowMs });
  return {
    apiKey,
    apiSecret,
    info: { apiKey, merchantId, label, status: 'ACTIVE', createdAtMs: nowMs, revokedAtMs: null, expiresAtMs: null },
  };
}

export async function getMerchant(deps: ServiceDeps, merchantId: number): Promise<Merchant> {
  const merchant = await repo.findMerchant(deps.store.db, merchantId);
  if (!merchant) fail(Errors.NOT_FOUND, `merchant ${merchantId} not found`);
  return merchant;
}

export function listMerchants(deps: ServiceDeps, opts: { limit?: number; afterId?: number }): Promise<Merchant[]> {
  return repo.listMerchants(deps.store.db, { limit: Math.min(opts.limit ?? 100, 1000), afterId: opts.afterId });
}

export async function updateMerchant(deps: ServiceDeps, merchantId: number, patch: MerchantPatch, actor: Actor = 'system'): Promise<Merchant> {
  const before = await getMerchant(deps, merchantId);
  // the new certificate exists before any webhook could need it
  if (patch.newWebhookCertificate === true) await ensureSigningKey(deps, 'new');
  await withTransaction(deps.store, async (tx) => {
    await repo.updateMerchant(tx.db, merchantId, patch, deps.clock.now());
    const changes = Object.fromEntries(
      Object.entries(patch)
        .filter(([k, v]) => v !== undefined && JSON.stringify(before[k as keyof Merchant]) !== JSON.stringify(v))
        .map(([k, v]) => [k, { from: before[k as keyof Merchant], to: v }]),
    );
    const action = patch.status === 'SUSPENDED' && before.status !== 'SUSPENDED' ? 'merchant.suspend' : patch.status === 'ACTIVE' && before.status !== 'ACTIVE' ? 'merchant.reactivate' : 'merchant.update';
    if (Object.keys(changes).length > 0) await audit(tx.db, deps, actor, action, merchantId, changes);
  });
  // who gets the new certificate's headers: this node at once, the others within the signer cache
  if (patch.newWebhookCertificate !== undefined) deps.caches.signer = undefined;
  return getMerchant(deps, merchantId);
}

export async function createApiKey(deps: ServiceDeps, merchantId: number, label: string | null, actor: Actor = 'system'): Promise<CreatedKey> {
  await getMerchant(deps, merchantId);
  return withTransaction(deps.store, async (tx) => {
    const key = await insertKey(deps, tx.db, merchantId, label, deps.clock.now());
    await audit(tx.db, deps, actor, 'apikey.create', merchantId, { apiKey: key.apiKey, label });
    return key;
  });
}

/**
 * A key pair the operator chose, for a replay merchant that answers the very key and secret a
 * recorded app uses (`bpay serve --replay`): the app then changes nothing but its base URL. The
 * same pair again is a no-op; a key another merchant holds, or with another secret, is refused.
 */
export async function importApiKey(deps: ServiceDeps, merchantId: number, given: { apiKey: string; apiSecret: string }, label: string | null, actor: Actor = 'system'): Promise<CreatedKey> {
  if (!/^[A-Za-z0-9]{64}$/.test(given.apiKey)) fail(Errors.BAD_ADMIN_REQUEST, 'apiKey must be 64 letters or digits (the format the Binance Pay API accepts)');
  if (given.apiSecret.length < 16 || given.apiSecret.length > 128) fail(Errors.BAD_ADMIN_REQUEST, 'apiSecret must be 16 to 128 characters');
  await getMerchant(deps, merchantId);
  const existing = await repo.findApiKeyWithSecret(deps.store.db, given.apiKey);
  if (existing) {
    if (existing.key.merchantId !== merchantId || deps.secrets.open(existing.secretSealed) !== given.apiSecret) fail(Errors.CONFLICT, 'this API key already exists with another merchant or secret');
    return { apiKey: given.apiKey, apiSecret: given.apiSecret, info: existing.key };
  }
  return withTransaction(deps.store, async (tx) => {
    const key = await insertKey(deps, tx.db, merchantId, label, deps.clock.now(), given);
    await audit(tx.db, deps, actor, 'apikey.create', merchantId, { apiKey: key.apiKey, label, imported: true });
    return key;
  });
}

export async function listApiKeys(deps: ServiceDeps, merchantId: number): Promise<ApiKeyInfo[]> {
  await getMerchant(deps, merchantId);
  return repo.listApiKeys(deps.store.db, merchantId);
}

async function ownedKey(deps: ServiceDeps, merchantId: number, apiKey: string): Promise<ApiKeyInfo> {
  const found = await repo.findApiKeyWithSecret(deps.store.db, apiKey);
  if (!found || found.key.merchantId !== merchantId) fail(Errors.NOT_FOUND, `API key not found for merchant ${merchantId}`);
  return found.key;
}

export async function revokeApiKey(deps: ServiceDeps, merchantId: number, apiKey: string, actor: Actor = 'system'): Promise<ApiKeyInfo> {
  const key = await ownedKey(deps, merchantId, apiKey);
  if (key.status === 'REVOKED') fail(Errors.CONFLICT, 'API key is already revoked');
  await withTransaction(deps.store, async (tx) => {
    await repo.revokeApiKey(tx.db, apiKey, deps.clock.now());
    await audit(tx.db, deps, actor, 'apikey.revoke', merchantId, { apiKey });
  });
  return ownedKey(deps, merchantId, apiKey);
}

/**
 * Rotation with overlap: a new key is issued and the old one keeps working for `overlapMs`,
 * so a merchant can deploy the new secret without downtime.
 */
export async function rotateApiKey(deps: ServiceDeps, merchantId: number, apiKey: string, overlapMs: number, actor: Actor = 'system'): Promise<{ created: CreatedKey; previous: ApiKeyInfo }> {
  const key = await ownedKey(deps, merchantId, apiKey);
  if (key.status !== 'ACTIVE') fail(Errors.CONFLICT, 'only an active key can be rotated');
  return withTransaction(deps.store, async (tx) => {
    const nowMs = deps.clock.now();
    const created = await insertKey(deps, tx.db, merchantId, key.label, nowMs);
    await repo.expireApiKeyAt(tx.db, apiKey, nowMs + overlapMs);
    const previous = await repo.findApiKeyWithSecret(tx.db, apiKey);
    if (!previous) throw new Error('key vanished inside its own transaction');
    await audit(tx.db, deps, actor, 'apikey.rotate', merchantId, { from: apiKey, to: created.apiKey, oldKeyExpiresAtMs: nowMs + overlapMs });
    return { created, previous: previous.key };
  });
}

/** The plain secret of a key, for the demo credentials banner only. */
export async function revealSecret(deps: ServiceDeps, apiKey: string): Promise<string> {
  const found = await repo.findApiKeyWithSecret(deps.store.db, apiKey);
  if (!found) fail(Errors.NOT_FOUND, 'API key not found');
  return deps.secrets.open(found.secretSealed);
}
