/**
 * The webhook signing key pairs: generated when first needed, stored with the private key sealed,
 * and published through /certificates (fact sheet §3.7). Clients cache certificates (one SDK for a
 * year), so rotation keeps the previous key listed for an overlap period.
 *
 * Two kinds (docs/webhooks.md): the `legacy` key signs `BinancePay-Signature` of every webhook;
 * the `new` key is Binance's new platform certificate, listed by /certificates/new and signing
 * `BinancePay-Signature-New` — only for merchants whose switch `newWebhookCertificate` is on.
 */
import type { Merchant } from '../domain/merchant.ts';
import { certSerialOf, generateRsaKeyPair } from '../lib/signature.ts';
import { listNewCertificateMerchantIds } from '../store/merchants-repo.ts';
import { insertSigningKey, listSigningKeys, retireSigningKeys, type SigningKeyKind, type SigningKeyRow } from '../store/signing-keys-repo.ts';
import { audit, type Actor } from './audit.ts';
import type { ServiceDeps } from './deps.ts';

export type { SigningKeyKind };

export interface Certificate {
  certSerial: string;
  certPublic: string;
}

export interface SigningKey {
  certSerial: string;
  privateKeyPem: string;
}

/** What the dispatcher signs a webhook with (src/outbox/request.ts WebhookSigner). */
export interface ActiveSigner extends SigningKey {
  /** the new certificate's key when the merchant has it enabled */
  newKeyFor(merchantId: number): SigningKey | undefined;
}

export const DEFAULT_ROTATION_OVERLAP_MS = 7 * 24 * 3600 * 1000;

/** how long a node trusts what it loaded: a rotation or a switch on another node shows within this */
const SIGNER_CACHE_MS = 5_000;

/**
 * The one unretired key of a kind. If several nodes generated one at the same moment, the oldest
 * wins (then the smallest serial): it may already have signed webhooks; the others are retired unlisted.
 */
function pickActive(keys: SigningKeyRow[]): SigningKeyRow | undefined {
  return keys
    .filter((k) => k.retiredAtMs === null)
    .sort((a, b) => a.createdAtMs - b.createdAtMs || a.certSerial.localeCompare(b.certSerial))[0];
}

/** Makes sure a key of `kind` exists (the legacy one at start, the new one when first enabled). */
export async function ensureSigningKey(deps: ServiceDeps, kind: SigningKeyKind = 'legacy'): Promise<Certificate> {
  let keys = await listSigningKeys(deps.store, kind);
  if (!pickActive(keys)) {
    const pair = generateRsaKeyPair(2048);
    await insertSigningKey(deps.store, {
      certSerial: certSerialOf(pair.publicKeyPem),
      kind,
      publicPem: pair.publicKeyPem,
      privateSealed: deps.secrets.seal(pair.privateKeyPem),
      nowMs: deps.clock.now(),
    });
    keys = await listSigningKeys(deps.store, kind);
  }
  const unretired = keys.filter((k) => k.retiredAtMs === null);
  const active = pickActive(keys);
  if (!active) throw new Error(`no ${kind} signing key after generating one`);
  if (unretired.length > 1) {
    // a concurrent first start: the losers were never published
    await retireSigningKeys(deps.store, kind, active.certSerial, deps.clock.now(), deps.clock.now());
  }
  deps.caches.signer = undefined;
  return { certSerial: active.certSerial, certPublic: active.publicPem };
}

/** Current key first, then retired keys still inside their overlap. */
export async function listCertificates(deps: ServiceDeps, kind: SigningKeyKind = 'legacy'): Promise<Certificate[]> {
  const nowMs = deps.clock.now();
  const keys = await listSigningKeys(deps.store, kind);
  const active = pickActive(keys);
  const listed = keys.filter((k) => k !== active && k.retiredAtMs !== null && (k.listedUntilMs ?? 0) > nowMs);
  return [...(active ? [active] : []), ...listed].map((k) => ({ certSerial: k.certSerial, certPublic: k.publicPem }));
}

/**
 * /certificates/new for one merchant: empty until the new certificate is enabled for it, as
 * Binance documents ("a non-empty list means webhooks now carry the new headers").
 */
export async function listNewCertificates(deps: ServiceDeps, merchant: Merchant): Promise<Certificate[]> {
  if (!merchant.newWebhookCertificate) return [];
  const listed = await listCertificates(deps, 'new');
  return listed.length > 0 ? listed : [await ensureSigningKey(deps, 'new')];
}

export async function rotateSigningKey(deps: ServiceDeps, overlapMs: number = DEFAULT_ROTATION_OVERLAP_MS, actor: Actor = 'system', kind: SigningKeyKind = 'legacy'): Promise<Certificate> {
  const pair = generateRsaKeyPair(2048);
  const certSerial = certSerialOf(pair.publicKeyPem);
  const nowMs = deps.clock.now();
  await insertSigningKey(deps.store, { certSerial, kind, publicPem: pair.publicKeyPem, privateSealed: deps.secrets.seal(pair.privateKeyPem), nowMs });
  await retireSigningKeys(deps.store, kind, certSerial, nowMs, nowMs + overlapMs);
  await audit(deps.store.db, deps, actor, 'certificates.rotate', null, { certSerial, kind, previousListedUntilMs: nowMs + overlapMs });
  deps.caches.signer = undefined;
  return { certSerial, certPublic: pair.publicKeyPem };
}

/**
 * The keys webhooks are signed with, and which merchants get the new certificate's headers;
 * cached briefly so a rotation or a switch on another node is picked up.
 */
export async function activeSigner(deps: ServiceDeps): Promise<ActiveSigner> {
  const nowMs = deps.clock.wall.now();
  let cached = deps.caches.signer;
  if (!cached || nowMs - cached.loadedAtMs >= SIGNER_CACHE_MS) {
    const [legacyKeys, newKeys, newMerchants] = await Promise.all([listSigningKeys(deps.store, 'legacy'), listSigningKeys(deps.store, 'new'), listNewCertificateMerchantIds(deps.store.db)]);
    const active = pickActive(legacyKeys);
    if (!active) throw new Error('no webhook signing key: ensureSigningKey runs at start');
    const activeNew = pickActive(newKeys);
    cached = {
      certSerial: active.certSerial,
      privateKeyPem: deps.secrets.open(active.privateSealed),
      newKey: activeNew ? { certSerial: activeNew.certSerial, privateKeyPem: deps.secrets.open(activeNew.privateSealed) } : undefined,
      newMerchants: new Set(newMerchants),
      loadedAtMs: nowMs,
    };
    deps.caches.signer = cached;
  }
  const { certSerial, privateKeyPem, newKey, newMerchants } = cached;
  return { certSerial, privateKeyPem, newKeyFor: (merchantId) => (newKey && newMerchants.has(merchantId) ? newKey : undefined) };
}
