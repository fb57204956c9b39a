/**
 * The webhook signing key pair: generated on first start, stored with the private key sealed, and
 * published through /certificates (fact sheet §3.7). Clients cache certificates (one SDK for a
 * year), so rotation keeps the previous key listed for an overlap period.
 */
import { certSerialOf, generateRsaKeyPair } from '../lib/signature.ts';
import { insertSigningKey, listSigningKeys, retireSigningKeys, type SigningKeyRow } from '../store/signing-keys-repo.ts';
import { audit, type Actor } from './audit.ts';
import type { ServiceDeps } from './deps.ts';

export interface Certificate {
  certSerial: string;
  certPublic: string;
}

export interface ActiveSigner {
  certSerial: string;
  privateKeyPem: string;
}

export const DEFAULT_ROTATION_OVERLAP_MS = 7 * 24 * 3600 * 1000;

/**
 * The one unretired key. If several nodes generated one at the same first start, the oldest wins
 * (then the smallest serial): it may already have signed webhooks; the others are retired unlisted.
 */
function pickActive(keys: SigningKeyRow[]): SigningKeyRow | undefined {
  return keys
    .filter((k) => k.retiredAtMs === null)
    .sort((a, b) => a.createdAtMs - b.createdAtMs || a.certSerial.localeCompare(b.certSerial))[0];
}

export async function ensureSigningKey(deps: ServiceDeps): Promise<Certificate> {
  let keys = await listSigningKeys(deps.store);
  if (!pickActive(keys)) {
    const pair = generateRsaKeyPair(2048);
    await insertSigningKey(deps.store, {
      certSerial: certSerialOf(pair.publicKeyPem),
      publicPem: pair.publicKeyPem,
      privateSealed: deps.secrets.seal(pair.privateKeyPem),
      nowMs: deps.clock.now(),
    });
    keys = await listSigningKeys(deps.store);
  }
  const unretired = keys.filter((k) => k.retiredAtMs === null);
  const active = pickActive(keys);
  if (!active) throw new Error('no signing key after generating one');
  if (unretired.length > 1) {
    // a concurrent first start: the losers were never published
    await retireSigningKeys(deps.store, active.certSerial, deps.clock.now(), deps.clock.now());
  }
  deps.caches.signer = undefined;
  return { certSerial: active.certSerial, certPublic: active.publicPem };
}

/** Current key first, then retired keys still inside their overlap. */
export async function listCertificates(deps: ServiceDeps): Promise<Certificate[]> {
  const nowMs = deps.clock.now();
  const keys = await listSigningKeys(deps.store);
  const active = pickActive(keys);
  const listed = keys.filter((k) => k !== active && k.retiredAtMs !== null && (k.listedUntilMs ?? 0) > nowMs);
  return [...(active ? [active] : []), ...listed].map((k) => ({ certSerial: k.certSerial, certPublic: k.publicPem }));
}

export async function rotateSigningKey(deps: ServiceDeps, overlapMs: number = DEFAULT_ROTATION_OVERLAP_MS, actor: Actor = 'system'): Promise<Certificate> {
  const pair = generateRsaKeyPair(2048);
  const certSerial = certSerialOf(pair.publicKeyPem);
  const nowMs = deps.clock.now();
  await insertSigningKey(deps.store, { certSerial, publicPem: pair.publicKeyPem, privateSealed: deps.secrets.seal(pair.privateKeyPem), nowMs });
  await retireSigningKeys(deps.store, certSerial, nowMs, nowMs + overlapMs);
  await audit(deps.store.db, deps, actor, 'certificates.rotate', null, { certSerial, previousListedUntilMs: nowMs + overlapMs });
  deps.caches.signer = undefined;
  return { certSerial, certPublic: pair.publicKeyPem };
}

/** The key webhooks are signed with; cached briefly so a rotation on another node is picked up. */
export async function activeSigner(deps: ServiceDeps): Promise<ActiveSigner> {
  const nowMs = deps.wallClock.now();
  const cached = deps.caches.signer;
  if (cached && nowMs - cached.loadedAtMs < 5_000) return { certSerial: cached.certSerial, privateKeyPem: cached.privateKeyPem };
  const active = pickActive(await listSigningKeys(deps.store));
  if (!active) throw new Error('no webhook signing key: ensureSigningKey runs at start');
  const signer = { certSerial: active.certSerial, privateKeyPem: deps.secrets.open(active.privateSealed) };
  deps.caches.signer = { ...signer, loadedAtMs: nowMs };
  return signer;
}
