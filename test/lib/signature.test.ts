/**
 * The server's one signing module (src/lib/signature.ts) against the literal vectors of fact
 * sheet §9, shared with the SDK's tests so server and SDK cannot drift apart.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  certSerialOf,
  constantTimeEqual,
  generateRsaKeyPair,
  hmacSha512,
  hmacSha512UpperHex,
  publicKeyPemOf,
  rsaSignBase64,
  rsaVerifyBase64,
  sha256Hex,
  signaturePayload,
  signaturePayloadBytes,
} from '../../src/lib/signature.ts';
import rsKeyPair from '../../packages/sdk/test/fixtures/rs-key-pair.json' with { type: 'json' };
import {
  E_BODY,
  E_BRACES_SIGNATURE,
  E_EMPTY_SIGNATURE,
  E_NONCE,
  E_SECRET,
  E_SIGNATURE,
  E_TIMESTAMP,
  F_PUBLIC_KEY,
  F_SIGNATURE,
  G_BODY,
  G_NONCE,
  G_SERIAL,
  G_SIGNATURE,
  G_TIMESTAMP,
} from '../../packages/sdk/test/vectors.ts';

const A_SIGNATURE = '0FEE450C836654F95CA8AC5B99DB385B96CAE1EDC46456A5BEA005BFA020FC113AD61D9B8595BA951A3A562BBB8556B6D063D6BA8AEF488097642E50ACC27ACA';
const B_SIGNATURE = 'AA9DD39D6D4F32068DFD626FFDF019706959B0A811B1A72CD293DB718521A457B1E258461A59CF81FE0F0F32CB9BC1C502D31AAD9938EE73040A9CC6DE04507E';

describe('request HMAC — fact sheet §9', () => {
  it('A: RS check_signature_algo', () => {
    const payload = signaturePayload('1636876819', 'abcd', 'akarshjain');
    expect(payload).toBe('1636876819\nabcd\nakarshjain\n');
    expect(hmacSha512UpperHex('abcd1234', payload)).toBe(A_SIGNATURE);
    expect(hmacSha512UpperHex('abcd1234', signaturePayloadBytes('1636876819', 'abcd', Buffer.from('akarshjain')))).toBe(A_SIGNATURE);
  });

  it('B: the raw HMAC-SHA512 primitive, upper hex', () => {
    expect(hmacSha512UpperHex('test secret key', 'content')).toBe(B_SIGNATURE);
    expect(hmacSha512('test secret key', Buffer.from('content')).toString('hex').toUpperCase()).toBe(B_SIGNATURE);
  });

  it('C: the payload builder', () => {
    expect(signaturePayload('1654943252000', '5f14d51f62136d24c87480faa9009d7d', 'body')).toBe('1654943252000\n5f14d51f62136d24c87480faa9009d7d\nbody\n');
  });

  it('E: a realistic v3 create-order body', () => {
    expect(hmacSha512UpperHex(E_SECRET, signaturePayload(E_TIMESTAMP, E_NONCE, E_BODY))).toBe(E_SIGNATURE);
    expect(hmacSha512UpperHex(E_SECRET, signaturePayloadBytes(E_TIMESTAMP, E_NONCE, Buffer.from(E_BODY, 'utf8')))).toBe(E_SIGNATURE);
  });

  it('E: the empty body keeps both separators and the trailing LF', () => {
    expect(signaturePayload(E_TIMESTAMP, E_NONCE, '')).toBe(`${E_TIMESTAMP}\n${E_NONCE}\n\n`);
    expect(hmacSha512UpperHex(E_SECRET, signaturePayload(E_TIMESTAMP, E_NONCE, ''))).toBe(E_EMPTY_SIGNATURE);
    expect(hmacSha512UpperHex(E_SECRET, signaturePayloadBytes(E_TIMESTAMP, E_NONCE, Buffer.alloc(0)))).toBe(E_EMPTY_SIGNATURE);
  });

  it('E: the body "{}"', () => {
    expect(hmacSha512UpperHex(E_SECRET, signaturePayload(E_TIMESTAMP, E_NONCE, '{}'))).toBe(E_BRACES_SIGNATURE);
    expect(hmacSha512UpperHex(E_SECRET, signaturePayloadBytes(E_TIMESTAMP, E_NONCE, Buffer.from('{}')))).toBe(E_BRACES_SIGNATURE);
  });

  it('is sensitive to the trailing LF, CRLF and re-serialisation', () => {
    const right = hmacSha512UpperHex(E_SECRET, signaturePayload(E_TIMESTAMP, E_NONCE, E_BODY));
    expect(hmacSha512UpperHex(E_SECRET, `${E_TIMESTAMP}\n${E_NONCE}\n${E_BODY}`)).not.toBe(right);
    expect(hmacSha512UpperHex(E_SECRET, `${E_TIMESTAMP}\r\n${E_NONCE}\r\n${E_BODY}\r\n`)).not.toBe(right);
    expect(hmacSha512UpperHex(E_SECRET, signaturePayload(E_TIMESTAMP, E_NONCE, JSON.stringify(JSON.parse(E_BODY), null, 1)))).not.toBe(right);
  });
});

describe('webhook RSA — fact sheet §9', () => {
  it('F: verifies the 4096-bit GO vector over the literal payload "111"', () => {
    expect(rsaVerifyBase64(F_PUBLIC_KEY, '111', F_SIGNATURE)).toBe(true);
    expect(rsaVerifyBase64(F_PUBLIC_KEY, '112', F_SIGNATURE)).toBe(false);
    expect(rsaVerifyBase64(F_PUBLIC_KEY, '111\n', F_SIGNATURE)).toBe(false);
  });

  it('F: answers false, never throws, on a bad key or signature', () => {
    expect(rsaVerifyBase64('not a key', '111', F_SIGNATURE)).toBe(false);
    expect(rsaVerifyBase64(F_PUBLIC_KEY, '111', '')).toBe(false);
    expect(rsaVerifyBase64(F_PUBLIC_KEY, '111', F_SIGNATURE.replace('a/mu', 'b/mu'))).toBe(false);
    expect(rsaVerifyBase64(rsKeyPair.cert_public, '111', F_SIGNATURE)).toBe(false);
  });

  it('G: certSerial is the upper-case MD5 of the RS PEM', () => {
    expect(rsKeyPair.cert_public_md5_hash.toUpperCase()).toBe(G_SERIAL);
    expect(certSerialOf(rsKeyPair.cert_public)).toBe(G_SERIAL);
  });

  it('G: signing the webhook payload reproduces the §9 G signature, and it verifies', () => {
    const payload = signaturePayload(G_TIMESTAMP, G_NONCE, G_BODY);
    expect(rsaSignBase64(rsKeyPair.private_key, payload)).toBe(G_SIGNATURE);
    expect(rsaVerifyBase64(rsKeyPair.cert_public, payload, G_SIGNATURE)).toBe(true);
    expect(rsaVerifyBase64(rsKeyPair.cert_public, signaturePayload(G_TIMESTAMP, G_NONCE, G_BODY.replace('0.88000000', '0.88')), G_SIGNATURE)).toBe(false);
  });

  it('G: the public key derived from the RS private key has the same serial', () => {
    expect(certSerialOf(publicKeyPemOf(rsKeyPair.private_key))).toBe(G_SERIAL);
  });
});

describe('signaturePayloadBytes', () => {
  it('equals the UTF-8 bytes of the string payload', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,16}$/), fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 200 }), (ts, nonce, body) => {
        const bytes = signaturePayloadBytes(ts, nonce, Buffer.from(body, 'utf8'));
        expect(bytes.equals(Buffer.from(signaturePayload(ts, nonce, body), 'utf8'))).toBe(true);
        expect(hmacSha512UpperHex('k', bytes)).toBe(hmacSha512UpperHex('k', signaturePayload(ts, nonce, body)));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps body bytes that are not UTF-8 exactly', () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const bytes = signaturePayloadBytes('1', 'n', body);
    expect(bytes.equals(Buffer.concat([Buffer.from('1\nn\n'), body, Buffer.from('\n')]))).toBe(true);
  });
});

describe('helpers', () => {
  it('constantTimeEqual compares exactly, lengths may differ', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'ABC')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
  });

  it('sha256Hex is lower-case hex SHA-256', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('generateRsaKeyPair', () => {
  it('gives ≥ 2048-bit RSA keys whose certSerial is the upper-case MD5 of the PEM', () => {
    const pair = generateRsaKeyPair();
    const pub = createPublicKey(pair.publicKeyPem);
    expect(pub.asymmetricKeyType).toBe('rsa');
    expect(pub.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
    expect(createPrivateKey(pair.privateKeyPem).asymmetricKeyDetails?.modulusLength).toBe(pub.asymmetricKeyDetails?.modulusLength);
    expect(pair.publicKeyPem.startsWith('-----BEGIN PUBLIC KEY-----\n')).toBe(true);
    expect(pair.publicKeyPem.endsWith('-----END PUBLIC KEY-----')).toBe(true);
    const serial = certSerialOf(pair.publicKeyPem);
    expect(serial).toMatch(/^[0-9A-F]{32}$/);
    expect(serial).toBe(createHash('md5').update(pair.publicKeyPem).digest('hex').toUpperCase());
    expect(publicKeyPemOf(pair.privateKeyPem)).toBe(pair.publicKeyPem);
    const payload = signaturePayload('1', 'nonce', '{"a":1}');
    const signature = rsaSignBase64(pair.privateKeyPem, payload);
    expect(rsaVerifyBase64(pair.publicKeyPem, payload, signature)).toBe(true);
    expect(rsaVerifyBase64(rsKeyPair.cert_public, payload, signature)).toBe(false);
  });

  it('gives a new key pair each time', () => {
    expect(certSerialOf(generateRsaKeyPair().publicKeyPem)).not.toBe(certSerialOf(generateRsaKeyPair().publicKeyPem));
  });
});
