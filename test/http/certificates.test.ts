/**
 * Query certificates (fact sheet §3.7) on both dialects: the webhook public key, its serial, its
 * persistence across restarts, and gentle rotation (current key first, old key kept for an overlap).
 */
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { verifyWebhookSignature, type Certificate } from '@binance-pay-server/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp, type BuiltApp } from '../../src/app.ts';
import { signaturePayload, rsaSignBase64 } from '../../src/lib/signature.ts';
import { loadConfig } from '../../src/config/config.ts';
import { activeSigner, listCertificates } from '../../src/services/certificates.ts';
import { createTestDatabase, describeEachDialect } from '../helpers/dialects.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

function expectWellFormed(list: Certificate[]): void {
  expect(Array.isArray(list)).toBe(true);
  expect(list.length).toBeGreaterThan(0);
  for (const cert of list) {
    expect(Object.keys(cert).sort()).toEqual(['certPublic', 'certSerial']);
    expect(cert.certPublic.startsWith('-----BEGIN PUBLIC KEY-----\n')).toBe(true);
    expect(cert.certPublic.endsWith('-----END PUBLIC KEY-----')).toBe(true);
    expect(cert.certSerial).toBe(createHash('md5').update(cert.certPublic, 'utf8').digest('hex').toUpperCase());
    const key = createPublicKey(cert.certPublic);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
  }
  expect(new Set(list.map((c) => c.certSerial)).size).toBe(list.length);
}

/** Signs the way the outbox does: RSA-SHA256 over ts LF nonce LF body LF, base64 (fact sheet §5.2). */
async function signWebhook(built: BuiltApp, body: string): Promise<{ certSerial: string; payload: string; signature: string }> {
  const signer = await activeSigner(built.deps);
  const payload = signaturePayload(String(Date.now()), randomBytes(16).toString('hex'), body);
  return { certSerial: signer.certSerial, payload, signature: rsaSignBase64(signer.privateKeyPem, payload) };
}

describeEachDialect('certificates', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Cert Reader' });
  });
  afterAll(async () => server?.close());

  const certificates = () => server.client(merchant).getCertificates();

  it('answers data as an array of {certSerial, certPublic} with an RSA ≥ 2048-bit key', async () => {
    const r = await server.client(merchant).request('/binancepay/openapi/certificates', undefined, { rawBody: '' });
    expect(r.httpStatus).toBe(200);
    expect(r.rawText.startsWith('{"status":"SUCCESS","code":"000000","data":[{"certSerial":"')).toBe(true);
    const list = r.envelope?.data as Certificate[];
    expectWellFormed(list);
    expect(list).toHaveLength(1);
  });

  it('returns the same key on every call and for every merchant', async () => {
    const first = await certificates();
    const other = await server.createMerchant({ name: 'Another Reader' });
    expect(await certificates()).toEqual(first);
    expect(await server.client(other).getCertificates({})).toEqual(first);
    expect(await server.adminOk('GET', '/certificates')).toEqual(first);
  });

  it('keeps the key across an app restart on the same database', async () => {
    const before = await certificates();
    const store = server.db.openAnother();
    const second = await buildApp({ config: server.config, store, logger: false });
    try {
      await second.app.listen({ port: 0, host: '127.0.0.1' });
      const address = second.app.server.address();
      if (typeof address !== 'object' || address === null) throw new Error('no address');
      const client = server.client(merchant, { baseUrl: `http://127.0.0.1:${address.port}` });
      expect(await client.getCertificates()).toEqual(before);
      // and the restarted app signs with that very key
      const signed = await signWebhook(second, '{"bizType":"PAY"}');
      expect(signed.certSerial).toBe(before[0]?.certSerial);
      expect(verifyWebhookSignature({ payload: signed.payload, signatureBase64: signed.signature, publicKeyPem: before[0]?.certPublic ?? '' })).toBe(true);
    } finally {
      await second.close();
      await store.close();
    }
  });

  it('signs with activeSigner so that the SDK verifies against the listed certPublic', async () => {
    const [current] = await certificates();
    if (!current) throw new Error('no certificate');
    const body = '{"bizType":"PAY","bizId":29383937493038367292,"bizIdStr":"29383937493038367292","bizStatus":"PAY_SUCCESS","data":"{}"}';
    const signed = await signWebhook(server.built, body);
    expect(signed.certSerial).toBe(current.certSerial);
    expect(verifyWebhookSignature({ payload: signed.payload, signatureBase64: signed.signature, publicKeyPem: current.certPublic })).toBe(true);
    expect(verifyWebhookSignature({ payload: signed.payload.replace('PAY_SUCCESS', 'PAY_CLOSED'), signatureBase64: signed.signature, publicKeyPem: current.certPublic })).toBe(false);
  });

  it('rotation lists the new key first, keeps the old one for the overlap, then drops it', async () => {
    const [old] = await certificates();
    if (!old) throw new Error('no certificate');
    const overlapSeconds = 3600;
    const rotated = await server.admin<{ current: Certificate; listed: Certificate[] }>('POST', '/certificates/rotate', { overlapSeconds });
    expect(rotated.httpStatus).toBe(200);
    const current = rotated.body.data?.current;
    if (!current) throw new Error(JSON.stringify(rotated.body));
    expect(current.certSerial).not.toBe(old.certSerial);
    expect(rotated.body.data?.listed.map((c) => c.certSerial)).toEqual([current.certSerial, old.certSerial]);

    const during = await certificates();
    expectWellFormed(during);
    expect(during).toEqual([current, old]);

    // webhooks are now signed with the new key, which the SDK verifies against data[0]
    const signed = await signWebhook(server.built, '{"bizType":"PAY"}');
    expect(signed.certSerial).toBe(current.certSerial);
    expect(verifyWebhookSignature({ payload: signed.payload, signatureBase64: signed.signature, publicKeyPem: current.certPublic })).toBe(true);
    expect(verifyWebhookSignature({ payload: signed.payload, signatureBase64: signed.signature, publicKeyPem: old.certPublic })).toBe(false);

    server.built.businessClock.advance(overlapSeconds * 1000 - 1000);
    expect(await certificates()).toEqual([current, old]);
    server.built.businessClock.advance(1001);
    expect(await certificates()).toEqual([current]);
    expect(await server.adminOk('GET', '/certificates')).toEqual([current]);
  });

  it('rejects an invalid rotation request without rotating', async () => {
    const before = await certificates();
    for (const body of [{ overlapSeconds: -1 }, { overlapSeconds: 'soon' }, { overlapSeconds: 1.5 }]) {
      const r = await server.admin('POST', '/certificates/rotate', body);
      expect(r.httpStatus, JSON.stringify(body)).toBe(400);
      expect(r.body).toMatchObject({ status: 'FAIL', code: '900400' });
    }
    expect(await certificates()).toEqual(before);
  });

  it('two nodes starting at once on a fresh database agree on one key', async () => {
    const db = await createTestDatabase(dialect);
    const stores = [db.store, db.openAnother()];
    const config = loadConfig({ BPAY_DATA_DIR: db.dataDir, LOG_LEVEL: 'silent', BPAY_DEMO: 'false', BPAY_ADMIN_TOKEN: 'test-admin-token-0123456789' }, { port: 0 });
    const apps: BuiltApp[] = [];
    try {
      apps.push(...(await Promise.all(stores.map((store) => buildApp({ config, store, logger: false })))));
      const lists = await Promise.all(apps.map((a) => listCertificates(a.deps)));
      expect(lists[0]).toHaveLength(1);
      expect(lists[1]).toEqual(lists[0]);
      const signers = await Promise.all(apps.map((a) => activeSigner(a.deps)));
      expect(signers.map((s) => s.certSerial)).toEqual([lists[0]?.[0]?.certSerial, lists[0]?.[0]?.certSerial]);
    } finally {
      for (const a of apps) await a.close();
      await stores[1]?.close();
      await db.drop();
    }
  });
});
