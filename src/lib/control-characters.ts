/**
 * The one rule for characters no input string may hold, on every surface (docs/errors.md
 * "Control characters"): C0 controls other than TAB, LF and CR, DEL, C1 controls, and lone UTF-16
 * surrogates. PostgreSQL refuses U+0000 in text, SQLite would store it and cut it off in C string
 * functions, and none of them means anything in an id, a name or an amount; refusing them where the
 * request enters keeps both databases alike and every future endpoint covered.
 */

export interface ControlCharacterHit {
  /** where it is: `a.b[2].c`, prefixed by the caller's prefix; a key's own path when the key holds it */
  path: string;
  /** the offending code unit, e.g. 0 for NUL */
  codePoint: number;
  /** its index in the string */
  index: number;
}

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Index of the first forbidden character, or -1. */
export function controlCharacterIndex(text: string): number {
  const m = FORBIDDEN.exec(text);
  return m ? m.index : -1;
}

/** `U+0000` style name of a code unit. */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

function join(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * The first string (or object key) anywhere in `value` holding a forbidden character. Walks
 * iteratively: a parsed body may nest as deep as the parser allowed, deeper than recursion would.
 * Numbers, booleans and byte buffers are skipped; any other object is walked by its own keys.
 */
export function findControlCharacter(value: unknown, prefix = ''): ControlCharacterHit | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: prefix }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop() as { value: unknown; path: string };
    if (typeof v === 'string') {
      const index = controlCharacterIndex(v);
      if (index >= 0) return { path: path || 'body', codePoint: v.charCodeAt(index), index };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: join(path, i) });
    } else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      // plain objects, and the prototype-less ones query-string parsers make
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        const keyPath = join(path, key);
        const index = controlCharacterIndex(key);
        if (index >= 0) return { path: keyPath, codePoint: key.charCodeAt(index), index };
        stack.push({ value: child, path: keyPath });
      }
    }
  }
  return undefined;
}

/** A path safe to show: a key that holds a forbidden character shows it as `\u0000`. */
function printable(path: string): string {
  return path.replace(new RegExp(FORBIDDEN.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The message every surface answers with, naming the field. */
export function controlCharacterMessage(hit: ControlCharacterHit): string {
  return `${printable(hit.path)} contains an illegal character (${codePointName(hit.codePoint)} at position ${hit.index}): control characters and unpaired surrogates are not allowed`;
}
