/**
 * Binance Pay signatures: the HMAC that authenticates merchant → Binance requests and the RSA
 * signature that authenticates Binance → merchant webhooks. Both sign the same layout.
 */
import { createHmac, createPublicKey, createVerify, randomInt } from 'node:crypto';

const LF = '\n';

/**
 * `timestamp \n nonce \n body \n` — fact sheet §1.3 (requests) and §5.2 (webhooks).
 * The trailing LF is mandatory, and `body` must be the exact string sent on the wire, never a
 * re-serialisation (§1.3, §8.3).
 */
export function buildSignaturePayload(timestamp: string | number, nonce: string, body: string): string {
  return `${timestamp}${LF}${nonce}${LF}${body}${LF}`;
}

/** Upper-case hex HMAC-SHA512 keyed with the API secret (fact sheet §1.3; lower-case hex is rejected, §1.3/§8.2). */
export function signRequest(apiSecret: string, payload: string | Uint8Array): string {
  return createHmac('sha512', apiSecret).update(payload).digest('hex').toUpperCase();
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const NONCE_LENGTH = 32; // fact sheet §1.2: "must be 32 characters"

/**
 * 32 characters of [A-Za-z0-9] (fact sheet §1.2). `randomInt` draws uniformly (it rejects
 * out-of-range samples internally), so there is no modulo bias.
 */
export function generateNonce(): string {
  let nonce = '';
  for (let i = 0; i < NONCE_LENGTH; i++) nonce += NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)];
  return nonce;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface VerifyWebhookSignatureInput {
  /** The signed bytes, e.g. `buildSignaturePayload(ts, nonce, rawBody)`. */
  payload: string | Uint8Array;
  /** Value of the `BinancePay-Signature` header: base64 (fact sheet §5.2). */
  signatureBase64: string;
  /** `certPublic` from the certificates endpoint: an SPKI PEM (fact sheet §3.7). */
  publicKeyPem: string;
}

/**
 * RSA PKCS#1 v1.5 / SHA-256 verification (fact sheet §5.2). Returns false — never throws — on a
 * bad key, non-base64 signature or mismatch, so callers get one boolean to branch on.
 * Node's base64 decoder silently skips junk characters, hence the strict pre-check.
 */
export function verifyWebhookSignature({ payload, signatureBase64, publicKeyPem }: VerifyWebhookSignatureInput): boolean {
  try {
    if (typeof signatureBase64 !== 'string' || typeof publicKeyPem !== 'string') return false;
    const signature = signatureBase64.trim();
    if (signature === '' || !STRICT_BASE64.test(signature)) return false;
    const key = createPublicKey(publicKeyPem);
    return createVerify('RSA-SHA256').update(payload).verify(key, signature, 'base64');
  } catch {
    return false;
  }
}
