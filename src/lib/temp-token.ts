/**
 * The deep link's `tempToken` (fact sheet §3.1): 32 letters and digits, mixed case, distinct from
 * the checkout `linkToken` as in Binance's answers (`tempToken=6TKaMw57DrMr1iM2nogN2xbBFST28hyS`
 * beside `checkout/e84a6776f6f843b4b9e65790f3845ef8`). It is the link token's 16 bytes encrypted
 * with AES-256 under a key derived from the server's master key, two characters per byte: nothing
 * is stored, the link token cannot be read from it, and only this server can turn one into the
 * other (another node with the same BPAY_SECRET_KEY included).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LINK_TOKEN = /^[0-9a-f]{32}$/;
const TEMP_TOKEN = /^[A-Za-z0-9]{32}$/;

/**
 * One byte as two characters of the 62-letter alphabet, reversibly: the first carries b mod 62,
 * the second b div 62 (0–4) and a check spread over the alphabet, so both cases and digits occur.
 */
function encodeByte(b: number): string {
  const q = Math.floor(b / 62);
  return (ALPHABET[b % 62] as string) + (ALPHABET[q + 5 * ((b * 7 + 3) % 12)] as string);
}

function decodeByte(first: string, second: string): number | undefined {
  const x = ALPHABET.indexOf(first);
  const y = ALPHABET.indexOf(second);
  if (x < 0 || y < 0) return undefined;
  const q = y % 5;
  const b = q * 62 + x;
  if (b > 255 || (y - q) / 5 !== (b * 7 + 3) % 12) return undefined;
  return b;
}

export class TempTokens {
  /** `key`: 32 bytes (SecretBox.deriveKey). */
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('temp token key must be 32 bytes');
  }

  /** The tempToken of a link token (32 lower-case hex). */
  of(linkToken: string): string {
    if (!LINK_TOKEN.test(linkToken)) throw new RangeError('not a link token');
    const cipher = createCipheriv('aes-256-ecb', this.key, null).setAutoPadding(false);
    const block = Buffer.concat([cipher.update(Buffer.from(linkToken, 'hex')), cipher.final()]);
    let out = '';
    for (const b of block) out += encodeByte(b);
    return out;
  }

  /** The link token behind a tempToken, or undefined when it is not one of ours. */
  linkTokenOf(tempToken: string): string | undefined {
    if (!TEMP_TOKEN.test(tempToken)) return undefined;
    const bytes = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) {
      const b = decodeByte(tempToken[2 * i] as string, tempToken[2 * i + 1] as string);
      if (b === undefined) return undefined;
      bytes[i] = b;
    }
    const decipher = createDecipheriv('aes-256-ecb', this.key, null).setAutoPadding(false);
    return Buffer.concat([decipher.update(bytes), decipher.final()]).toString('hex');
  }
}
