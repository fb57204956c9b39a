/**
 * Encryption at rest for API secrets and the webhook signing key. HMAC verification needs the
 * plain secret, so it cannot be hashed like a password; it is sealed with AES-256-GCM under a
 * master key that lives outside the database (BPAY_SECRET_KEY or <data>/secret.key).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scryptSync } from 'node:crypto';

const VERSION = 'v1';

export class SecretBox {
  private readonly key: Buffer;
  private readonly derived = new Map<string, Buffer>();
  /** Short fingerprint of the master key, stored beside sealed values so a wrong key is reported clearly. */
  readonly keyId: string;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new RangeError('master key must be 32 bytes');
    this.key = masterKey;
    this.keyId = createHash('sha256').update(masterKey).digest('hex').slice(0, 12);
  }

  /** Accepts 64 hex chars or base64 of 32 bytes as-is; anything else is a passphrase stretched with scrypt. */
  static fromString(secret: string): SecretBox {
    const text = secret.trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) return new SecretBox(Buffer.from(text, 'hex'));
    const b64 = Buffer.from(text, 'base64');
    if (b64.length === 32 && /^[A-Za-z0-9+/]{43}=?$/.test(text)) return new SecretBox(b64);
    return new SecretBox(scryptSync(text, 'binance-pay-server/secret-box', 32));
  }

  /** A 32-byte key for one purpose, derived from the master key (HMAC-SHA256 of the label); never the master key itself. */
  deriveKey(label: string): Buffer {
    let key = this.derived.get(label);
    if (!key) {
      key = createHmac('sha256', this.key).update(`binance-pay-server/${label}`).digest();
      this.derived.set(label, key);
    }
    return key;
  }

  static generateKeyText(): string {
    return randomBytes(32).toString('hex');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.keyId, iv.toString('base64'), tag.toString('base64'), body.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const [version, keyId, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) throw new Error('sealed value has an unknown format');
    if (keyId !== this.keyId) {
      throw new Error(`sealed with master key ${keyId}, but this server runs with ${this.keyId}: set the same BPAY_SECRET_KEY on every node`);
    }
    // Pin the full 16-byte tag: without authTagLength Node accepts a truncated tag (down to 4 bytes),
    // which would let someone who can write the database forge values by brute force.
    const tagBytes = Buffer.from(tag, 'base64');
    if (tagBytes.length !== 16) throw new Error('sealed value has an invalid authentication tag');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'), { authTagLength: 16 });
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}
