/**
 * Tiny JSON text scanner. Exists because JSON.parse turns every number literal into a double, and
 * Binance ids are 64-bit (or larger) integers: the webhook sample `bizId` 29383937493038367292
 * exceeds 2^64 (fact sheet §5.3, §8.3 "JS precision loss on bizId"). Node 20 has no JSON.parse
 * source-text access, so we read literals from the raw text ourselves.
 *
 * Every function here expects text that JSON.parse already accepted.
 */

const WS = new Set([' ', '\t', '\n', '\r']);

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text[i] as string)) i++;
  return i;
}

/** `i` points at an opening quote; returns the index just past the closing quote. */
function skipString(text: string, i: number): number {
  i++;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') i += 2;
    else if (ch === '"') return i + 1;
    else i++;
  }
  return i;
}

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** `i` points at the first character of a value; returns the index just past it. */
function skipValue(text: string, i: number): number {
  const ch = text[i];
  if (ch === '"') return skipString(text, i);
  if (ch === '{' || ch === '[') {
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i = skipString(text, i);
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  // number, true, false, null: runs until a delimiter
  while (i < text.length && !WS.has(text[i] as string) && text[i] !== ',' && text[i] !== '}' && text[i] !== ']') i++;
  return i;
}

/**
 * Raw source text of the top-level member `key` of a JSON object text (e.g. `29383937493038367292`
 * or `"abc"`), or undefined when absent / not an object. Like JSON.parse, the last duplicate wins.
 */
export function rawTopLevelMember(text: string, key: string): string | undefined {
  let i = skipWs(text, 0);
  if (text[i] !== '{') return undefined;
  i++;
  let found: string | undefined;
  for (;;) {
    i = skipWs(text, i);
    if (text[i] !== '"') return found; // `}` or end
    const keyEnd = skipString(text, i);
    const name = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd) + 1; // past ':'
    i = skipWs(text, i);
    const valueEnd = skipValue(text, i);
    if (name === key) found = text.slice(i, valueEnd);
    i = skipWs(text, valueEnd);
    if (text[i] !== ',') return found;
    i++;
  }
}

/** Wraps integer literals outside Number's safe range in quotes so they parse as exact strings. */
function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') {
      i = skipString(text, i);
      continue;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)?.[0] ?? ch;
      const end = i + token.length;
      if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(last, i)}"${token}"`;
        last = end;
      }
      i = end;
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * JSON.parse, except that integers beyond ±(2^53−1) come back as their exact digit strings instead
 * of silently rounded doubles (fact sheet §5.3: ids above 2^53 are expected). Throws SyntaxError
 * exactly when JSON.parse would.
 */
export function parseJsonLossless(text: string): unknown {
  const plain: unknown = JSON.parse(text); // validates first: the rewrite must never repair bad JSON
  const rewritten = quoteUnsafeIntegers(text);
  return rewritten === text ? plain : JSON.parse(rewritten);
}
