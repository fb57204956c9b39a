/**
 * Binance's new webhook certificate end to end on both dialects (docs/webhooks.md): the per-merchant
 * switch, /certificates/new (empty until enabled), webhooks carrying BinancePay-Certificate-SN-New
 * and BinancePay-Signature-New next to the legacy headers, rotation of the new key, and a receiver
 * using the SDK's verifier — with certificate stores over both endpoints — that keeps verifying
 * every webhook through the whole move from the old certificate to the new one.
 */
import { createVerify } from 'node:crypto';
import { CertificateStore, verifyWebhook, type Certificate } from '@binance-pay-server/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createOrder } from '../helpers/endpoints.ts';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.ts';
import { createPayer, pay } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const NEW_SN = 'binancepay-certificate-sn-new';
const NEW_SIGNATURE = 'binancepay-signature-new';

function rsaVerifies(certPublic: string, request: ReceivedRequest, signatureHeader: string): boolean {
  const payload = `${String(request.headers['binancepay-timestamp'])}\n${String(request.headers['binancepay-nonce'])}\n${request.body}\n`;
  return createVerify('RSA-SHA256').update(payload, 'utf8').verify(certPublic, String(request.headers[signatureHeader]), 'base64');
}

describeEachDialect('the new webhook certificate', (dialect) => {
  let server: TestServer;
  let hook: Receiver;
  let payerId: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    hook = await startReceiver();
    payerId = (await createPayer(server, ['100000:USDT'])).binanceId;
  });
  afterAll(async () => {
    await server?.close();
    await hook?.close();
  });

  /** Pays an order of `m` and returns the PAY_SUCCESS webhook its receiver got. */
  async function paidWebhook(m: MerchantCredentials): Promise<ReceivedRequest> {
    const prepayId = await createOrder(server, m);
    expect((await pay(server, prepayId, payerId)).body.status).toBe('SUCCESS');
    await server.built.workers.runAll();
    const found = hook.received.filter((r) => r.bizId === prepayId);
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  const setSwitch = (m: MerchantCredentials, on: boolean) => server.adminOk<{ newWebhookCertificate: boolean }>('PATCH', `/merchants/${m.merchantId}`, { newWebhookCertificate: on });

  it('lists nothing and adds no headers until enabled for the merchant; then both, for that merchant only', async () => {
    const m = await server.createMerchant({ name: 'Switching Shop', webhookUrl: hook.url });
    const bystander = await server.createMerchant({ name: 'Bystander', webhookUrl: hook.url });
    const legacy = await server.client(m).getCertificates();
    expect(await server.client(m).getNewCertificates()).toEqual([]);
    // bodyless like /certificates: "", {}, [] and null
    for (const rawBody of ['', '{}', '[]', 'null']) {
      const r = await server.client(m).request('/binancepay/openapi/certificates/new', undefined, { rawBody });
      expect(r.rawText, rawBody).toBe('{"status":"SUCCESS","code":"000000","data":[],"errorMessage":""}');
    }
    const before = await paidWebhook(m);
    expect(before.headers[NEW_SN]).toBeUndefined();
    expect(before.headers[NEW_SIGNATURE]).toBeUndefined();

    expect((await setSwitch(m, true)).newWebhookCertificate).toBe(true);
    const fresh = await server.client(m).getNewCertificates();
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.certSerial).not.toBe(legacy[0]!.certSerial);
    expect(await server.client(m).getCertificates()).toEqual(legacy);
    expect(await server.client(bystander).getNewCertificates()).toEqual([]);
    expect(await server.adminOk('GET', '/certificates?kind=new')).toEqual(fresh);

    const after = await paidWebhook(m);
    expect(after.headers['binancepay-certificate-sn']).toBe(legacy[0]!.certSerial);
    expect(after.headers[NEW_SN]).toBe(fresh[0]!.certSerial);
    // one timestamp and nonce, two signatures over the same bytes, each by its own key
    expect(rsaVerifies(legacy[0]!.certPublic, after, 'binancepay-signature')).toBe(true);
    expect(rsaVerifies(fresh[0]!.certPublic, after, NEW_SIGNATURE)).toBe(true);
    expect(rsaVerifies(legacy[0]!.certPublic, after, NEW_SIGNATURE)).toBe(false);
    expect(rsaVerifies(fresh[0]!.certPublic, { ...after, body: after.body.replace('PAY_SUCCESS', 'PAY_CLOSED') }, NEW_SIGNATURE)).toBe(false);
    // the SDK verifies with the new certificate alone, or with the legacy one alone
    expect((await verifyWebhook(after.body, after.headers, [], { newCertificates: fresh })).bizStatus).toBe('PAY_SUCCESS');
    expect((await verifyWebhook(after.body, after.headers, legacy)).bizStatus).toBe('PAY_SUCCESS');

    const other = await paidWebhook(bystander);
    expect(other.headers[NEW_SN]).toBeUndefined();
    expect(other.headers[NEW_SIGNATURE]).toBeUndefined();
  });

  it('moves a receiver from the old certificate to the new one, through a rotation of the new key, without a failed verification', async () => {
    const m = await server.createMerchant({ name: 'Rotating Shop', webhookUrl: hook.url });
    const client = server.client(m);
    // the receiver as the SDK's README sets it up: a store per endpoint, refetching unknown serials
    const legacyStore = new CertificateStore(client);
    const newStore = new CertificateStore(() => client.getNewCertificates());
    const verify = (r: ReceivedRequest) => verifyWebhook(r.body, r.headers, legacyStore, { newCertificates: newStore });

    // 1. old certificate only
    expect((await verify(await paidWebhook(m))).bizType).toBe('PAY');

    // 2. the new certificate is enabled: webhooks carry both
    await setSwitch(m, true);
    const [first] = await client.getNewCertificates();
    const enabled = await paidWebhook(m);
    expect(enabled.headers[NEW_SN]).toBe(first!.certSerial);
    expect((await verify(enabled)).bizType).toBe('PAY');

    // 3. the new key rotates: listed first, the previous new key kept for the overlap
    const rotated = await server.adminOk<{ current: Certificate; listed: Certificate[] }>('POST', '/certificates/rotate', { kind: 'new', overlapSeconds: 3600 });
    expect(rotated.current.certSerial).not.toBe(first!.certSerial);
    expect(rotated.listed.map((c) => c.certSerial)).toEqual([rotated.current.certSerial, first!.certSerial]);
    expect((await client.getNewCertificates()).map((c) => c.certSerial)).toEqual([rotated.current.certSerial, first!.certSerial]);
    const legacyNow = await client.getCertificates();
    expect(legacyNow).toHaveLength(1);
    const afterRotation = await paidWebhook(m);
    expect(afterRotation.headers[NEW_SN]).toBe(rotated.current.certSerial);
    expect(afterRotation.headers['binancepay-certificate-sn']).toBe(legacyNow[0]!.certSerial);
    // the store had only the first new key: the unknown serial makes it refetch, and it verifies
    expect((await verify(afterRotation)).bizType).toBe('PAY');
    expect(rsaVerifies(rotated.current.certPublic, afterRotation, NEW_SIGNATURE)).toBe(true);
    // a receiver that knows only the new certificate verifies too, even with the legacy signature broken
    const broken = { ...afterRotation.headers, 'binancepay-signature': String(afterRotation.headers[NEW_SIGNATURE]) };
    expect((await verifyWebhook(afterRotation.body, broken, [], { newCertificates: [rotated.current] })).bizType).toBe('PAY');
    await expect(verifyWebhook(afterRotation.body, broken, legacyNow)).rejects.toMatchObject({ reason: 'BAD_SIGNATURE' });

    // 4. switched off again: the list is empty, webhooks carry the legacy pair only, still verified
    await setSwitch(m, false);
    expect(await client.getNewCertificates()).toEqual([]);
    const off = await paidWebhook(m);
    expect(off.headers[NEW_SN]).toBeUndefined();
    expect((await verify(off)).bizType).toBe('PAY');
  });

  it('refuses a bad kind or switch value from the admin API', async () => {
    const m = await server.createMerchant({ name: 'Bad Input Shop' });
    for (const [method, path, body] of [
      ['POST', '/certificates/rotate', { kind: 'newest' }],
      ['GET', '/certificates?kind=old', undefined],
      ['PATCH', `/merchants/${m.merchantId}`, { newWebhookCertificate: 'yes' }],
    ] as const) {
      const r = await server.admin(method, path, body);
      expect(r.httpStatus, path).toBe(400);
      expect(r.body.code).toBe('900400');
    }
  });
});
