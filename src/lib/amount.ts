/**
 * Money is one type: a bigint count of 10^-8 units (ARCHITECTURE.md principle 3).
 * Binance allows at most 8 decimal places everywhere (fact sheet §7.2), so 10^-8 is exact.
 * Never convert an Amount to a JS number.
 */
export type Amount = bigint;

export const AMOUNT_DECIMALS = 8;
export const AMOUNT_SCALE = 100_000_000n;
/** Largest value that fits a signed 64-bit column (both SQLite INTEGER and PostgreSQL BIGINT). */
export const INT64_MAX = 9_223_372_036_854_775_807n;
/**
 * The most of one asset any amount, balance or pending total may be: 90,000,000,000 (9 × 10^18
 * units). Below the 64-bit columns' 92,233,720,368.54775807, so a sum of two values the ledger
 * checked never needs more than the ledger checks for; divisible by every power of two up to 2^18,
 * so each of an account's shard rows holds an exact share (docs/ledger.md "Limits").
 */
export const MAX_AMOUNT = 9_000_000_000_000_000_000n;

export type AmountParseFailure = 'SYNTAX' | 'TOO_MANY_DECIMALS' | 'TOO_LARGE';

export type AmountParse = { ok: true; value: Amount } | { ok: false; reason: AmountParseFailure };

// A JSON number literal (RFC 8259 §6) or the same grammar inside a string; a leading '+' is not allowed.
const DECIMAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses the exact decimal text of a JSON number or numeric string into 10^-8 units.
 * Exponent notation (`1e-8`, `2.5E+1`) is exact too. More than 8 significant decimals is rejected,
 * never rounded: a payment server must not guess what a caller meant.
 */
export function parseAmount(text: string): AmountParse {
  const m = DECIMAL.exec(text.trim() === text ? text : '');
  if (!m) return { ok: false, reason: 'SYNTAX' };
  const [, sign, intPart, fracPartRaw = '', expRaw] = m;
  const exp = expRaw === undefined ? 0 : Number(expRaw);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 400) return { ok: false, reason: 'TOO_LARGE' };
  // digits × 10^(exp - fracLen): shift into 10^-8 units without leaving integer arithmetic
  let digits = (intPart ?? '0') + fracPartRaw;
  let shift = exp - fracPartRaw.length + AMOUNT_DECIMALS;
  if (shift < 0) {
    const dropped = digits.slice(digits.length + shift);
    if (-shift > digits.length ? /[1-9]/.test(digits) : /[1-9]/.test(dropped)) {
      return { ok: false, reason: 'TOO_MANY_DECIMALS' };
    }
    digits = -shift >= digits.length ? '0' : digits.slice(0, digits.length + shift);
    shift = 0;
  }
  const significant = digits.replace(/^0+/, '');
  // zero is zero whatever its exponent ("0e12"); only non-zero digits can overflow
  if (significant === '') return { ok: true, value: 0n };
  if (significant.length + shift > 19) return { ok: false, reason: 'TOO_LARGE' };
  let value = BigInt(digits) * 10n ** BigInt(shift);
  if (sign === '-') value = -value;
  if (value > MAX_AMOUNT || value < -MAX_AMOUNT) return { ok: false, reason: 'TOO_LARGE' };
  return { ok: true, value };
}

/** Exact text with all 8 decimals, as Binance writes `orderAmount` ("1.50000000"). */
export function formatAmount(value: Amount, decimals = AMOUNT_DECIMALS): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / AMOUNT_SCALE;
  let frac = (abs % AMOUNT_SCALE).toString().padStart(AMOUNT_DECIMALS, '0');
  if (decimals < AMOUNT_DECIMALS) {
    if (/[1-9]/.test(frac.slice(decimals))) throw new RangeError(`amount ${value} has more than ${decimals} decimals`);
    frac = frac.slice(0, decimals);
  }
  return `${negative ? '-' : ''}${whole}${decimals > 0 ? '.' + frac : ''}`;
}

/** Shortest exact text ("1.5", "100"), as Binance writes v3 create-order `totalFee`. */
export function formatAmountTrimmed(value: Amount): string {
  return formatAmount(value).replace(/\.?0+$/, '');
}

export function amountFromUnits(units: string | number | bigint): Amount {
  return typeof units === 'bigint' ? units : BigInt(units);
}

/** Whole-number amount helper for code and tests: `units(100)` is 100.00000000. */
export function wholeAmount(n: number | bigint): Amount {
  return BigInt(n) * AMOUNT_SCALE;
}

export function minAmount(a: Amount, b: Amount): Amount {
  return a < b ? a : b;
}

/**
 * Multiplies by a rate given as an exact decimal string and rounds half-up to 10^-8
 * (used for conversions and commission). The rounding rule is ours; Binance does not publish one.
 */
export function multiplyByRate(value: Amount, rate: string, rounding: 'HALF_UP' | 'DOWN' | 'UP' = 'HALF_UP'): Amount {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!m) throw new RangeError(`invalid rate ${rate}`);
  const frac = m[2] ?? '';
  const scale = 10n ** BigInt(frac.length);
  const numerator = value * BigInt((m[1] ?? '0') + frac);
  return divideRounded(numerator, scale, rounding);
}

export function divideRounded(numerator: bigint, denominator: bigint, rounding: 'HALF_UP' | 'DOWN' | 'UP' = 'HALF_UP'): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  let q = n / denominator;
  const r = n % denominator;
  if (r !== 0n) {
    if (rounding === 'UP' || (rounding === 'HALF_UP' && r * 2n >= denominator)) q += 1n;
  }
  return negative ? -q : q;
}

function rational(rate: string): { n: bigint; d: bigint } {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!m) throw new RangeError(`invalid rate ${rate}`);
  const frac = m[2] ?? '';
  return { n: BigInt((m[1] ?? '0') + frac), d: 10n ** BigInt(frac.length) };
}

/**
 * Converts an amount between two assets given each one's price in a common unit (USDT):
 * value × priceFrom / priceTo, rounded to 10^-8. Exact rational arithmetic, no floats.
 */
export function convertAmount(value: Amount, priceFrom: string, priceTo: string, rounding: 'HALF_UP' | 'DOWN' | 'UP' = 'HALF_UP'): Amount {
  const from = rational(priceFrom);
  const to = rational(priceTo);
  if (to.n === 0n) throw new RangeError('cannot convert into an asset priced 0');
  return divideRounded(value * from.n * to.d, from.d * to.n, rounding);
}

/** priceOf(a) / priceOf(b) as 10^-8 units: how much of b one unit of a is worth. */
export function priceRatio(priceOfA: string, priceOfB: string): Amount {
  return convertAmount(AMOUNT_SCALE, priceOfA, priceOfB, 'HALF_UP');
}
