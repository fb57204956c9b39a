/**
 * The one place the server signs and verifies (ARCHITECTURE.md principle 1).
 * Requests: HMAC-SHA512, upper-case hex, over `ts\nnonce\nbody\n` (fact sheet §1.3).
 * Webhooks: RSA PKCS#1 v1.5 SHA-256, base64, over the same layout (fact sheet §5.2).
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPairSync, sign as signInPool, timingSafeEqual, type KeyObject } from 'node:crypto';

export function signaturePayload(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** The same payload as bytes: the server verifies exactly the body bytes it received. */
export function signaturePayloadBytes(timestamp: string, nonce: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), body, Buffer.from('\n', 'utf8')]);
}

export function hmacSha512(secret: string, payload: string | Buffer): Buffer {
  const hmac = createHmac('sha512', Buffer.from(secret, 'utf8'));
  return (typeof payload === 'string' ? hmac.update(payload, 'utf8') : hmac.update(payload)).digest();
}

export function hmacSha512UpperHex(secret: string, payload: string | Buffer): string {
  return hmacSha512(secret, payload).toString('hex').toUpperCase();
}

/** Constant-time string comparison (lengths may differ). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Parsed private keys by PEM text. Parsing a PEM costs as much as the RSA signature itself (every
 * webhook attempt signs); keyed by content, an entry can never be stale, and there are only a few.
 */
const privateKeys = new Map<string, KeyObject>();

function privateKeyOf(pem: string): KeyObject {
  let key = privateKeys.get(pem);
  if (key === undefined) {
    key = createPrivateKey(pem);
    if (privateKeys.size >= 8) privateKeys.clear();
    privateKeys.set(pem, key);
  }
  return key;
}

export function rsaSignBase64(privateKeyPem: string, payload: string): string {
  return createSign('RSA-SHA256').update(payload, 'utf8').sign(privateKeyOf(privateKeyPem), 'base64');
}

/**
 * The same signature, computed on libuv's thread pool: an RSA signature costs ~0.2 ms of CPU, which
 * at a thousand webhooks a second would otherwise be a fifth of the event loop's time.
 */
export function rsaSignBase64Async(privateKeyPem: string, payload: string): Promise<string> {
  const key = privateKeyOf(privateKeyPem);
  return new Promise((resolve, reject) => signInPool('sha256', Buffer.from(payload, 'utf8'), key, (error, signature) => (error ? reject(error) : resolve(signature.toString('base64')))));
}

export function rsaVerifyBase64(publicKeyPem: string, payload: string, signatureBase64: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(payload, 'utf8').verify(publicKeyPem, signatureBase64, 'base64');
  } catch {
    return false;
  }
}

/** `certSerial`: upper-case MD5 of the PEM text, the convention of public SDK test data (fact sheet §3.7). */
export function certSerialOf(publicKeyPem: string): string {
  return createHash('md5').update(publicKeyPem, 'utf8').digest('hex').toUpperCase();
}

export interface RsaKeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

export function generateRsaKeyPair(modulusLength = 2048): RsaKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength });
  return {
    // SPKI "BEGIN PUBLIC KEY", as /certificates serves it; trimmed so the MD5 input has no trailing LF
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString().trim(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function publicKeyPemOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString().trim();
}
