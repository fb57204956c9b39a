/**
 * Exact JSON (fact sheet §1.3, §5.3, §7.2): number literals survive parsing and writing as text,
 * so amounts are parsed exactly later and ids above 2^53 (and 2^64) are never rounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJsonNumber, jsonNumber, parseJsonExact, stringifyJson, toPlainJson } from '../../src/lib/json.ts';
import { G_BODY } from '../../packages/sdk/test/vectors.ts';

function parsedOk(text: string): unknown {
  const r = parseJsonExact(text);
  if (!r.ok) throw new Error(`expected ${text.slice(0, 80)} to parse: ${r.message}`);
  return r.value;
}

function literal(value: unknown): string {
  expect(isJsonNumber(value)).toBe(true);
  return String(value);
}

describe('parseJsonExact', () => {
  it('keeps number literals exactly as written', () => {
    const v = parsedOk('{"a":25.17,"b":1e-8,"c":29383937493038367292,"d":0.88000000,"e":-0,"f":2.5E+1,"g":123456789012345678901234567890.123456789}') as Record<string, unknown>;
    expect(literal(v.a)).toBe('25.17');
    expect(literal(v.b)).toBe('1e-8');
    expect(literal(v.c)).toBe('29383937493038367292');
    expect(literal(v.d)).toBe('0.88000000');
    expect(literal(v.e)).toBe('-0');
    expect(literal(v.f)).toBe('2.5E+1');
    expect(literal(v.g)).toBe('123456789012345678901234567890.123456789');
  });

  it('keeps the 64-bit bizId of the §9 G webhook body', () => {
    const v = parsedOk(G_BODY) as { bizId: unknown; bizIdStr: string; data: string };
    expect(literal(v.bizId)).toBe('29383937493038367292');
    expect(v.bizIdStr).toBe('29383937493038367292');
    expect(literal((parsedOk(v.data) as { totalFee: unknown }).totalFee)).toBe('0.88000000');
  });

  it('parses every JSON top-level value, numbers included', () => {
    expect(parsedOk('null')).toBeNull();
    expect(parsedOk('true')).toBe(true);
    expect(parsedOk('"x"')).toBe('x');
    expect(parsedOk('[]')).toEqual([]);
    expect(literal(parsedOk(' 42 '))).toBe('42');
  });

  it('rejects duplicate keys, also exact repeats and escaped spellings, at any depth, without throwing', () => {
    for (const text of [
      '{"a":1,"a":2}',
      '{"a":1,"a":1.0}',
      '{"a":"x","a":"y"}',
      '{"o":{"k":true,"k":false}}',
      '[{"x":1,"x":null}]',
      '{"a":1,"a":1}',
      '{"a":"x","\\u0061":"x"}',
      '{"o":{"k":[1,{"z":2}],"k":[1,{"z":2}]}}',
      '[1,{"m":{},"n":"a,\\"b","m":{}}]',
    ]) {
      const r = parseJsonExact(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/Duplicate key/);
    }
  });

  it('does not mistake values, array items or keys of sibling objects for duplicates', () => {
    for (const text of ['{"a":"a","b":"a"}', '[{"a":1},{"a":1}]', '{"a":{"a":{"a":1}}}', '{"k":["k","k"],"l":"\\"k\\""}', '{"a,b":1,"a":2,"b":3}', '{"x":{},"y":{"x":1}}']) {
      expect(parseJsonExact(text).ok, text).toBe(true);
    }
  });

  it('rejects malformed JSON without throwing', () => {
    for (const text of ['', ' ', '{', '{"a":}', "{'a':1}", '{"a":1,}', '[1,]', 'NaN', '01', '1.', '.5', '+1', 'undefined', '{"a":1}x', '"\u0001"', '{"a" 1}', '\u00a0{}']) {
      const r = parseJsonExact(text);
      expect(r.ok, JSON.stringify(text)).toBe(false);
      if (!r.ok) expect(typeof r.message).toBe('string');
    }
  });

  it('answers deep nesting with an error instead of a stack overflow', () => {
    for (const depth of [50_000, 500_000]) {
      const arrays = parseJsonExact('['.repeat(depth) + ']'.repeat(depth));
      expect(arrays).toEqual({ ok: false, message: 'nesting too deep' });
      const objects = parseJsonExact('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
      expect(objects).toEqual({ ok: false, message: 'nesting too deep' });
    }
    // moderate nesting is fine
    expect(parseJsonExact('['.repeat(200) + ']'.repeat(200)).ok).toBe(true);
  });

  it('keeps "__proto__" as a plain key, like JSON.parse', () => {
    const v = parsedOk('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('stringifyJson', () => {
  it('writes JsonNumber and bigint values as bare literals', () => {
    expect(stringifyJson({ totalFee: jsonNumber('0.88000000') })).toBe('{"totalFee":0.88000000}');
    expect(stringifyJson({ bizId: 29383937493038367292n })).toBe('{"bizId":29383937493038367292}');
    expect(stringifyJson({ bizId: jsonNumber(29383937493038367292n), n: jsonNumber(1.5) })).toBe('{"bizId":29383937493038367292,"n":1.5}');
    expect(stringifyJson([jsonNumber('1e-8'), -1n, 0])).toBe('[1e-8,-1,0]');
  });

  it('re-writes a parsed Binance body byte for byte', () => {
    expect(stringifyJson(parsedOk(G_BODY))).toBe(G_BODY);
  });

  it('keeps key order and plain values as JSON.stringify does', () => {
    const value = { status: 'SUCCESS', code: '000000', data: { a: [1, 'x', null, true] }, errorMessage: '' };
    expect(stringifyJson(value)).toBe(JSON.stringify(value));
  });

  it('throws on a value JSON cannot represent at the top level', () => {
    expect(() => stringifyJson(undefined)).toThrow(TypeError);
  });
});

describe('toPlainJson', () => {
  it('turns JsonNumbers into their literal text, deeply', () => {
    expect(toPlainJson(parsedOk('{"a":[1.50,{"b":29383937493038367292}],"c":"x"}'))).toEqual({ a: ['1.50', { b: '29383937493038367292' }], c: 'x' });
  });
});

describe('properties', () => {
  const jsonTexts = fc.oneof(fc.json(), fc.json({ stringUnit: 'binary' }), fc.json({ maxDepth: 6 }).map((t) => JSON.stringify(JSON.parse(t), null, 2)));

  it('parses every JSON text, and re-stringified text means the same JSON', () => {
    fc.assert(
      fc.property(jsonTexts, (text) => {
        const r = parseJsonExact(text);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const again = stringifyJson(r.value);
        expect(JSON.parse(again)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json().map((t) => t.slice(0, Math.max(0, t.length - 1)))), (text) => {
        const r = parseJsonExact(text);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it('number literals round-trip exactly through parse and stringify', () => {
    const numberLiteral = fc.stringMatching(/^-?(0|[1-9]\d{0,40})(\.\d{1,20})?([eE][+-]?\d{1,3})?$/);
    fc.assert(
      fc.property(numberLiteral, (lit) => {
        const text = `{"n":${lit},"list":[${lit}]}`;
        expect(stringifyJson(parsedOk(text))).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});
