/**
 * Field builders for Binance request bodies, on zod. Bodies are parsed with exact numbers
 * (JsonNumber), `null` and `""` mean absent in optional fields (fact sheet §3.1; Binance's own
 * samples send `"returnUrl":""`), and every rule carries the Binance code it fails with (see
 * validation.ts for the mapping).
 */
import { z } from 'zod';
import { formatAmountTrimmed, MAX_AMOUNT, parseAmount, type Amount } from '../../../lib/amount.ts';
import { isJsonNumber } from '../../../lib/json.ts';

export const C = {
  MISSING: '400100',
  LENGTH: '400101',
  VALUE: '400102',
  CHARS: '400103',
  BODY: '400008',
} as const;

function issue(ctx: z.core.$RefinementCtx<unknown>, binanceCode: string, message: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message, params: { binanceCode } });
  return z.NEVER;
}

const nullToUndefined = (v: unknown) => (v === null ? undefined : v);
/** Optional fields: clients that cannot omit a field (Go structs without omitempty) send `""`. */
const emptyToUndefined = (v: unknown) => (v === null || v === '' ? undefined : v);

/**
 * Scalar builders run on `undefined` when the field is required (`opt` short-circuits it): a
 * missing or null mandatory field is 400100, not a wrong type (fact sheet §6).
 */
function mandatory(ctx: z.core.$RefinementCtx<unknown>): typeof z.NEVER {
  return issue(ctx, C.MISSING, 'is mandatory');
}

/**
 * Optional field where JSON `null` and the empty string count as absent, whatever the field's type:
 * Binance's FAQ signs a body with `"returnUrl":""` and the Go client dmitrorezn/go-binancepay
 * always sends its optional strings empty (docs/api-coverage.md).
 */
export function opt<T extends z.ZodType>(schema: T) {
  return z.preprocess(emptyToUndefined, schema.optional());
}

/** Required field; `null` and absence both fail with 400100. */
export function req<T extends z.ZodType>(schema: T) {
  return z.preprocess(nullToUndefined, schema);
}

export interface StrRule {
  max?: number;
  min?: number;
  /** charset rule; failing it is 400103 */
  chars?: RegExp;
  charsLabel?: string;
  /** accept a JSON number too (ids some clients send unquoted) */
  numeric?: boolean;
}

/** A string field: empty counts as missing for required fields (Binance: "missing, empty or null"). */
export function str(rule: StrRule = {}) {
  return z.unknown().transform((v, ctx) => {
    if (v === undefined) return mandatory(ctx);
    let s: string;
    if (typeof v === 'string') s = v;
    else if (rule.numeric && isJsonNumber(v)) s = v.toString();
    else return issue(ctx, C.BODY, `must be a string`);
    if (s.length === 0) return issue(ctx, C.MISSING, 'must not be empty');
    if (rule.min !== undefined && s.length < rule.min) return issue(ctx, C.LENGTH, `must be at least ${rule.min} characters`);
    if (rule.max !== undefined && s.length > rule.max) return issue(ctx, C.LENGTH, `must be at most ${rule.max} characters (got ${s.length})`);
    if (rule.chars && !rule.chars.test(s)) return issue(ctx, C.CHARS, `contains illegal characters: ${rule.charsLabel ?? `must match ${rule.chars}`}`);
    return s;
  });
}

/** An enum of strings; anything else is 400102. */
export function oneOf<const T extends readonly string[]>(values: T) {
  return z.unknown().transform((v, ctx) => {
    if (v === undefined) return mandatory(ctx);
    if (typeof v !== 'string') return issue(ctx, C.BODY, 'must be a string');
    if (v.length === 0) return issue(ctx, C.MISSING, 'must not be empty');
    if (!(values as readonly string[]).includes(v)) return issue(ctx, C.VALUE, `must be one of ${values.join(', ')} (got "${v.slice(0, 40)}")`);
    return v as T[number];
  });
}

export interface AmountRule {
  /** smallest allowed value in 10^-8 units (default 1 = 0.00000001, fact sheet §7.2) */
  min?: Amount;
  max?: Amount;
  /** some fields are JSON strings only (Transfer Fund `amount`); numbers are still accepted */
}

/**
 * An amount given as a JSON number or a numeric string, parsed exactly from the raw text:
 * at most 8 decimals, never rounded (fact sheet §7.2).
 */
export function amount(rule: AmountRule = {}) {
  const min = rule.min ?? 1n;
  return z.unknown().transform((v, ctx): Amount => {
    if (v === undefined) return mandatory(ctx);
    let text: string;
    if (isJsonNumber(v)) text = v.toString();
    else if (typeof v === 'string') text = v;
    else return issue(ctx, C.BODY, 'must be a number or a numeric string');
    if (text.length === 0) return issue(ctx, C.MISSING, 'must not be empty');
    // " 10" is not a decimal number to Java's BigDecimal either (docs/api-coverage.md)
    if (text.trim() !== text) return issue(ctx, C.MISSING, `is not a valid decimal number: no spaces allowed (got "${text.slice(0, 40)}")`);
    // the literal's scale, as BigDecimal counts it: "1.100000000" has 9 decimals although its value has 1
    if (literalScale(text) > 8) return issue(ctx, C.VALUE, `must have at most 8 decimal places (got ${text.slice(0, 40)})`);
    const parsed = parseAmount(text);
    if (!parsed.ok) {
      if (parsed.reason === 'TOO_MANY_DECIMALS') return issue(ctx, C.VALUE, `must have at most 8 decimal places (got ${text.slice(0, 40)})`);
      if (parsed.reason === 'TOO_LARGE') return issue(ctx, C.VALUE, `is too large: at most ${formatAmountTrimmed(MAX_AMOUNT)} (got ${text.slice(0, 40)})`);
      return issue(ctx, C.MISSING, `is not a valid decimal number (got "${text.slice(0, 40)}")`);
    }
    if (parsed.value < min) return issue(ctx, C.VALUE, `must be at least ${formatMin(min)} (got ${text.slice(0, 40)})`);
    if (rule.max !== undefined && parsed.value > rule.max) return issue(ctx, C.VALUE, `must be at most ${formatMin(rule.max)} (got ${text.slice(0, 40)})`);
    return parsed.value;
  });
}

/** Decimal places of a number literal: fraction digits minus the exponent ("1.50" → 2, "15e-1" → 1). */
function literalScale(text: string): number {
  const m = /^[+-]?\d*(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/.exec(text);
  if (!m) return 0;
  return (m[1]?.length ?? 0) - Number(m[2] ?? 0);
}

function formatMin(units: bigint): string {
  const s = units.toString().padStart(9, '0');
  return `${s.slice(0, -8)}.${s.slice(-8)}`.replace(/\.?0+$/, '');
}

/** An integer given as a JSON number (or digit string); returned as a JS number within ±2^53. */
export function integer(rule: { min?: number; max?: number } = {}) {
  return z.unknown().transform((v, ctx): number => {
    if (v === undefined) return mandatory(ctx);
    let text: string;
    if (isJsonNumber(v)) text = v.toString();
    else if (typeof v === 'string' && /^-?\d+$/.test(v)) text = v;
    else return issue(ctx, C.BODY, 'must be an integer');
    if (!/^-?\d+$/.test(text)) return issue(ctx, C.VALUE, `must be an integer (got ${text.slice(0, 40)})`);
    const n = Number(text);
    if (!Number.isSafeInteger(n)) return issue(ctx, C.VALUE, `is out of range (got ${text.slice(0, 40)})`);
    if (rule.min !== undefined && n < rule.min) return issue(ctx, C.VALUE, `must be at least ${rule.min} (got ${n})`);
    if (rule.max !== undefined && n > rule.max) return issue(ctx, C.VALUE, `must be at most ${rule.max} (got ${n})`);
    // "-0" is 0, as Jackson reads it
    return n === 0 ? 0 : n;
  });
}

export function bool() {
  return z.unknown().transform((v, ctx): boolean => {
    if (v === undefined) return mandatory(ctx);
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    return issue(ctx, C.BODY, 'must be a boolean');
  });
}

/** http(s) URL up to `max` characters (webhookUrl, returnUrl…: fact sheet §3.1). */
export function url(max = 256) {
  return z.unknown().transform((v, ctx): string => {
    if (v === undefined) return mandatory(ctx);
    if (typeof v !== 'string') return issue(ctx, C.BODY, 'must be a string');
    if (v.length === 0) return issue(ctx, C.MISSING, 'must not be empty');
    if (v.length > max) return issue(ctx, C.LENGTH, `must be at most ${max} characters (got ${v.length})`);
    if (!/^https?:\/\/[^\s]+$/i.test(v) || !URL.canParse(v)) return issue(ctx, C.VALUE, 'must be an http or https URL');
    return v;
  });
}

/** An object field: wrong JSON type is 400008, like Binance's shape errors (fact sheet §8.4). */
export function obj<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape, { error: () => ({ message: 'must be a JSON object', params: { binanceCode: C.BODY } }) });
}

/**
 * A JSON array. Length rules are refinements carrying their Binance code (zod drops `params` from
 * built-in checks): an empty mandatory list is 400100 like any empty mandatory field, other length
 * limits are 400101.
 */
export function list<T extends z.ZodType>(item: T, rule: { min?: number; max?: number } = {}) {
  return z.array(item, { error: () => ({ message: 'must be a JSON array', params: { binanceCode: C.BODY } }) }).superRefine((items, ctx) => {
    if (rule.min !== undefined && items.length < rule.min) {
      if (items.length === 0) issue(ctx, C.MISSING, 'must not be empty');
      else issue(ctx, C.LENGTH, `must have at least ${rule.min} items (got ${items.length})`);
    } else if (rule.max !== undefined && items.length > rule.max) {
      issue(ctx, C.LENGTH, `must have at most ${rule.max} items (got ${items.length})`);
    }
  });
}

export const LETTERS_DIGITS = /^[A-Za-z0-9]+$/;
export const DIGITS = /^\d+$/;
export const UPPER_ASSET = /^[A-Z0-9]{2,10}$/;
