/**
 * Structural shapes of JSON values and the one comparison the conformance kit and the validation
 * proxy share: which fields exist, their JSON types, enums and formats — never ids or times.
 *
 * Values come from `parseJsonExact` (lib/json.ts): numbers are kept as their literal text, so a
 * number sent as a string, `1.5` against `"1.50000000"`, or an id above 2^53 are all visible.
 */
import { isJsonNumber } from '../lib/json.ts';

/** Formats are named so a report can say what was expected; each is one pattern over the literal text. */
export const FORMATS = {
  digits: /^\d+$/,
  /** a decimal literal: `1`, `1.5`, `0.00000001` (Java's BigDecimal also writes `0E-8`) */
  decimal: /^-?\d+(\.\d+)?$|^-?\d(\.\d+)?E-?\d+$/,
  /** a request amount: positive decimal, at most 8 decimals (fact sheet §7.2) */
  amount: /^\d+(\.\d{1,8})?$/,
  /** exactly 8 decimals, as Binance's query-order samples write amounts (`"1.50000000"`) */
  decimal8: /^-?\d+\.\d{8}$|^0E-8$/,
  integer: /^-?\d+$/,
  /** epoch milliseconds (13 digits until the year 2286) */
  epochMs: /^\d{13}$/,
  /** epoch seconds */
  epochSeconds: /^\d{10}$/,
  /** the envelope `code`: six digits, or the gateway's nine */
  code: /^\d{6}(\d{3})?$/,
  url: /^https?:\/\/\S+$/,
  /** the deep link: Binance's `bnc://`, or a server's own scheme */
  link: /^[a-z][a-z0-9+.-]*:\/\/\S+$/,
  currency: /^[A-Z0-9]{2,10}$/,
  pem: /^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*$/,
  hex: /^[0-9A-Fa-f]+$/,
  lettersDigits: /^[A-Za-z0-9]+$/,
} as const;

export type FormatName = keyof typeof FORMATS;

export type Shape =
  | { kind: 'string'; enum?: readonly string[]; format?: FormatName; maxLength?: number; literal?: string }
  | { kind: 'number'; format?: FormatName; literal?: string }
  | { kind: 'boolean'; literal?: boolean }
  | { kind: 'null' }
  | { kind: 'object'; fields: Readonly<Record<string, Field>>; open?: boolean }
  | { kind: 'array'; items: Shape; maxItems?: number }
  | { kind: 'anyOf'; options: readonly Shape[] }
  | { kind: 'any' };

export interface Field {
  shape: Shape;
  required: boolean;
}

export type DiffKind = 'missing' | 'unexpected' | 'type' | 'enum' | 'format' | 'value' | 'length' | 'status' | 'code' | 'transport';

export interface Difference {
  /** where, from the envelope down: `data.totalFee`, `data.balance[0].asset`, `http`, `code` */
  path: string;
  kind: DiffKind;
  expected: string;
  actual: string;
  /** `warning`: a rule the fact sheet marks inferred or a tolerated habit (unknown request fields) */
  severity: 'error' | 'warning';
}

// ── builders: shapes read like the fact sheet's tables ─────────────────────────────────────────

export const string = (opts: { enum?: readonly string[]; format?: FormatName; maxLength?: number } = {}): Shape => ({ kind: 'string', ...opts });
export const oneOf = (values: readonly string[]): Shape => ({ kind: 'string', enum: values });
export const literal = (value: string): Shape => ({ kind: 'string', literal: value });
export const number = (format?: FormatName): Shape => (format ? { kind: 'number', format } : { kind: 'number' });
export const boolean = (value?: boolean): Shape => (value === undefined ? { kind: 'boolean' } : { kind: 'boolean', literal: value });
export const nil: Shape = { kind: 'null' };
export const any: Shape = { kind: 'any' };
export const array = (items: Shape, maxItems?: number): Shape => (maxItems === undefined ? { kind: 'array', items } : { kind: 'array', items, maxItems });
export const anyOf = (...options: Shape[]): Shape => ({ kind: 'anyOf', options });
export const req = (shape: Shape): Field => ({ shape, required: true });
export const opt = (shape: Shape): Field => ({ shape, required: false });
/** A closed object: a field the shape does not name is reported (a renamed field shows as missing + unexpected). */
export const object = (fields: Record<string, Field>): Shape => ({ kind: 'object', fields });
/** An object whose other members are not reported (free-form echoes, whitelisted KYC blocks). */
export const openObject = (fields: Record<string, Field> = {}): Shape => ({ kind: 'object', fields, open: true });

// ── describing values ──────────────────────────────────────────────────────────────────────────

export function jsonTypeOf(value: unknown): 'null' | 'string' | 'number' | 'boolean' | 'array' | 'object' | 'undefined' {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (isJsonNumber(value) || typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

function clip(text: string, max = 48): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A short description of a value for a report: its type, and the literal for scalars. */
export function describeValue(value: unknown): string {
  const type = jsonTypeOf(value);
  if (type === 'string') return `string ${JSON.stringify(clip(value as string))}`;
  if (type === 'number') return `number ${clip(String(value))}`;
  if (type === 'boolean') return `boolean ${String(value)}`;
  if (type === 'array') return `array (${(value as unknown[]).length})`;
  if (type === 'object') return 'object';
  return type === 'undefined' ? 'absent' : 'null';
}

export function describeShape(shape: Shape): string {
  switch (shape.kind) {
    case 'string':
      if (shape.literal !== undefined) return `string ${JSON.stringify(shape.literal)}`;
      if (shape.enum) return `one of ${shape.enum.join(' | ')}`;
      return shape.format ? `string (${shape.format})` : 'string';
    case 'number':
      if (shape.literal !== undefined) return `number ${shape.literal}`;
      return shape.format ? `number (${shape.format})` : 'number';
    case 'boolean':
      return shape.literal === undefined ? 'boolean' : `boolean ${String(shape.literal)}`;
    case 'null':
      return 'null';
    case 'object':
      return 'object';
    case 'array':
      return `array of ${describeShape(shape.items)}`;
    case 'anyOf':
      return shape.options.map(describeShape).join(' or ');
    case 'any':
      return 'any JSON value';
  }
}

// ── the comparison ─────────────────────────────────────────────────────────────────────────────

export interface CheckOptions {
  /**
   * Requests: `null` and `""` mean absent (clients send both for unset optionals; fact sheet §3.1,
   * docs/api-coverage.md), and a member the shape does not name is a warning (Binance ignores it,
   * but it is often a misspelt optional field).
   */
  mode: 'response' | 'request';
}

function absentInRequest(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** Every way `value` departs from `shape`, the first one per path. */
export function checkShape(value: unknown, shape: Shape, path: string, options: CheckOptions = { mode: 'response' }): Difference[] {
  const out: Difference[] = [];
  check(value, shape, path, options, out);
  return out;
}

/** Does `value` fit `shape` at all (used to choose among anyOf options)? */
export function fits(value: unknown, shape: Shape, options: CheckOptions = { mode: 'response' }): boolean {
  return checkShape(value, shape, '', options).every((d) => d.severity === 'warning');
}

function typeDiff(path: string, shape: Shape, value: unknown): Difference {
  return { path, kind: 'type', expected: describeShape(shape), actual: describeValue(value), severity: 'error' };
}

function check(value: unknown, shape: Shape, path: string, options: CheckOptions, out: Difference[]): void {
  const type = jsonTypeOf(value);
  switch (shape.kind) {
    case 'any':
      return;
    case 'null':
      if (type !== 'null') out.push(typeDiff(path, shape, value));
      return;
    case 'anyOf': {
      if (shape.options.some((o) => fits(value, o, options))) return;
      // the closest option explains the difference best: the one of the same JSON type, else the first
      const sameType = shape.options.find((o) => o.kind === type || (o.kind === 'anyOf' && fits(value, o, options)));
      if (sameType) check(value, sameType, path, options, out);
      else out.push(typeDiff(path, shape, value));
      return;
    }
    case 'string': {
      if (type !== 'string') return void out.push(typeDiff(path, shape, value));
      const text = value as string;
      if (shape.literal !== undefined && text !== shape.literal) out.push({ path, kind: 'value', expected: describeShape(shape), actual: describeValue(text), severity: 'error' });
      else if (shape.enum && !shape.enum.includes(text)) out.push({ path, kind: 'enum', expected: describeShape(shape), actual: describeValue(text), severity: 'error' });
      else if (shape.format && !FORMATS[shape.format].test(text)) out.push({ path, kind: 'format', expected: describeShape(shape), actual: describeValue(text), severity: 'error' });
      else if (shape.maxLength !== undefined && [...text].length > shape.maxLength) out.push({ path, kind: 'length', expected: `at most ${shape.maxLength} characters`, actual: `${[...text].length} characters`, severity: 'error' });
      return;
    }
    case 'number': {
      if (type !== 'number') return void out.push(typeDiff(path, shape, value));
      const text = String(value);
      if (shape.literal !== undefined && text !== shape.literal) out.push({ path, kind: 'value', expected: describeShape(shape), actual: describeValue(value), severity: 'error' });
      else if (shape.format && !FORMATS[shape.format].test(text)) out.push({ path, kind: 'format', expected: describeShape(shape), actual: describeValue(value), severity: 'error' });
      return;
    }
    case 'boolean':
      if (type !== 'boolean') return void out.push(typeDiff(path, shape, value));
      if (shape.literal !== undefined && value !== shape.literal) out.push({ path, kind: 'value', expected: describeShape(shape), actual: describeValue(value), severity: 'error' });
      return;
    case 'array': {
      if (type !== 'array') return void out.push(typeDiff(path, shape, value));
      const items = value as unknown[];
      if (shape.maxItems !== undefined && items.length > shape.maxItems) out.push({ path, kind: 'length', expected: `at most ${shape.maxItems} items`, actual: `${items.length} items`, severity: 'error' });
      items.forEach((item, i) => check(item, shape.items, `${path}[${i}]`, options, out));
      return;
    }
    case 'object': {
      if (type !== 'object') return void out.push(typeDiff(path, shape, value));
      const record = value as Record<string, unknown>;
      const request = options.mode === 'request';
      for (const [name, field] of Object.entries(shape.fields)) {
        const member = record[name];
        const at = path ? `${path}.${name}` : name;
        const absent = request ? absentInRequest(member) : member === undefined;
        if (absent) {
          if (field.required) out.push({ path: at, kind: 'missing', expected: describeShape(field.shape), actual: request && member !== undefined ? describeValue(member) : 'absent', severity: 'error' });
          continue;
        }
        check(member, field.shape, at, options, out);
      }
      if (!shape.open) {
        for (const name of Object.keys(record)) {
          if (name in shape.fields) continue;
          if (request && absentInRequest(record[name])) continue;
          out.push({ path: path ? `${path}.${name}` : name, kind: 'unexpected', expected: 'no such field', actual: describeValue(record[name]), severity: request ? 'warning' : 'error' });
        }
      }
      return;
    }
  }
}
