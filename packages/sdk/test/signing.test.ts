import { createHmac, generateKeyPairSync, createSign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSignaturePayload, generateNonce, signRequest, verifyWebhookSignature } from '../src/index.ts';
import { E_BODY, E_BRACES_SIGNATURE, E_EMPTY_SIGNATURE, E_NONCE, E_SECRET, E_SIGNATURE, E_TIMESTAMP, F_PUBLIC_KEY, F_SIGNATURE } from './vectors.ts';

/** Independent reference: the formula of fact sheet §1.3 written out with node:crypto only. */
const referenceHmac = (secret: string, message: string): string => createHmac('sha512', secret).update(message, 'utf8').digest('hex').toUpperCase();

describe('request signing — fact sheet §9 vectors', () => {
  it('A: RS check_signature_algo', () => {
    const payload = buildSignaturePayload('1636876819', 'abcd', 'akarshjain');
    expect(payload).toBe('1636876819\nabcd\nakarshjain\n');
    expect(signRequest('abcd1234', payload)).toBe(
      '0FEE450C836654F95CA8AC5B99DB385B96CAE1EDC46456A5BEA005BFA020FC113AD61D9B8595BA951A3A562BBB8556B6D063D6BA8AEF488097642E50ACC27ACA',
    );
  });

  it('B: raw HMAC-SHA512 primitive, upper hex', () => {
    expect(signRequest('test secret key', 'content')).toBe(
      'AA9DD39D6D4F32068DFD626FFDF019706959B0A811B1A72CD293DB718521A457B1E258461A59CF81FE0F0F32CB9BC1C502D31AAD9938EE73040A9CC6DE04507E',
    );
  });

  it('C: payload builder (numeric timestamp too)', () => {
    expect(buildSignaturePayload(1654943252000, '5f14d51f62136d24c87480faa9009d7d', 'body')).toBe('1654943252000\n5f14d51f62136d24c87480faa9009d7d\nbody\n');
    expect(buildSignaturePayload('1654943252000', '5f14d51f62136d24c87480faa9009d7d', 'body')).toBe('1654943252000\n5f14d51f62136d24c87480faa9009d7d\nbody\n');
  });

  it('E: realistic v3 create-order body', () => {
    expect(signRequest(E_SECRET, buildSignaturePayload(E_TIMESTAMP, E_NONCE, E_BODY))).toBe(E_SIGNATURE);
  });

  it('E: empty body still has both separators and the trailing LF', () => {
    const payload = buildSignaturePayload(E_TIMESTAMP, E_NONCE, '');
    expect(payload).toBe(`${E_TIMESTAMP}\n${E_NONCE}\n\n`);
    expect(signRequest(E_SECRET, payload)).toBe(E_EMPTY_SIGNATURE);
  });

  it('E: body "{}"', () => {
    expect(signRequest(E_SECRET, buildSignaturePayload(E_TIMESTAMP, E_NONCE, '{}'))).toBe(E_BRACES_SIGNATURE);
  });

  it('a re-serialised body (Python json.dumps spacing) signs differently — bytes matter (§1.3)', () => {
    const spaced = JSON.stringify(JSON.parse(E_BODY), null, 1);
    expect(signRequest(E_SECRET, buildSignaturePayload(E_TIMESTAMP, E_NONCE, spaced))).not.toBe(E_SIGNATURE);
  });

  it('property: equals an independent HMAC and is 128 upper-case hex chars', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.oneof(fc.nat(), fc.string({ maxLength: 20 })),
        fc.string({ maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 80 }),
        (body, timestamp, nonce, secret) => {
          const signature = signRequest(secret, buildSignaturePayload(timestamp, nonce, body));
          expect(signature).toBe(referenceHmac(secret, `${timestamp}\n${nonce}\n${body}\n`));
          expect(signature).toMatch(/^[0-9A-F]{128}$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('generateNonce', () => {
  it('is 32 chars of [A-Za-z0-9] (fact sheet §1.2)', () => {
    for (let i = 0; i < 200; i++) expect(generateNonce()).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('is random and uses the whole alphabet', () => {
    const nonces = new Set(Array.from({ length: 500 }, generateNonce));
    expect(nonces.size).toBe(500);
    const seen = new Set([...nonces].join(''));
    expect(seen.size).toBe(62);
  });
});

describe('verifyWebhookSignature', () => {
  it('F: 4096-bit key, literal message "111" (GO Test_VerifySignature)', () => {
    expect(verifyWebhookSignature({ payload: '111', signatureBase64: F_SIGNATURE, publicKeyPem: F_PUBLIC_KEY })).toBe(true);
    expect(verifyWebhookSignature({ payload: Buffer.from('111'), signatureBase64: F_SIGNATURE, publicKeyPem: F_PUBLIC_KEY })).toBe(true);
  });

  it('F: any other message fails', () => {
    expect(verifyWebhookSignature({ payload: '112', signatureBase64: F_SIGNATURE, publicKeyPem: F_PUBLIC_KEY })).toBe(false);
    expect(verifyWebhookSignature({ payload: '111\n', signatureBase64: F_SIGNATURE, publicKeyPem: F_PUBLIC_KEY })).toBe(false);
  });

  it('returns false, never throws, on malformed input', () => {
    const cases: Array<[string, string]> = [
      ['', F_PUBLIC_KEY],
      ['not base64 !!!', F_PUBLIC_KEY],
      [`${F_SIGNATURE}!!`, F_PUBLIC_KEY], // Node's decoder would ignore the junk; we must not
      [F_SIGNATURE.slice(0, -4), F_PUBLIC_KEY],
      [F_SIGNATURE, 'not a pem'],
      [F_SIGNATURE, ''],
      [F_SIGNATURE, F_PUBLIC_KEY.replace('MIICIjAN', 'MIICIjAX')],
    ];
    for (const [signatureBase64, publicKeyPem] of cases) {
      expect(verifyWebhookSignature({ payload: '111', signatureBase64, publicKeyPem })).toBe(false);
    }
    expect(verifyWebhookSignature({ payload: '111', signatureBase64: undefined as unknown as string, publicKeyPem: F_PUBLIC_KEY })).toBe(false);
    expect(verifyWebhookSignature({ payload: '111', signatureBase64: F_SIGNATURE, publicKeyPem: null as unknown as string })).toBe(false);
  });

  it('verifies what node:crypto RSA-SHA256 signs, and nothing signed by another key', () => {
    const a = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const b = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = a.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const sig = (key: typeof a.privateKey) => createSign('RSA-SHA256').update('hello').sign(key, 'base64');
    expect(verifyWebhookSignature({ payload: 'hello', signatureBase64: sig(a.privateKey), publicKeyPem: pem })).toBe(true);
    expect(verifyWebhookSignature({ payload: 'hello', signatureBase64: sig(b.privateKey), publicKeyPem: pem })).toBe(false);
  });
});
