import type { Store } from './db.ts';
import { toNumber, toNumberOrNull } from './db.ts';

/**
 * `legacy`: the key of BinancePay-Signature, listed by /certificates. `new`: Binance's new platform
 * certificate, BinancePay-Signature-New, listed by /certificates/new (migration 0020).
 */
export type SigningKeyKind = 'legacy' | 'new';

export interface SigningKeyRow {
  certSerial: string;
  kind: SigningKeyKind;
  publicPem: string;
  privateSealed: string;
  createdAtMs: number;
  retiredAtMs: number | null;
  listedUntilMs: number | null;
}

export async function listSigningKeys(store: Store, kind: SigningKeyKind): Promise<SigningKeyRow[]> {
  const rows = await store.db.selectFrom('signing_keys').selectAll().where('kind', '=', kind).orderBy('created_at_ms', 'desc').execute();
  return rows.map((r) => ({
    certSerial: r.cert_serial,
    kind: r.kind as SigningKeyKind,
    publicPem: r.public_pem,
    privateSealed: r.private_sealed,
    createdAtMs: toNumber(r.created_at_ms),
    retiredAtMs: toNumberOrNull(r.retired_at_ms),
    listedUntilMs: toNumberOrNull(r.listed_until_ms),
  }));
}

/** Inserts a key unless one with that serial exists (two nodes generating at first start race here). */
export async function insertSigningKey(store: Store, k: { certSerial: string; kind: SigningKeyKind; publicPem: string; privateSealed: string; nowMs: number }): Promise<void> {
  await store.db
    .insertInto('signing_keys')
    .values({ cert_serial: k.certSerial, kind: k.kind, public_pem: k.publicPem, private_sealed: k.privateSealed, created_at_ms: k.nowMs })
    .onConflict((oc) => oc.column('cert_serial').doNothing())
    .execute();
}

/** Retires every active key of `kind` except `keep`; retired keys stay listed until `listedUntilMs`. */
export async function retireSigningKeys(store: Store, kind: SigningKeyKind, keep: string, nowMs: number, listedUntilMs: number): Promise<void> {
  await store.db
    .updateTable('signing_keys')
    .set({ retired_at_ms: nowMs, listed_until_ms: listedUntilMs })
    .where('kind', '=', kind)
    .where('cert_serial', '!=', keep)
    .where('retired_at_ms', 'is', null)
    .execute();
}
