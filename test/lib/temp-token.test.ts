import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TempTokens } from '../../src/lib/temp-token.ts';

describe('TempTokens', () => {
  const tokens = new TempTokens(randomBytes(32));

  it('turns every link token into 32 letters and digits and back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const linkToken = Buffer.from(bytes).toString('hex');
        const temp = tokens.of(linkToken);
        expect(temp).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(tokens.linkTokenOf(temp)).toBe(linkToken);
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic per key and differs between keys', () => {
    const linkToken = randomBytes(16).toString('hex');
    expect(tokens.of(linkToken)).toBe(tokens.of(linkToken));
    expect(new TempTokens(randomBytes(32)).of(linkToken)).not.toBe(tokens.of(linkToken));
  });

  it('refuses what it did not make: wrong shape, an undecodable pair, another key', () => {
    const temp = tokens.of(randomBytes(16).toString('hex'));
    for (const bad of ['', 'A'.repeat(32), temp.slice(1), `${temp}x`, temp.replace(/^./, '-'), randomBytes(16).toString('hex').toUpperCase()]) {
      expect(tokens.linkTokenOf(bad), bad).toBeUndefined();
    }
    // decodable but foreign: it decrypts to some other link token, never the original
    const other = new TempTokens(randomBytes(32));
    const linkToken = randomBytes(16).toString('hex');
    expect(other.linkTokenOf(tokens.of(linkToken))).not.toBe(linkToken);
    expect(() => tokens.of('not a link token')).toThrow(RangeError);
  });
});
