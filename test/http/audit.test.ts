/**
 * The audit log of merchant account management (who, what, when) on both dialects: every
 * management action is recorded with its actor, sub-merchant actions name the partner, and no
 * entry ever contains a secret.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface Entry {
  atMs: number;
  actor: string;
  action: string;
  merchantId: number | null;
  detail: Record<string, unknown>;
}

describeEachDialect('audit log', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => server?.close());

  const asActor = async (actor: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.baseUrl}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${server.adminToken}`, 'x-bpay-actor': actor, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    return (await response.json()) as { status: string; data: Record<string, unknown> };
  };

  it('records every management action with who, what and when, and no secrets', async () => {
    const created = (await asActor('alice@ops', 'POST', '/merchants', { name: 'Audited' })).data as { merchantId: number; apiKey: string; apiSecret: string };
    const id = created.merchantId;
    await asActor('bob@ops', 'PATCH', `/merchants/${id}`, { webhookUrl: 'http://127.0.0.1:3000/hook', ipAllowlist: ['127.0.0.1'], payClosedNotify: false, commissionRate: '0.02' });
    await asActor('bob@ops', 'PATCH', `/merchants/${id}`, { status: 'SUSPENDED' });
    await asActor('bob@ops', 'PATCH', `/merchants/${id}`, { status: 'ACTIVE' });
    const second = (await asActor('carol@ops', 'POST', `/merchants/${id}/keys`, { label: 'ci' })).data as { apiKey: string; apiSecret: string };
    await asActor('carol@ops', 'POST', `/merchants/${id}/keys/${created.apiKey}/rotate`, { overlapSeconds: 60 });
    await asActor('carol@ops', 'POST', `/merchants/${id}/keys/${second.apiKey}/revoke`);
    await server.admin('PATCH', `/merchants/${id}`, { name: 'Audited Shop' });

    const log = await server.adminOk<Entry[]>('GET', `/audit?merchantId=${id}`);
    expect(log.map((e) => `${e.actor} ${e.action}`).reverse()).toEqual([
      'alice@ops merchant.create',
      'bob@ops merchant.update',
      'bob@ops merchant.suspend',
      'bob@ops merchant.reactivate',
      'carol@ops apikey.create',
      'carol@ops apikey.rotate',
      'carol@ops apikey.revoke',
      'admin merchant.update',
    ]);
    const update = log.find((e) => e.action === 'merchant.update' && e.actor === 'bob@ops');
    expect(update?.detail).toMatchObject({ webhookUrl: { from: null, to: 'http://127.0.0.1:3000/hook' }, payClosedNotify: { from: true, to: false }, commissionRate: { from: null, to: '0.02' } });
    for (const e of log) expect(e.atMs).toBeGreaterThan(0);
    const text = JSON.stringify(log);
    expect(text).not.toContain(created.apiSecret);
    expect(text).not.toContain(second.apiSecret);
    // no-op updates are not logged
    const before = (await server.adminOk<Entry[]>('GET', `/audit?merchantId=${id}`)).length;
    await server.admin('PATCH', `/merchants/${id}`, { name: 'Audited Shop' });
    expect(await server.adminOk<Entry[]>('GET', `/audit?merchantId=${id}`)).toHaveLength(before);
  });

  it('names the partner for sub-merchant actions and records certificate rotation', async () => {
    const partner = await server.createMerchant({ name: 'Audit partner' });
    const r = await server.client(partner).call<{ subMerchantId: number }>('/binancepay/openapi/submerchant/add', { merchantName: 'Audited sub', storeType: 0, merchantMcc: '1001', siteUrl: 'https://a.io' });
    await server.client(partner).call('/binancepay/openapi/submerchant/modify', { subMerchantId: String(r.subMerchantId), siteUrl: 'https://b.io' });
    const log = await server.adminOk<Entry[]>('GET', `/audit?merchantId=${r.subMerchantId}`);
    expect(log.map((e) => `${e.actor} ${e.action}`).reverse()).toEqual([`merchant:${partner.merchantId} submerchant.create`, `merchant:${partner.merchantId} submerchant.modify`]);
    await asActor('dave@ops', 'POST', '/certificates/rotate', { overlapSeconds: 10 });
    const all = await server.adminOk<Entry[]>('GET', '/audit?limit=5');
    expect(all[0]).toMatchObject({ actor: 'dave@ops', action: 'certificates.rotate', merchantId: null });
  });
});
