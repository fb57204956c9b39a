/**
 * The signature debugger (fact sheet §8.2) through real HTTP, on both dialects: each common client
 * mistake is named, the signed payload is shown exactly, and nothing derived from the secret leaks.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const PATH = '/binancepay/openapi/certificates';
const MESSAGE = 'Signature for this request is not valid.';

interface SignatureDebug {
  payload: string;
  payloadLength: number;
  payloadSha256: string;
  algorithm: string;
  received: { length: number; format: string };
  mistake: string;
  explanation: string;
}

function mac(secret: string, message: string): Buffer {
  return createHmac('sha512', secret).update(message, 'utf8').digest();
}

function upperHex(buf: Buffer): string {
  return buf.toString('hex').toUpperCase();
}

function payloadOf(ts: string, nonce: string, body: string): string {
  return `${ts}\n${nonce}\n${body}\n`;
}

function newNonce(): string {
  return randomBytes(16).toString('hex');
}

function pythonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonDumps(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}

/** Every string inside a JSON value, keys included. */
function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      allStrings(v, out);
    }
  }
  return out;
}

/** Everything the debugger computes under the secret, in every encoding, plus the secret itself. */
function forbiddenValues(secret: string, ts: string, nonce: string, body: string): string[] {
  const messages = [payloadOf(ts, nonce, body), `${ts}\n${nonce}\n${body}`, `${ts}\r\n${nonce}\r\n${body}\r\n`];
  try {
    const value: unknown = JSON.parse(body);
    const compact = JSON.stringify(value);
    for (const variant of [compact, pythonDumps(value), JSON.stringify(value, null, 2), JSON.stringify(value, null, 4), compact.replace(/\//g, '\\/'), body.replace(/\\\//g, '/')]) {
      messages.push(payloadOf(ts, nonce, variant));
    }
  } catch {
    // not JSON: the debugger tries no re-serialisation
  }
  const out = [secret];
  for (const m of messages) {
    const digest = mac(secret, m);
    const hex = digest.toString('hex');
    out.push(hex, hex.toUpperCase(), digest.toString('base64'), digest.toString('base64url'), Buffer.from(hex.toUpperCase()).toString('hex'), Buffer.from(hex).toString('hex'));
    // a prefix long enough to matter (half the MAC) must not appear either
    out.push(hex.slice(0, 64), hex.toUpperCase().slice(0, 64));
  }
  return out;
}

describeEachDialect('signature debugger', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Debug Shop' });
  });
  afterAll(async () => server?.close());

  /** Sends `body` with the signature `sign(ts, nonce)` chosen by the test. */
  async function sendWith(body: string, sign: (ts: string, nonce: string) => string) {
    const ts = String(Date.now());
    const nonce = newNonce();
    const r = await server.client(merchant).request(PATH, undefined, { rawBody: body, timestamp: ts, nonce, signature: sign(ts, nonce) });
    expect(r.httpStatus, r.rawText).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const envelope = JSON.parse(r.rawText) as { status: string; code: string; errorMessage: string; signatureDebug?: SignatureDebug };
    expect(envelope.status).toBe('FAIL');
    expect(envelope.code).toBe('400002');
    expect(envelope.errorMessage).toBe(MESSAGE);
    expect(envelope.signatureDebug, r.rawText).toEqual(expect.objectContaining({ payload: expect.any(String) }));
    const debug = envelope.signatureDebug as SignatureDebug;
    // the exact payload the server signed
    const payload = payloadOf(ts, nonce, body);
    expect(debug.payload).toBe(payload);
    expect(debug.payloadLength).toBe(Buffer.byteLength(payload, 'utf8'));
    expect(debug.payloadSha256).toBe(createHash('sha256').update(payload, 'utf8').digest('hex'));
    // nothing derived from the secret, whatever the mistake
    const forbidden = forbiddenValues(merchant.apiSecret, ts, nonce, body);
    for (const s of allStrings(envelope)) {
      for (const f of forbidden) {
        if (s.includes(f)) throw new Error(`response string ${JSON.stringify(s.slice(0, 60))} contains a secret-derived value`);
      }
    }
    for (const f of forbidden) expect(r.rawText.includes(f)).toBe(false);
    return { debug, ts, nonce };
  }

  const secret = () => merchant.apiSecret;
  const right = (ts: string, nonce: string, body: string) => mac(secret(), payloadOf(ts, nonce, body));
  const BODY = '{"merchantTradeNo":"9825382937292","returnUrl":"https://shop.example/done","note":"crème glacée 🍦"}';

  it('LOWER_CASE_HEX', async () => {
    const { debug } = await sendWith(BODY, (ts, n) => right(ts, n, BODY).toString('hex'));
    expect(debug.mistake).toBe('LOWER_CASE_HEX');
    expect(debug.received).toEqual({ length: 128, format: 'LOWER_HEX' });
  });

  it('BASE64_INSTEAD_OF_HEX (standard and url-safe)', async () => {
    const { debug } = await sendWith(BODY, (ts, n) => right(ts, n, BODY).toString('base64'));
    expect(debug.mistake).toBe('BASE64_INSTEAD_OF_HEX');
    expect(debug.received.format).toBe('BASE64');
    const urlSafe = await sendWith(BODY, (ts, n) => right(ts, n, BODY).toString('base64url'));
    expect(urlSafe.debug.mistake).toBe('BASE64_INSTEAD_OF_HEX');
  });

  it('HEX_ENCODED_TWICE', async () => {
    const { debug } = await sendWith(BODY, (ts, n) => Buffer.from(upperHex(right(ts, n, BODY)), 'latin1').toString('hex').toUpperCase());
    expect(debug.mistake).toBe('HEX_ENCODED_TWICE');
    expect(debug.received.length).toBe(256);
  });

  it('MISSING_TRAILING_NEWLINE', async () => {
    const { debug } = await sendWith(BODY, (ts, n) => upperHex(mac(secret(), `${ts}\n${n}\n${BODY}`)));
    expect(debug.mistake).toBe('MISSING_TRAILING_NEWLINE');
  });

  it('MISSING_TRAILING_NEWLINE with an empty body', async () => {
    const { debug } = await sendWith('', (ts, n) => upperHex(mac(secret(), `${ts}\n${n}\n`)));
    expect(debug.mistake).toBe('MISSING_TRAILING_NEWLINE');
  });

  it('CRLF_SEPARATORS', async () => {
    const { debug } = await sendWith(BODY, (ts, n) => upperHex(mac(secret(), `${ts}\r\n${n}\r\n${BODY}\r\n`)));
    expect(debug.mistake).toBe('CRLF_SEPARATORS');
  });

  it('BODY_RESERIALISED: sent Python json.dumps style, signed compact', async () => {
    const sent = '{"a": 1, "b": [1, 2]}';
    const { debug } = await sendWith(sent, (ts, n) => upperHex(right(ts, n, '{"a":1,"b":[1,2]}')));
    expect(debug.mistake).toBe('BODY_RESERIALISED');
    expect(debug.explanation).toMatch(/compact/);
  });

  it('BODY_RESERIALISED: sent compact, signed Python json.dumps style', async () => {
    const sent = '{"a":1,"b":[1,2]}';
    const { debug } = await sendWith(sent, (ts, n) => upperHex(right(ts, n, '{"a": 1, "b": [1, 2]}')));
    expect(debug.mistake).toBe('BODY_RESERIALISED');
    expect(debug.explanation).toMatch(/Python/);
  });

  it('BODY_RESERIALISED: signed with PHP-escaped slashes', async () => {
    const sent = '{"returnUrl":"https://shop.example/done"}';
    const { debug } = await sendWith(sent, (ts, n) => upperHex(right(ts, n, '{"returnUrl":"https:\\/\\/shop.example\\/done"}')));
    expect(debug.mistake).toBe('BODY_RESERIALISED');
  });

  it('WRONG_LENGTH: a 64-character hex (SHA-256) signature', async () => {
    const { debug } = await sendWith(BODY, (ts, n) => createHmac('sha256', secret()).update(payloadOf(ts, n, BODY)).digest('hex').toUpperCase());
    expect(debug.mistake).toBe('WRONG_LENGTH');
    expect(debug.received).toEqual({ length: 64, format: 'UPPER_HEX' });
    expect(debug.explanation).toMatch(/SHA-256/);
  });

  it('NOT_HEX', async () => {
    const { debug } = await sendWith(BODY, () => 'this-is-not-a-signature!');
    expect(debug.mistake).toBe('NOT_HEX');
    expect(debug.received.format).toBe('OTHER');
  });

  it('NO_KNOWN_MISTAKE: signed with another secret', async () => {
    const other = 'z'.repeat(64);
    const { debug } = await sendWith(BODY, (ts, n) => upperHex(mac(other, payloadOf(ts, n, BODY))));
    expect(debug.mistake).toBe('NO_KNOWN_MISTAKE');
    expect(debug.received).toEqual({ length: 128, format: 'UPPER_HEX' });
  });

  it('shows a payload with a body that is not JSON and the empty body, byte-exact', async () => {
    for (const body of ['', 'not json at all', '{"a":1}\n', '{"a":"\\u00e9"}']) {
      const { debug } = await sendWith(body, () => 'A'.repeat(128));
      expect(debug.mistake).toBe('NO_KNOWN_MISTAKE');
    }
  });

  it('describes the exact bytes of a body that is not UTF-8', async () => {
    const ts = String(Date.now());
    const nonce = newNonce();
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const payload = Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), bytes, Buffer.from('\n')]);
    const digest = createHmac('sha512', merchant.apiSecret).update(payload).digest();
    const response = await fetch(server.baseUrl + PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'BinancePay-Timestamp': ts, 'BinancePay-Nonce': nonce, 'BinancePay-Certificate-SN': merchant.apiKey, 'BinancePay-Signature': digest.toString('hex') },
      body: bytes,
    });
    const text = await response.text();
    const envelope = JSON.parse(text) as { code: string; signatureDebug: SignatureDebug };
    expect(envelope.code).toBe('400002');
    expect(envelope.signatureDebug.mistake).toBe('LOWER_CASE_HEX');
    expect(envelope.signatureDebug.payloadLength).toBe(payload.length);
    expect(envelope.signatureDebug.payloadSha256).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(envelope.signatureDebug.explanation).toMatch(/not valid UTF-8/);
    expect(text).not.toContain(digest.toString('hex'));
    expect(text.toLowerCase()).not.toContain(digest.toString('hex').slice(0, 64));
  });

  it('a correct signature still passes (the debugger only runs on failure)', async () => {
    const r = await server.client(merchant).request(PATH, undefined, { rawBody: '{}' });
    expect(r.envelope, r.rawText).toMatchObject({ status: 'SUCCESS', code: '000000' });
    expect(r.rawText).not.toContain('signatureDebug');
  });
});

describe('signature debugger in strict mode', () => {
  let server: TestServer;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer('sqlite', { BPAY_STRICT: 'true' });
    merchant = await server.createMerchant();
  });
  afterAll(async () => server?.close());

  it('sends no signatureDebug field, whatever the mistake', async () => {
    for (const make of [(h: Buffer) => h.toString('hex'), (h: Buffer) => h.toString('base64'), () => 'nope!']) {
      const ts = String(Date.now());
      const nonce = newNonce();
      const r = await server.client(merchant).request(PATH, undefined, { rawBody: '{}', timestamp: ts, nonce, signature: make(mac(merchant.apiSecret, payloadOf(ts, nonce, '{}'))) });
      expect(r.httpStatus).toBe(400);
      expect(JSON.parse(r.rawText)).toEqual({ status: 'FAIL', code: '400002', errorMessage: MESSAGE });
    }
  });
});
