import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonLossless, rawTopLevelMember } from '../src/json-scan.ts';

describe('parseJsonLossless', () => {
  it('keeps integers beyond 2^53 as exact digit strings, leaves the rest to JSON.parse', () => {
    const text = '{"a":29383937493038367292,"b":-9007199254740993,"c":9007199254740991,"d":1.5,"e":"12345678901234567890","f":[18446744073709551617],"g":1e30}';
    expect(parseJsonLossless(text)).toEqual({
      a: '29383937493038367292',
      b: '-9007199254740993',
      c: 9007199254740991,
      d: 1.5,
      e: '12345678901234567890',
      f: ['18446744073709551617'],
      g: 1e30,
    });
  });

  it('does not touch digits inside strings, including escaped quotes', () => {
    expect(parseJsonLossless('{"k\\"99999999999999999999":"\\"99999999999999999999"}')).toEqual({ 'k"99999999999999999999': '"99999999999999999999' });
  });

  it('throws exactly when JSON.parse throws (never repairs invalid JSON)', () => {
    for (const bad of ['{99999999999999999999:1}', '', '{', '[1,]', "{'a':1}"]) {
      expect(() => JSON.parse(bad)).toThrow(SyntaxError);
      expect(() => parseJsonLossless(bad)).toThrow(SyntaxError);
    }
  });

  it('property: equals JSON.parse for any JSON without unsafe integers', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const hasUnsafe = /(?<![\d.eE"])-?\d{16,}(?![\d.eE])/.test(text);
        fc.pre(!hasUnsafe);
        expect(parseJsonLossless(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('property: any integer literal round-trips exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), (n) => {
        const parsed = parseJsonLossless(`{"id":${n}}`) as { id: number | string };
        expect(String(parsed.id)).toBe(n.toString());
      }),
    );
  });
});

describe('rawTopLevelMember', () => {
  it('returns the raw source text of a top-level member only', () => {
    const text = ' { "x" : {"bizId":1,"s":"}"} , "bizId" : 29383937493038367292 , "y":[{"bizId":2}] } ';
    expect(rawTopLevelMember(text, 'bizId')).toBe('29383937493038367292');
    expect(rawTopLevelMember(text, 'x')).toBe('{"bizId":1,"s":"}"}');
    expect(rawTopLevelMember(text, 'missing')).toBeUndefined();
    expect(rawTopLevelMember('[1]', 'bizId')).toBeUndefined();
  });

  it('last duplicate wins, like JSON.parse', () => {
    expect(rawTopLevelMember('{"a":1,"a":2}', 'a')).toBe('2');
  });
});
