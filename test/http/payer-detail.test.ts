/**
 * `payerDetail` on both dialects (fact sheet §3.3, §5.4; docs/api-coverage.md): for merchants with
 * the whitelist switch only, in query order v2 and the PAY_SUCCESS webhook, encrypted with AES-GCM
 * under SHA-256 of the API secret the order was created with, as Binance's authentication page
 * describes — decrypted here by the SDK and, step by step, by node:crypto.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { decryptSharedData } from '@binance-pay-server/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseJsonExact } from '../../src/lib/json.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { v3OrderBody } from '../helpers/endpoints.ts';
import { pay } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

interface Queried {
  status: string;
  paymentInfo?: { payerId: string; payMethod: string; channel: string; payerDetail?: string; [k: string]: unknown };
}

/** Binance's three steps: SHA-256 of the secret is the key; base64 → 12-byte IV + data; AES-GCM. */
function decryptAsDocumented(secret: string, shared: string): string {
  const bytes = Buffer.from(shared, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', createHash('sha256').update(secret).digest(), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
}

describeEachDialect('payerDetail', (dialect) => {
  let server: TestServer;
  let payer: { binanceId: string };

  beforeAll(async () => {
    server = await startTestServer(dialect);
    payer = await server.adminOk('POST', '/payers', { name: 'Ada King Lovelace', email: 'ada@example.com', fund: ['1000:USDT'] });
  });
  afterAll(async () => server?.close());

  async function paidOrder(m: MerchantCredentials): Promise<string> {
    const { prepayId } = await server.client(m).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody());
    expect((await pay(server, prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    return prepayId;
  }
  const query = (m: MerchantCredentials, prepayId: string) => server.client(m).call<Queried>('/binancepay/openapi/v2/order/query', { prepayId });
  const webhookData = async (prepayId: string) => {
    const row = await server.db.store.db.selectFrom('outbox_events').select('data_json').where('ref_id', '=', prepayId).where('biz_status', '=', 'PAY_SUCCESS').executeTakeFirstOrThrow();
    return JSON.parse(row.data_json) as { paymentInfo?: { payerDetail?: string; [k: string]: unknown } };
  };

  it('is absent for a merchant without the switch, in query order and the webhook', async () => {
    const m = await server.createMerchant({ name: 'Plain Shop' });
    const prepayId = await paidOrder(m);
    const q = await query(m, prepayId);
    expect(q.paymentInfo).toMatchObject({ payMethod: expect.any(String), channel: expect.any(String) });
    expect(q.paymentInfo).not.toHaveProperty('payerDetail');
    expect((await webhookData(prepayId)).paymentInfo).not.toHaveProperty('payerDetail');
  });

  it('is the payer, encrypted with the secret of the key that created the order, for a whitelisted merchant', async () => {
    const m = await server.createMerchant({ name: 'Whitelisted Shop' });
    const unpaid = await server.client(m).call<{ prepayId: string }>('/binancepay/openapi/v3/order', v3OrderBody());
    expect((await server.adminOk<{ sharePayerDetail: boolean }>('PATCH', `/merchants/${m.merchantId}`, { sharePayerDetail: true })).sharePayerDetail).toBe(true);
    // an unpaid order has no payer, so nothing to share
    expect(await query(m, unpaid.prepayId)).not.toHaveProperty('paymentInfo');

    const prepayId = await paidOrder(m);
    const { paymentInfo } = await query(m, prepayId);
    const shared = paymentInfo?.payerDetail ?? '';
    expect(Object.keys(paymentInfo ?? {})).toEqual(['payerId', 'payMethod', 'paymentInstructions', 'channel', 'payerDetail']);
    expect(shared).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    const expected = { binanceId: payer.binanceId, email: 'ada@example.com', firstName: 'Ada', lastName: 'King Lovelace' };
    expect(JSON.parse(decryptSharedData(m.apiSecret, shared))).toEqual(expected);
    expect(JSON.parse(decryptAsDocumented(m.apiSecret, shared))).toEqual(expected);
    // a fresh IV every time; another secret, or a changed byte, does not decrypt
    expect((await query(m, prepayId)).paymentInfo?.payerDetail).not.toBe(shared);
    expect(() => decryptSharedData(m.apiSecret.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')), shared)).toThrow();
    const altered = Buffer.from(shared, 'base64');
    altered[14] = (altered[14] ?? 0) ^ 1;
    expect(() => decryptSharedData(m.apiSecret, altered.toString('base64'))).toThrow();

    // the PAY_SUCCESS webhook carries it in paymentInfo, after channel, as a JSON string
    const data = await webhookData(prepayId);
    expect(Object.keys(data.paymentInfo ?? {})).toEqual(['payerId', 'payMethod', 'paymentInstructions', 'channel', 'payerDetail']);
    expect(JSON.parse(decryptSharedData(m.apiSecret, String(data.paymentInfo?.payerDetail)))).toEqual(expected);
    const raw = (await server.db.store.db.selectFrom('outbox_events').select('data_json').where('ref_id', '=', prepayId).executeTakeFirstOrThrow()).data_json;
    expect(parseJsonExact(raw).ok).toBe(true);
    expect(raw).toMatch(/"channel":"[A-Z_]+","payerDetail":"[A-Za-z0-9+/=]+"\}/);
  });

  it('follows the key an order was created with, whichever key queries it; off again, it is gone', async () => {
    const m = await server.createMerchant({ name: 'Two Key Shop' });
    await server.adminOk('PATCH', `/merchants/${m.merchantId}`, { sharePayerDetail: true });
    const second = await server.adminOk<{ apiKey: string; apiSecret: string }>('POST', `/merchants/${m.merchantId}/keys`, { label: 'second' });
    const k2: MerchantCredentials = { merchantId: m.merchantId, apiKey: second.apiKey, apiSecret: second.apiSecret };
    const byFirst = await paidOrder(m);
    const bySecond = await paidOrder(k2);
    for (const who of [m, k2]) {
      expect(JSON.parse(decryptSharedData(m.apiSecret, String((await query(who, byFirst)).paymentInfo?.payerDetail))).binanceId).toBe(payer.binanceId);
      const viaSecond = String((await query(who, bySecond)).paymentInfo?.payerDetail);
      expect(JSON.parse(decryptSharedData(k2.apiSecret, viaSecond)).binanceId).toBe(payer.binanceId);
      expect(() => decryptSharedData(m.apiSecret, viaSecond)).toThrow();
    }
    // revoking the key that created an order does not change whose secret encrypts its payer
    await server.adminOk('POST', `/merchants/${m.merchantId}/keys/${k2.apiKey}/revoke`);
    expect(JSON.parse(decryptSharedData(k2.apiSecret, String((await query(m, bySecond)).paymentInfo?.payerDetail))).email).toBe('ada@example.com');

    await server.adminOk('PATCH', `/merchants/${m.merchantId}`, { sharePayerDetail: false });
    expect((await query(m, byFirst)).paymentInfo).not.toHaveProperty('payerDetail');
  });
});
