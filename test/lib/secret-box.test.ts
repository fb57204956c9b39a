/**
 * Encryption at rest for API secrets and the webhook key: AES-256-GCM under a master key that
 * lives outside the database; a wrong master key is reported by key id, never as garbage.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/lib/secret-box.ts';

const HEX_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** Flips one bit of the base64 field `index` (2 = iv, 3 = tag, 4 = ciphertext) of a sealed value. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[index] ?? '', 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  parts[index] = bytes.toString('base64');
  return parts.join(':');
}

describe('SecretBox', () => {
  it('seals and opens any text, including the empty string and non-ASCII', () => {
    const box = SecretBox.fromString(HEX_KEY);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (plain) => {
        expect(box.open(box.seal(plain))).toBe(plain);
      }),
      { numRuns: 300 },
    );
    expect(box.open(box.seal(''))).toBe('');
  });

  it('never writes the plain text and never seals twice the same way', () => {
    const box = SecretBox.fromString(HEX_KEY);
    const secret = 'uahr4nhailyq55yubuhuncnprfac73bcbz2qfafsevic1jruwunioxtoaozy122f';
    const a = box.seal(secret);
    const b = box.seal(secret);
    expect(a).not.toBe(b);
    for (const sealed of [a, b]) {
      expect(sealed).not.toContain(secret);
      expect(sealed).not.toContain(Buffer.from(secret).toString('base64'));
      expect(sealed.split(':')).toHaveLength(5);
      expect(sealed.startsWith(`v1:${box.keyId}:`)).toBe(true);
    }
  });

  it('detects tampering with the iv, the tag or the ciphertext', () => {
    const box = SecretBox.fromString(HEX_KEY);
    const sealed = box.seal('a webhook private key');
    for (const index of [2, 3, 4]) expect(() => box.open(tamper(sealed, index)), `field ${index}`).toThrow();
    // a truncated tag must not be accepted either (GCM would check only its first bytes)
    for (const length of [4, 8, 12, 15]) {
      const parts = sealed.split(':');
      parts[3] = Buffer.from(parts[3] ?? '', 'base64').subarray(0, length).toString('base64');
      expect(() => box.open(parts.join(':')), `${length}-byte tag`).toThrow();
    }
  });

  it('rejects values of an unknown format', () => {
    const box = SecretBox.fromString(HEX_KEY);
    for (const bad of ['', 'plain text', 'v2:x:y:z:w', `v1:${box.keyId}:onlyiv`]) expect(() => box.open(bad), bad).toThrow(/unknown format/);
  });

  it('names both key ids when a value was sealed under another master key', () => {
    const a = SecretBox.fromString(HEX_KEY);
    const b = SecretBox.fromString('another master passphrase');
    expect(a.keyId).not.toBe(b.keyId);
    const sealed = a.seal('secret');
    expect(() => b.open(sealed)).toThrow(`sealed with master key ${a.keyId}, but this server runs with ${b.keyId}`);
    expect(() => b.open(sealed)).toThrow(/BPAY_SECRET_KEY/);
  });

  it('fails authentication when the key id is forged to match another key', () => {
    const a = SecretBox.fromString(HEX_KEY);
    const b = SecretBox.fromString('another master passphrase');
    const forged = a.seal('secret').replace(`:${a.keyId}:`, `:${b.keyId}:`);
    expect(() => b.open(forged)).toThrow();
  });

  it('fromString accepts 64 hex, base64 of 32 bytes, or a passphrase, deterministically', () => {
    const raw = Buffer.from(HEX_KEY, 'hex');
    const fromHex = SecretBox.fromString(HEX_KEY);
    const fromUpperHex = SecretBox.fromString(HEX_KEY.toUpperCase());
    const fromBase64 = SecretBox.fromString(raw.toString('base64'));
    const fromBase64NoPad = SecretBox.fromString(raw.toString('base64').replace(/=+$/, ''));
    const direct = new SecretBox(raw);
    for (const box of [fromUpperHex, fromBase64, fromBase64NoPad, direct]) expect(box.keyId).toBe(fromHex.keyId);
    expect(fromBase64.open(fromHex.seal('x'))).toBe('x');

    const p1 = SecretBox.fromString('correct horse battery staple');
    const p2 = SecretBox.fromString('  correct horse battery staple\n');
    expect(p2.keyId).toBe(p1.keyId);
    expect(p2.open(p1.seal('y'))).toBe('y');
    expect(SecretBox.fromString('correct horse battery stapl').keyId).not.toBe(p1.keyId);
    // a passphrase is stretched, not used as bytes: 63 hex chars is a passphrase
    expect(SecretBox.fromString(HEX_KEY.slice(1)).keyId).not.toBe(fromHex.keyId);
  });

  it('generated key texts are 64 hex and usable', () => {
    const text = SecretBox.generateKeyText();
    expect(text).toMatch(/^[0-9a-f]{64}$/);
    expect(SecretBox.generateKeyText()).not.toBe(text);
    const box = SecretBox.fromString(text);
    expect(box.keyId).toBe(new SecretBox(Buffer.from(text, 'hex')).keyId);
  });

  it('refuses master keys that are not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(RangeError);
    expect(() => new SecretBox(randomBytes(33))).toThrow(RangeError);
  });
});
