/**
 * Each node caches API key, merchant and secret (src/services/request-auth.ts); the auth epoch that
 * triggers move (migration 0007) must make every change visible to every node at its next request.
 * Two apps on one database stand for two nodes: changes go through one, requests through the other.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { v3OrderBody } from '../helpers/endpoints.ts';
import { startSecondNode, startTestServer, type MerchantCredentials, type SecondNode, type TestServer } from '../helpers/server.ts';

describeEachDialect('cached authentication across nodes', (dialect) => {
  let a: TestServer;
  let b: SecondNode;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    a = await startTestServer(dialect);
    b = await startSecondNode(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const onB = (creds: MerchantCredentials) => b.client(creds);
  const codeOnB = async (creds: MerchantCredentials) => (await onB(creds).request('/binancepay/openapi/certificates', {})).envelope?.code;

  beforeEach(async () => {
    merchant = await a.createMerchant({ name: `Cached Shop ${Math.random()}` });
    // B has served the key once, so what it knows of it is cached
    expect(await codeOnB(merchant)).toBe('000000');
    expect(b.built.deps.caches.auth.has(merchant.apiKey)).toBe(true);
  });

  it('refuses a key revoked on another node at its next request (400004)', async () => {
    await a.adminOk('POST', `/merchants/${merchant.merchantId}/keys/${merchant.apiKey}/revoke`, {});
    expect(await codeOnB(merchant)).toBe('400004');
  });

  it('follows a merchant suspended and reactivated on another node (400203, then served)', async () => {
    await a.adminOk('PATCH', `/merchants/${merchant.merchantId}`, { status: 'SUSPENDED' });
    expect(await codeOnB(merchant)).toBe('400203');
    await a.adminOk('PATCH', `/merchants/${merchant.merchantId}`, { status: 'ACTIVE' });
    expect(await codeOnB(merchant)).toBe('000000');
  });

  it('applies an IP allow-list set and cleared on another node', async () => {
    await a.adminOk('PATCH', `/merchants/${merchant.merchantId}`, { ipAllowlist: ['10.9.9.9'] });
    expect(await codeOnB(merchant)).toBe('400004');
    await a.adminOk('PATCH', `/merchants/${merchant.merchantId}`, { ipAllowlist: null });
    expect(await codeOnB(merchant)).toBe('000000');
  });

  it('sees a change made by hand in SQL, which no application code announced', async () => {
    await sql`update merchants set status = 'SUSPENDED' where merchant_id = ${merchant.merchantId}`.execute(a.db.store.db);
    expect(await codeOnB(merchant)).toBe('400203');
    await sql`update merchants set status = 'ACTIVE' where merchant_id = ${merchant.merchantId}`.execute(a.db.store.db);
    expect(await codeOnB(merchant)).toBe('000000');
    await sql`delete from api_keys where api_key = ${merchant.apiKey}`.execute(a.db.store.db);
    expect(await codeOnB(merchant)).toBe('400004');
  });

  it('serves a key added on another node, for reads and writes', async () => {
    const added = await a.adminOk<{ apiKey: string; apiSecret: string }>('POST', `/merchants/${merchant.merchantId}/keys`, {});
    const fresh = { merchantId: merchant.merchantId, apiKey: added.apiKey, apiSecret: added.apiSecret };
    expect(await codeOnB(fresh)).toBe('000000');
    const created = await onB(fresh).request<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody());
    expect(created.envelope?.status, created.rawText).toBe('SUCCESS');
    expect(created.envelope?.data?.prepayId).toMatch(/^\d+$/);
  });

  describe('the epoch', () => {
    const epoch = async () => Number((await sql<{ epoch: unknown }>`select epoch from auth_epoch where id = 1`.execute(a.db.store.db)).rows[0]?.epoch);

    it('moves with every change to merchants and API keys, and not with orders', async () => {
      const before = await epoch();
      await a.adminOk('PATCH', `/merchants/${merchant.merchantId}`, { name: 'Epoch Shop' });
      const afterPatch = await epoch();
      expect(afterPatch).toBeGreaterThan(before);
      await a.adminOk('POST', `/merchants/${merchant.merchantId}/keys`, {});
      expect(await epoch()).toBeGreaterThan(afterPatch);
      const settled = await epoch();
      expect(await codeOnB(merchant)).toBe('000000');
      expect(await epoch()).toBe(settled);
    });
  });
});
