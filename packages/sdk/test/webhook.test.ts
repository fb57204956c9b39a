import { createHash, createSign, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWebhookBody, verifyWebhook, webhookAck, WebhookVerificationError, type Certificate, type WebhookFailureReason } from '../src/index.ts';
import { G_BODY, G_NONCE, G_SERIAL, G_SIGNATURE, G_TIMESTAMP, H_PAYOUT_BODY, H_QR_BODY, H_REFUND_BODY } from './vectors.ts';

/** Public test key pair of akarsh1995/binance-pay-rs `data/key_pair.json` (fact sheet §9 G). */
const keyPair = JSON.parse(readFileSync(new URL('./fixtures/rs-key-pair.json', import.meta.url), 'utf8')) as {
  private_key: string;
  cert_public: string;
  cert_public_md5_hash: string;
};
const G_CERT: Certificate = { certSerial: G_SERIAL, certPublic: keyPair.cert_public };
const G_HEADERS = {
  'BinancePay-Timestamp': G_TIMESTAMP,
  'BinancePay-Nonce': G_NONCE,
  'BinancePay-Certificate-SN': G_SERIAL,
  'BinancePay-Signature': G_SIGNATURE,
};

async function reasonOf(promise: Promise<unknown>): Promise<WebhookFailureReason> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WebhookVerificationError);
  return (err as WebhookVerificationError).reason;
}

function signWith(privateKey: string, timestamp: string, nonce: string, body: string | Buffer): string {
  return createSign('RSA-SHA256')
    .update(Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`), Buffer.from(body), Buffer.from('\n')]))
    .sign(privateKey, 'base64');
}

describe('vector G — the real RS test key pair', () => {
  it('certSerial = upper-case MD5 of the cert_public PEM string', () => {
    const md5 = createHash('md5').update(keyPair.cert_public).digest('hex').toUpperCase();
    expect(md5).toBe('1FAA1632AD1E0C9FCE84DD9B8757F471');
    expect(keyPair.cert_public_md5_hash).toBe(md5);
  });

  it('signing the G payload with the private key reproduces the G signature exactly', () => {
    expect(signWith(keyPair.private_key, G_TIMESTAMP, G_NONCE, G_BODY)).toBe(G_SIGNATURE);
  });

  it('verifyWebhook accepts the exact headers + body, as string and as Buffer', async () => {
    for (const body of [G_BODY, Buffer.from(G_BODY, 'utf8')]) {
      const event = await verifyWebhook(body, G_HEADERS, [G_CERT]);
      expect(event.bizType).toBe('PAY');
      expect(event.bizId).toBe('29383937493038367292');
      expect(event.bizIdStr).toBe('29383937493038367292');
      expect(event.bizStatus).toBe('PAY_SUCCESS');
      expect(event.raw).toBe(G_BODY);
      expect(event.data).toMatchObject({ merchantTradeNo: '9825382937292', totalFee: 0.88, transactionId: 'M_R_282737362839373', commission: 0 });
    }
  });

  it('header lookup is case-insensitive; Node-style arrays and fetch Headers work', async () => {
    const lower = Object.fromEntries(Object.entries(G_HEADERS).map(([k, v]) => [k.toLowerCase(), [v]]));
    await expect(verifyWebhook(G_BODY, lower, [G_CERT])).resolves.toMatchObject({ bizId: '29383937493038367292' });
    await expect(verifyWebhook(G_BODY, new Headers(G_HEADERS), [G_CERT])).resolves.toMatchObject({ bizType: 'PAY' });
  });

  it('parseWebhookBody returns the exact bizId digits (above 2^64)', () => {
    const event = parseWebhookBody(G_BODY);
    expect(event.bizId).toBe('29383937493038367292');
    expect(String((JSON.parse(G_BODY) as { bizId: number }).bizId)).not.toBe('29383937493038367292'); // why the scanner exists
  });

  it('with a single certificate the SN header may be absent', async () => {
    const { 'BinancePay-Certificate-SN': _sn, ...noSerial } = G_HEADERS;
    await expect(verifyWebhook(G_BODY, noSerial, [G_CERT])).resolves.toMatchObject({ bizType: 'PAY' });
    const other = { certSerial: 'OTHER', certPublic: keyPair.cert_public };
    expect(await reasonOf(verifyWebhook(G_BODY, noSerial, [G_CERT, other]))).toBe('MISSING_HEADER');
  });
});

describe('verifyWebhook rejections', () => {
  it('every single-byte change of the body fails with BAD_SIGNATURE', async () => {
    const bytes = Buffer.from(G_BODY, 'utf8');
    for (const index of [0, 1, 40, bytes.indexOf('29383937493038367292'), bytes.length - 2, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[index] = (tampered[index] as number) ^ 0x01;
      expect(await reasonOf(verifyWebhook(tampered, G_HEADERS, [G_CERT]))).toBe('BAD_SIGNATURE');
    }
    // …and so do the classic mistakes: trailing newline, re-serialised JSON (§8.3)
    expect(await reasonOf(verifyWebhook(`${G_BODY}\n`, G_HEADERS, [G_CERT]))).toBe('BAD_SIGNATURE');
    expect(await reasonOf(verifyWebhook(JSON.stringify(JSON.parse(G_BODY)), G_HEADERS, [G_CERT]))).toBe('BAD_SIGNATURE');
  });

  it('tampered headers fail with BAD_SIGNATURE', async () => {
    for (const change of [{ 'BinancePay-Timestamp': '1646584911980' }, { 'BinancePay-Nonce': 'x'.repeat(32) }, { 'BinancePay-Signature': `A${G_SIGNATURE.slice(1)}` }]) {
      expect(await reasonOf(verifyWebhook(G_BODY, { ...G_HEADERS, ...change }, [G_CERT]))).toBe('BAD_SIGNATURE');
    }
  });

  it('a certificate with the right serial but the wrong key fails with BAD_SIGNATURE', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(await reasonOf(verifyWebhook(G_BODY, G_HEADERS, [{ certSerial: G_SERIAL, certPublic: other }]))).toBe('BAD_SIGNATURE');
  });

  it('an unknown serial fails with UNKNOWN_CERTIFICATE', async () => {
    expect(await reasonOf(verifyWebhook(G_BODY, G_HEADERS, [{ certSerial: 'ABCDEF', certPublic: keyPair.cert_public }]))).toBe('UNKNOWN_CERTIFICATE');
    expect(await reasonOf(verifyWebhook(G_BODY, G_HEADERS, []))).toBe('UNKNOWN_CERTIFICATE');
  });

  it.each(['BinancePay-Timestamp', 'BinancePay-Nonce', 'BinancePay-Signature'] as const)('missing %s fails with MISSING_HEADER', async (name) => {
    const headers: Record<string, string | undefined> = { ...G_HEADERS, [name]: undefined };
    expect(await reasonOf(verifyWebhook(G_BODY, headers, [G_CERT]))).toBe('MISSING_HEADER');
    expect(await reasonOf(verifyWebhook(G_BODY, { ...G_HEADERS, [name]: '' }, [G_CERT]))).toBe('MISSING_HEADER');
  });

  it('toleranceMs: STALE_TIMESTAMP outside the window, accepted inside it', async () => {
    const ts = Number(G_TIMESTAMP);
    await expect(verifyWebhook(G_BODY, G_HEADERS, [G_CERT], { toleranceMs: 300_000, now: () => ts + 299_999 })).resolves.toMatchObject({ bizId: '29383937493038367292' });
    await expect(verifyWebhook(G_BODY, G_HEADERS, [G_CERT], { toleranceMs: 300_000, now: () => ts - 300_000 })).resolves.toMatchObject({ bizId: '29383937493038367292' });
    expect(await reasonOf(verifyWebhook(G_BODY, G_HEADERS, [G_CERT], { toleranceMs: 300_000, now: () => ts + 300_001 }))).toBe('STALE_TIMESTAMP');
    // without now, the wall clock is used: 2022 is long gone
    expect(await reasonOf(verifyWebhook(G_BODY, G_HEADERS, [G_CERT], { toleranceMs: 60_000 }))).toBe('STALE_TIMESTAMP');
  });

  it('a validly signed but malformed body fails with MALFORMED_BODY', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cert = { certSerial: 'K1', certPublic: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    for (const body of ['not json', '[1,2]', '{"bizType":"PAY","bizStatus":"PAY_SUCCESS","data":"{}"}', '{"bizType":"PAY","bizId":1,"bizStatus":"X","data":"{oops"}']) {
      const headers = { ...G_HEADERS, 'BinancePay-Certificate-SN': 'K1', 'BinancePay-Signature': signWith(pem, G_TIMESTAMP, G_NONCE, body) };
      expect(await reasonOf(verifyWebhook(body, headers, [cert]))).toBe('MALFORMED_BODY');
    }
  });

  it('a parsed object instead of the raw body is rejected with a helpful MALFORMED_BODY', async () => {
    const err = await verifyWebhook(JSON.parse(G_BODY) as string, G_HEADERS, [G_CERT]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookVerificationError);
    expect((err as WebhookVerificationError).reason).toBe('MALFORMED_BODY');
    expect((err as Error).message).toMatch(/raw request body/);
  });
});

describe('parseWebhookBody — fact sheet §9 H samples', () => {
  it('PAY_REFUND without bizIdStr: bizId from the number literal, nested refundInfo parsed', () => {
    const event = parseWebhookBody(H_REFUND_BODY);
    expect(event).toMatchObject({ bizType: 'PAY_REFUND', bizId: '123289163323899904', bizStatus: 'REFUND_SUCCESS' });
    expect(event.bizIdStr).toBeUndefined();
    expect(event.data).toMatchObject({ refundInfo: { prepayId: '123289163323899904', remainingAttempts: 9, duplicateRequest: 'N' } });
  });

  it('PAYOUT: data is a JSON string, parsed', () => {
    const event = parseWebhookBody(Buffer.from(H_PAYOUT_BODY));
    expect(event.bizId).toBe('29383937493038367292');
    expect(event.data).toEqual({ batchStatus: 'SUCCESS', currency: 'USDT', merchantId: 100100006288, requestId: 'gg8127129', totalAmount: 2, totalNumber: 2 });
  });

  it('MERCHANT_QR_CODE: data is already an object', () => {
    const event = parseWebhookBody(H_QR_BODY);
    expect(event).toMatchObject({ bizType: 'MERCHANT_QR_CODE', bizId: '368899096379834368', bizStatus: 'MERCHANT_QR_CODE_SCANED' });
    expect(event.data).toEqual({ qrContent: 'https://pay.partner.com/xx', referId: '368899096379834368' });
  });

  it('unsafe integers inside data survive as exact strings', () => {
    const body = String.raw`{"bizType":"PAY","data":"{\"paymentInfo\":{\"payerId\":9007199254740993}}","bizId":9007199254740993,"bizStatus":"PAY_SUCCESS"}`;
    const event = parseWebhookBody(body);
    expect(event.bizId).toBe('9007199254740993');
    expect(event.data).toEqual({ paymentInfo: { payerId: '9007199254740993' } });
  });

  it('bizIdStr is preferred when consistent; on disagreement the bizId literal wins', () => {
    expect(parseWebhookBody('{"bizType":"PAY","bizIdStr":"42","bizStatus":"S","data":"{}"}').bizId).toBe('42');
    expect(parseWebhookBody('{"bizType":"PAY","bizId":"77","bizStatus":"S","data":"{}"}').bizId).toBe('77');
    expect(parseWebhookBody('{"bizType":"PAY","bizId":29383937493038367292,"bizIdStr":"29383937493038367000","bizStatus":"S","data":"{}"}').bizId).toBe(
      '29383937493038367292',
    );
    // nested "bizId" keys are not confused with the top-level one
    expect(parseWebhookBody('{"bizType":"PAY","data":{"bizId":1},"x":"\\"bizId\\":2","bizId":3,"bizStatus":"S"}').bizId).toBe('3');
  });
});

describe('webhookAck', () => {
  it('is the body Binance expects (fact sheet §5.5)', () => {
    expect(JSON.stringify(webhookAck())).toBe('{"returnCode":"SUCCESS","returnMessage":null}');
  });
});

describe('the new platform certificate (BinancePay-Certificate-SN-New, BinancePay-Signature-New)', () => {
  const fresh = () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const certPublic = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert: { certSerial: createHash('md5').update(certPublic).digest('hex').toUpperCase(), certPublic } };
  };
  const next = fresh();
  const withNew = (signature = signWith(next.privateKey, G_TIMESTAMP, G_NONCE, G_BODY)) => ({ ...G_HEADERS, 'BinancePay-Certificate-SN-New': next.cert.certSerial, 'BinancePay-Signature-New': signature });

  it('verifies with the new certificate alone, the legacy one alone, or both', async () => {
    expect((await verifyWebhook(G_BODY, withNew(), [], { newCertificates: [next.cert] })).bizType).toBe('PAY');
    expect((await verifyWebhook(G_BODY, withNew(), [G_CERT])).bizType).toBe('PAY');
    expect((await verifyWebhook(G_BODY, withNew(), [G_CERT], { newCertificates: [next.cert] })).bizType).toBe('PAY');
    // only the new pair of headers (a sender that dropped the legacy ones)
    const { 'BinancePay-Signature': _legacy, 'BinancePay-Certificate-SN': _sn, ...onlyNew } = withNew();
    expect((await verifyWebhook(G_BODY, onlyNew, [], { newCertificates: [next.cert] })).bizType).toBe('PAY');
    expect(await reasonOf(verifyWebhook(G_BODY, onlyNew, [G_CERT]))).toBe('MISSING_HEADER');
  });

  it('a bad or unknown new signature falls back to the legacy one, and fails when that fails too', async () => {
    const forged = signWith(fresh().privateKey, G_TIMESTAMP, G_NONCE, G_BODY);
    expect((await verifyWebhook(G_BODY, withNew(forged), [G_CERT], { newCertificates: [next.cert] })).bizType).toBe('PAY');
    expect((await verifyWebhook(G_BODY, withNew(), [G_CERT], { newCertificates: [] })).bizType).toBe('PAY');
    const badLegacy = { ...withNew(forged), 'BinancePay-Signature': forged };
    expect(await reasonOf(verifyWebhook(G_BODY, badLegacy, [G_CERT], { newCertificates: [next.cert] }))).toBe('BAD_SIGNATURE');
    const { 'BinancePay-Signature': _legacy, ...noLegacy } = withNew(forged);
    expect(await reasonOf(verifyWebhook(G_BODY, noLegacy, [G_CERT], { newCertificates: [next.cert] }))).toBe('BAD_SIGNATURE');
    // the body is covered by the new signature too
    expect(await reasonOf(verifyWebhook(G_BODY.replace('0.88000000', '0.89000000'), withNew(), [], { newCertificates: [next.cert] }))).toBe('BAD_SIGNATURE');
    expect(await reasonOf(verifyWebhook(G_BODY.replace('0.88000000', '0.89000000'), withNew(), [G_CERT], { newCertificates: [next.cert] }))).toBe('BAD_SIGNATURE');
  });
});
