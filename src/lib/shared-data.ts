/**
 * Binance's encryption of data it shares with whitelisted merchants, such as `payerDetail`
 * (Binance Pay docs, "Authentication: decryption instructions for merchant data sharing"): the AES
 * key is SHA-256 of the API secret the order was created with; the text is base64 of a 12-byte IV
 * followed by the AES-256-GCM ciphertext and its 16-byte tag (Java's GCM output, which Binance's
 * sample decrypts with GCMParameterSpec).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

function keyOf(apiSecret: string): Buffer {
  return createHash('sha256').update(apiSecret, 'utf8').digest();
}

export function encryptSharedData(apiSecret: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(apiSecret), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/** The inverse, as a merchant runs it; throws when the secret is wrong or the text was altered. */
export function decryptSharedData(apiSecret: string, shared: string): string {
  const bytes = Buffer.from(shared, 'base64');
  if (bytes.length < 12 + 16) throw new Error('shared data is too short');
  const decipher = createDecipheriv('aes-256-gcm', keyOf(apiSecret), bytes.subarray(0, 12), { authTagLength: 16 });
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
}
