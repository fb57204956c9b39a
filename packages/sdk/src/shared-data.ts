/**
 * Decrypting what Binance shares with whitelisted merchants, such as `paymentInfo.payerDetail`
 * (Binance Pay docs, "Authentication: decryption instructions for merchant data sharing"): the AES
 * key is SHA-256 of the API secret the order was created with; the base64 text is a 12-byte IV
 * followed by the AES-GCM ciphertext and its 16-byte tag.
 */
import { createDecipheriv, createHash } from 'node:crypto';

/** The UTF-8 text (for payerDetail, a JSON object); throws when the secret is wrong or the data altered. */
export function decryptSharedData(apiSecret: string, sharedData: string): string {
  const bytes = Buffer.from(sharedData, 'base64');
  if (bytes.length < 12 + 16) throw new Error('shared data is too short to be IV + ciphertext + tag');
  const key = createHash('sha256').update(apiSecret, 'utf8').digest();
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12), { authTagLength: 16 });
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
}
