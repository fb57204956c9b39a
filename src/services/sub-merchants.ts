/**
 * Sub-merchants (fact sheet §3.13): a channel partner creates and modifies them through the
 * Binance API and operates them with its own keys — orders, refunds and payouts on their behalf
 * settle in the sub-merchant's wallets. A sub-merchant is a merchant row with a partner.
 */
import { AppError, Errors, fail } from '../domain/errors.ts';
import type { Merchant } from '../domain/merchant.ts';
import { isUniqueViolation, withTransaction } from '../store/db.ts';
import * as repo from '../store/merchants-repo.ts';
import { audit } from './audit.ts';
import type { ServiceDeps } from './deps.ts';
import { createMerchant } from './merchants.ts';

export interface SubMerchantProfile {
  merchantName: string;
  [field: string]: unknown;
}

function partnerOnly(partner: Merchant): void {
  // a sub-merchant cannot have sub-merchants of its own
  if (partner.partnerMerchantId !== null) fail(Errors.INVALID_ACCOUNT_STATUS, 'Not supported for this account: a sub-merchant cannot create sub-merchants.');
}

function nameTaken(name: string): never {
  throw new AppError(Errors.SUB_MERCHANT_EXISTS, `Sub merchant already exists, please check the merchant name: ${name}`);
}

export async function addSubMerchant(deps: ServiceDeps, partner: Merchant, profile: SubMerchantProfile): Promise<Merchant> {
  partnerOnly(partner);
  if (await repo.findSubMerchantByName(deps.store.db, partner.merchantId, profile.merchantName)) nameTaken(profile.merchantName);
  try {
    const { merchant } = await createMerchant(
      deps,
      { name: profile.merchantName, partnerMerchantId: partner.merchantId, profile, webhookUrl: null, withoutKey: true },
      `merchant:${partner.merchantId}`,
    );
    return merchant;
  } catch (error) {
    if (isUniqueViolation(error) && (await repo.findSubMerchantByName(deps.store.db, partner.merchantId, profile.merchantName))) nameTaken(profile.merchantName);
    throw error;
  }
}

/** The partner's sub-merchant, or 400206 (unknown, another partner's, or suspended). */
export async function requireSubMerchant(deps: ServiceDeps, partner: Merchant, subMerchantId: string | number): Promise<Merchant> {
  const id = Number(subMerchantId);
  const sub = Number.isSafeInteger(id) ? await repo.findMerchant(deps.store.db, id) : undefined;
  if (!sub || sub.partnerMerchantId !== partner.merchantId || sub.status !== 'ACTIVE') {
    fail(Errors.SUB_MERCHANT_INVALID, `The sub merchant ${subMerchantId} does not exist or is not available.`);
  }
  return sub;
}

export async function modifySubMerchant(deps: ServiceDeps, partner: Merchant, subMerchantId: string, changes: Record<string, unknown>): Promise<Merchant> {
  partnerOnly(partner);
  const sub = await requireSubMerchant(deps, partner, subMerchantId);
  const name = typeof changes.merchantName === 'string' ? changes.merchantName : undefined;
  if (name !== undefined && name !== sub.name) {
    const clash = await repo.findSubMerchantByName(deps.store.db, partner.merchantId, name);
    if (clash) nameTaken(name);
  }
  const profile = { ...(sub.profile ?? {}), ...changes };
  try {
    await withTransaction(deps.store, async (tx) => {
      await repo.updateMerchant(tx.db, sub.merchantId, { profile, ...(name !== undefined ? { name } : {}) }, deps.clock.now());
      await audit(tx.db, deps, `merchant:${partner.merchantId}`, 'submerchant.modify', sub.merchantId, { changed: Object.keys(changes) });
    });
  } catch (error) {
    if (isUniqueViolation(error) && name !== undefined) nameTaken(name);
    throw error;
  }
  const updated = await repo.findMerchant(deps.store.db, sub.merchantId);
  if (!updated) throw new Error('sub-merchant vanished');
  return updated;
}

export function listSubMerchants(deps: ServiceDeps, partnerMerchantId: number): Promise<Merchant[]> {
  return repo.listSubMerchants(deps.store.db, partnerMerchantId);
}
