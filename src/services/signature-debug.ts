/**
 * The signature debugger: when a request fails with 400002 it explains what the server signed and
 * which known client mistake the caller's signature matches (fact sheet §8.2).
 *
 * Safety: it never returns the expected signature or any value derived from the secret. It only
 * says whether the caller's OWN signature equals the HMAC of a known variant of the payload, which
 * the caller could learn anyway by sending that variant correctly signed.
 */
import { hmacSha512, sha256Hex, signaturePayload, signaturePayloadBytes } from '../lib/signature.ts';

/** The mistakes the debugger recognises, in the order it tests them (docs/errors.md lists them). */
export const SIGNATURE_MISTAKES = [
  'LOWER_CASE_HEX',
  'BASE64_INSTEAD_OF_HEX',
  'HEX_ENCODED_TWICE',
  'MISSING_TRAILING_NEWLINE',
  'CRLF_SEPARATORS',
  'BODY_RESERIALISED',
  'NOT_HEX',
  'WRONG_LENGTH',
  'NO_KNOWN_MISTAKE',
] as const;

export type SignatureMistake = (typeof SIGNATURE_MISTAKES)[number];

export interface SignatureDebug {
  /** The exact string the server signed: timestamp LF nonce LF body LF. */
  payload: string;
  payloadLength: number;
  payloadSha256: string;
  algorithm: string;
  received: { length: number; format: 'UPPER_HEX' | 'LOWER_HEX' | 'MIXED_HEX' | 'BASE64' | 'OTHER' };
  mistake: SignatureMistake;
  explanation: string;
}

function formatOf(sig: string): SignatureDebug['received']['format'] {
  if (/^[0-9A-F]+$/.test(sig)) return 'UPPER_HEX';
  if (/^[0-9a-f]+$/.test(sig)) return 'LOWER_HEX';
  if (/^[0-9a-fA-F]+$/.test(sig)) return 'MIXED_HEX';
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(sig) && sig.length % 4 === 0) return 'BASE64';
  return 'OTHER';
}

/** True when `received` is `mac` in any common text encoding. */
function encodes(received: string, mac: Buffer): boolean {
  const hex = mac.toString('hex');
  return received.toLowerCase() === hex || received === mac.toString('base64') || received === mac.toString('base64url');
}

function reserialisations(body: string): Array<{ name: string; text: string }> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return [];
  }
  const compact = JSON.stringify(value);
  const variants = [
    { name: 'compact JSON (JSON.stringify)', text: compact },
    { name: "Python json.dumps style (', ' and ': ')", text: pythonDumps(value) },
    { name: 'pretty-printed JSON (2 spaces)', text: JSON.stringify(value, null, 2) },
    { name: 'pretty-printed JSON (4 spaces)', text: JSON.stringify(value, null, 4) },
    { name: 'JSON with escaped slashes (PHP json_encode)', text: compact.replace(/\//g, '\\/') },
    { name: 'JSON with unescaped slashes', text: body.replace(/\\\//g, '/') },
  ];
  return variants.filter((v) => v.text !== body);
}

function pythonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonDumps(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeBody(body: string | Buffer): { text: string; bytes: Buffer; isUtf8: boolean } {
  if (typeof body === 'string') return { text: body, bytes: Buffer.from(body, 'utf8'), isUtf8: true };
  try {
    return { text: utf8.decode(body), bytes: body, isUtf8: true };
  } catch {
    return { text: body.toString('utf8'), bytes: body, isUtf8: false };
  }
}

/**
 * `body` is the exact bytes received (or their text). Length, SHA-256 and every HMAC are computed
 * over those bytes, so they describe what the server really signed even when the body is not UTF-8.
 */
export function explainSignatureMismatch(input: { secret: string; timestamp: string; nonce: string; body: string | Buffer; received: string }): SignatureDebug {
  const { secret, timestamp, nonce, received } = input;
  const { text: body, bytes, isUtf8 } = decodeBody(input.body);
  const payload = signaturePayload(timestamp, nonce, body);
  const payloadBytes = signaturePayloadBytes(timestamp, nonce, bytes);
  const base = {
    payload,
    payloadLength: payloadBytes.length,
    payloadSha256: sha256Hex(payloadBytes),
    algorithm: 'upper-case hex of HMAC-SHA512(key = API secret, message = payload): 128 characters [0-9A-F]',
    received: { length: received.length, format: formatOf(received) },
  };
  const notUtf8 = isUtf8 ? '' : ' Note: the body is not valid UTF-8; `payload` shows it with U+FFFD replacement characters, while payloadLength and payloadSha256 are over the exact bytes received.';
  const verdict = (mistake: SignatureMistake, explanation: string): SignatureDebug => ({ ...base, mistake, explanation: explanation + notUtf8 });
  const framed = (before: string, after: string): Buffer => Buffer.concat([Buffer.from(before, 'utf8'), bytes, Buffer.from(after, 'utf8')]);

  const mac = hmacSha512(secret, payloadBytes);
  if (received.toLowerCase() === mac.toString('hex') && received !== received.toUpperCase()) {
    return verdict('LOWER_CASE_HEX', 'Your signature is right but not upper-case: Binance wants upper-case hex.');
  }
  if (received === mac.toString('base64') || received === mac.toString('base64url')) {
    return verdict('BASE64_INSTEAD_OF_HEX', 'Your signature is the right HMAC in base64: Binance wants upper-case hex.');
  }
  if (/^[0-9a-fA-F]{256}$/.test(received) && Buffer.from(received, 'hex').toString('latin1').toLowerCase() === mac.toString('hex')) {
    return verdict('HEX_ENCODED_TWICE', 'Your signature is the hex of the hex string: encode the HMAC bytes to hex once.');
  }
  if (encodes(received, hmacSha512(secret, framed(`${timestamp}\n${nonce}\n`, '')))) {
    return verdict('MISSING_TRAILING_NEWLINE', 'You signed the payload without the trailing newline: it must end with "\\n" after the body.');
  }
  if (encodes(received, hmacSha512(secret, framed(`${timestamp}\r\n${nonce}\r\n`, '\r\n')))) {
    return verdict('CRLF_SEPARATORS', 'You separated the parts with CRLF: use a single LF ("\\n").');
  }
  for (const variant of isUtf8 ? reserialisations(body) : []) {
    if (encodes(received, hmacSha512(secret, signaturePayload(timestamp, nonce, variant.text)))) {
      return verdict('BODY_RESERIALISED', `You signed the body as ${variant.name}, but sent different bytes: sign exactly the bytes you send.`);
    }
  }
  if (base.received.format === 'OTHER') {
    return verdict('NOT_HEX', 'The signature is not hex: send the HMAC-SHA512 digest as 128 upper-case hex characters.');
  }
  if (received.length !== 128) {
    const guess = received.length === 64 ? ' (64 hex characters is SHA-256: use SHA-512)' : '';
    return verdict('WRONG_LENGTH', `The signature has ${received.length} characters, HMAC-SHA512 in hex has 128${guess}.`);
  }
  return verdict(
    'NO_KNOWN_MISTAKE',
    'No known mistake matches. Check that you sign with the API secret shown once at key creation (not a hashed form), that timestamp and nonce are the exact header values, and that the body bytes are the ones in `payload`.',
  );
}
