/**
 * Money is one type (ARCHITECTURE.md principle 3): bigint 10^-8 units parsed exactly from JSON
 * number text, at most 8 decimals (fact sheet §7.2), formatted the way Binance's samples show.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divideRounded, formatAmount, formatAmountTrimmed, INT64_MAX, MAX_AMOUNT, multiplyByRate, parseAmount, type AmountParse } from '../../src/lib/amount.ts';

const ok = (value: bigint): AmountParse => ({ ok: true, value });
const no = (reason: 'SYNTAX' | 'TOO_MANY_DECIMALS' | 'TOO_LARGE'): AmountParse => ({ ok: false, reason });

/** Every amount the database can hold: parseAmount is symmetric, so -2^63 itself is out of range. */
const int64Amount = fc.bigInt({ min: -MAX_AMOUNT, max: MAX_AMOUNT });

describe('parseAmount', () => {
  it('reads plain decimals exactly', () => {
    expect(parseAmount('0')).toEqual(ok(0n));
    expect(parseAmount('1')).toEqual(ok(100_000_000n));
    expect(parseAmount('25.17')).toEqual(ok(2_517_000_000n));
    expect(parseAmount('0.00000001')).toEqual(ok(1n));
    expect(parseAmount('0.88000000')).toEqual(ok(88_000_000n));
    expect(parseAmount('-1.5')).toEqual(ok(-150_000_000n));
    expect(parseAmount('10.5')).toEqual(ok(1_050_000_000n));
  });

  it('reads exponent notation exactly', () => {
    expect(parseAmount('1e-8')).toEqual(ok(1n));
    expect(parseAmount('1E-8')).toEqual(ok(1n));
    expect(parseAmount('2.5E+1')).toEqual(ok(2_500_000_000n));
    expect(parseAmount('2.5e1')).toEqual(ok(2_500_000_000n));
    expect(parseAmount('100e-10')).toEqual(ok(1n));
    expect(parseAmount('0.5e-7')).toEqual(ok(5n));
    expect(parseAmount('1e8')).toEqual(ok(10_000_000_000_000_000n));
    expect(parseAmount('-3e-0')).toEqual(ok(-300_000_000n));
  });

  it('rejects more than 8 significant decimals instead of rounding', () => {
    expect(parseAmount('0.000000001')).toEqual(no('TOO_MANY_DECIMALS'));
    expect(parseAmount('1.123456789')).toEqual(no('TOO_MANY_DECIMALS'));
    expect(parseAmount('1.5e-8')).toEqual(no('TOO_MANY_DECIMALS'));
    expect(parseAmount('1e-9')).toEqual(no('TOO_MANY_DECIMALS'));
    expect(parseAmount('12e-10')).toEqual(no('TOO_MANY_DECIMALS'));
    expect(parseAmount('1e-400')).toEqual(no('TOO_MANY_DECIMALS'));
    // trailing zeros beyond the 8th place carry no value and are accepted
    expect(parseAmount('1.123456780')).toEqual(ok(112_345_678n));
    expect(parseAmount('0.0000000000000')).toEqual(ok(0n));
  });

  it("treats '-0' as zero", () => {
    const r = parseAmount('-0');
    expect(r).toEqual(ok(0n));
    expect(parseAmount('-0.00')).toEqual(ok(0n));
  });

  it('rejects what a JSON number literal may not be', () => {
    for (const text of ['+1', ' 1', '1 ', '\t1', '1\n', '01', '00', '-01', '.5', '1.', '1e', '1e+', '--1', '0x10', '1_000', '1,5', 'NaN', 'Infinity', '-Infinity', '', '-', 'e5', '１', '1.5.5', '1e5e5', '+0']) {
      expect(parseAmount(text), JSON.stringify(text)).toEqual(no('SYNTAX'));
    }
  });

  it('stops at MAX_AMOUNT (90000000000), below the int64 bounds of a BIGINT column', () => {
    expect(MAX_AMOUNT < INT64_MAX).toBe(true);
    expect(parseAmount('90000000000')).toEqual(ok(MAX_AMOUNT));
    expect(parseAmount('-90000000000.00000000')).toEqual(ok(-MAX_AMOUNT));
    expect(parseAmount('9e10')).toEqual(ok(MAX_AMOUNT));
    expect(parseAmount('90000000000.00000001')).toEqual(no('TOO_LARGE'));
    expect(parseAmount('-90000000000.00000001')).toEqual(no('TOO_LARGE'));
    expect(parseAmount('92233720368.54775807')).toEqual(no('TOO_LARGE'));
    expect(parseAmount('92233720368.54775808')).toEqual(no('TOO_LARGE'));
    expect(parseAmount('92233720369')).toEqual(no('TOO_LARGE'));
    expect(parseAmount('1e11')).toEqual(no('TOO_LARGE'));
    expect(parseAmount('8.9999999999999999999e10')).toEqual(no('TOO_MANY_DECIMALS'));
    expect(parseAmount('8.999999999999999999e10')).toEqual(ok(MAX_AMOUNT - 1n));
    expect(parseAmount('1e401')).toEqual(no('TOO_LARGE'));
    expect(parseAmount('1e99999999999999999999')).toEqual(no('TOO_LARGE'));
    expect(parseAmount('9'.repeat(5000))).toEqual(no('TOO_LARGE'));
  });

  it('reads zero with any exponent as zero', () => {
    expect(parseAmount('0e12')).toEqual(ok(0n));
    expect(parseAmount('0.000e400')).toEqual(ok(0n));
    expect(parseAmount('-0E-400')).toEqual(ok(0n));
  });
});

describe('formatAmount / formatAmountTrimmed', () => {
  it('writes all 8 decimals, as Binance writes orderAmount', () => {
    expect(formatAmount(0n)).toBe('0.00000000');
    expect(formatAmount(1n)).toBe('0.00000001');
    expect(formatAmount(150_000_000n)).toBe('1.50000000');
    expect(formatAmount(-1n)).toBe('-0.00000001');
    expect(formatAmount(-250_000_000n)).toBe('-2.50000000');
    expect(formatAmount(INT64_MAX)).toBe('92233720368.54775807');
    expect(formatAmount(-INT64_MAX - 1n)).toBe('-92233720368.54775808');
  });

  it('writes fewer decimals only when nothing is lost', () => {
    expect(formatAmount(150_000_000n, 2)).toBe('1.50');
    expect(formatAmount(100_000_000n, 0)).toBe('1');
    expect(() => formatAmount(150_000_001n, 2)).toThrow(RangeError);
    expect(() => formatAmount(1n, 0)).toThrow(RangeError);
  });

  it('trims to the shortest exact text', () => {
    expect(formatAmountTrimmed(0n)).toBe('0');
    expect(formatAmountTrimmed(150_000_000n)).toBe('1.5');
    expect(formatAmountTrimmed(10_000_000_000n)).toBe('100');
    expect(formatAmountTrimmed(1_000_000_000n)).toBe('10');
    expect(formatAmountTrimmed(1n)).toBe('0.00000001');
    expect(formatAmountTrimmed(-50_000_000n)).toBe('-0.5');
    expect(formatAmountTrimmed(1_010_000_000n)).toBe('10.1');
  });
});

describe('multiplyByRate / divideRounded', () => {
  it('rounds half up (away from zero), down or up', () => {
    expect(divideRounded(7n, 2n)).toBe(4n);
    expect(divideRounded(7n, 2n, 'DOWN')).toBe(3n);
    expect(divideRounded(7n, 2n, 'UP')).toBe(4n);
    expect(divideRounded(4n, 3n)).toBe(1n);
    expect(divideRounded(5n, 3n)).toBe(2n);
    expect(divideRounded(4n, 3n, 'UP')).toBe(2n);
    expect(divideRounded(6n, 3n, 'UP')).toBe(2n);
    expect(divideRounded(-7n, 2n)).toBe(-4n);
    expect(divideRounded(-7n, 2n, 'DOWN')).toBe(-3n);
    expect(divideRounded(0n, 5n, 'UP')).toBe(0n);
  });

  it('refuses a zero or negative denominator', () => {
    expect(() => divideRounded(1n, 0n)).toThrow(RangeError);
    expect(() => divideRounded(1n, -2n)).toThrow(RangeError);
  });

  it('multiplies by an exact decimal rate', () => {
    expect(multiplyByRate(100_000_000n, '0.01')).toBe(1_000_000n);
    expect(multiplyByRate(100n, '0.015')).toBe(2n);
    expect(multiplyByRate(100n, '0.015', 'DOWN')).toBe(1n);
    expect(multiplyByRate(101n, '0.01', 'UP')).toBe(2n);
    expect(multiplyByRate(101n, '0.01', 'HALF_UP')).toBe(1n);
    expect(multiplyByRate(-100n, '0.015')).toBe(-2n);
    expect(multiplyByRate(123_456_789n, '1')).toBe(123_456_789n);
    expect(multiplyByRate(123_456_789n, '0')).toBe(0n);
    expect(multiplyByRate(5n, '65000')).toBe(325_000n);
    // far more rate decimals than the amount has: still exact before the one rounding
    expect(multiplyByRate(100_000_000n, '0.333333333333333333')).toBe(33_333_333n);
  });

  it('rejects rates that are not plain non-negative decimals', () => {
    for (const rate of ['-1', '1e2', '.5', '1.', '', ' 1', 'abc']) expect(() => multiplyByRate(1n, rate), rate).toThrow(RangeError);
  });
});

/** Independent oracle: the exact rational value of a decimal literal, scaled by 10^8. */
function oracle(text: string): AmountParse {
  const m = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return no('SYNTAX');
  const mantissa = BigInt((m[2] ?? '') + (m[3] ?? ''));
  const scale = Number(m[4] ?? '0') - (m[3] ?? '').length + 8;
  let value: bigint;
  if (scale >= 0) value = mantissa * 10n ** BigInt(scale);
  else {
    const d = 10n ** BigInt(-scale);
    if (mantissa % d !== 0n) return no('TOO_MANY_DECIMALS');
    value = mantissa / d;
  }
  if (value > MAX_AMOUNT) return no('TOO_LARGE');
  return ok(m[1] === '-' ? -value : value);
}

const decimalText = fc
  .record({
    sign: fc.constantFrom('', '-'),
    int: fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9]\d{0,20}$/)),
    frac: fc.option(fc.stringMatching(/^\d{1,14}$/), { nil: undefined }),
    exp: fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 30 })), { nil: undefined }),
  })
  .map(({ sign, int, frac, exp }) => `${sign}${int}${frac === undefined ? '' : '.' + frac}${exp === undefined ? '' : exp[0] + exp[1] + String(exp[2])}`);

describe('properties', () => {
  it('parse(format(x)) === x for every int64 amount, trimmed or not', () => {
    fc.assert(
      fc.property(int64Amount, (x) => {
        expect(parseAmount(formatAmount(x))).toEqual(ok(x));
        expect(parseAmount(formatAmountTrimmed(x))).toEqual(ok(x));
      }),
      { numRuns: 2000 },
    );
  });

  it('format∘parse is the identity on formatted text', () => {
    fc.assert(
      fc.property(int64Amount, (x) => {
        const text = formatAmount(x);
        const parsed = parseAmount(text);
        expect(parsed.ok && formatAmount(parsed.value)).toBe(text);
        const trimmed = formatAmountTrimmed(x);
        const parsedTrimmed = parseAmount(trimmed);
        expect(parsedTrimmed.ok && formatAmountTrimmed(parsedTrimmed.value)).toBe(trimmed);
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with an exact rational oracle on generated decimal literals', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        expect(parseAmount(text), text).toEqual(oracle(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws, whatever the string', () => {
    const anyText = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom('0', '1', '9', '.', 'e', 'E', '+', '-', ' ') }),
      decimalText.map((t) => t + 'x'),
      fc.stringMatching(/^-?\d{1,3}(\.\d{0,3})?[eE][+-]?\d{1,25}$/),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        const r = parseAmount(text);
        expect(typeof r.ok).toBe('boolean');
        if (r.ok) expect(r.value <= MAX_AMOUNT && r.value >= -MAX_AMOUNT).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
