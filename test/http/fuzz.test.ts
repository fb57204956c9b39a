/**
 * Fuzzing the whole HTTP surface on both dialects (ARCHITECTURE.md principle 2: never a bare 500
 * page). Random paths, methods, media types, headers and bodies; about 30% of the runs are
 * correctly signed by a real merchant so the JSON, validation and business layers are reached.
 * Every /binancepay answer must be a Binance envelope below HTTP 500 without a stack trace.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { ENDPOINTS, createOrder, v3OrderBody } from '../helpers/endpoints.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const RUNS = 1500;
const BINANCE_PATHS = ENDPOINTS.map((e) => e.path);
const ADMIN_PATHS = ['/admin/v1/merchants', '/admin/v1/merchants/123456789', '/admin/v1/merchants/1/keys', '/admin/v1/certificates', '/admin/v1/certificates/rotate', '/admin/v1/payers', '/admin/v1/time/advance', '/admin/v1/ledger/verify'];
const HEADER_NAMES = ['BinancePay-Timestamp', 'BinancePay-Nonce', 'BinancePay-Certificate-SN', 'BinancePay-Signature'] as const;
/** Codes that mean authentication rejected the request: a correctly signed one must never get them. */
const AUTH_FAILURES = ['400001', '400002', '400003', '400004', '400005', '400006', '400007'];
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

// ── generators ───────────────────────────────────────────────────────────────────────────────

const printableChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const printable = (maxLength: number) => fc.string({ unit: printableChar, maxLength });
const alnum = (length: number) => fc.string({ unit: fc.constantFrom(...ALNUM), minLength: length, maxLength: length });
const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFabcdef'), minLength: length, maxLength: length });

const mutatedPath = fc.tuple(fc.constantFrom(...BINANCE_PATHS), fc.nat(), printableChar).chain(([p, n, c]) => {
  const i = n % p.length;
  return fc.constantFrom(
    p.toUpperCase(),
    `${p}/`,
    p.replace('/openapi/', '/openapi//'),
    p.slice(0, i) + p.slice(i + 1),
    p.slice(0, i) + encodeURIComponent(c) + p.slice(i),
    `${p}?x=1&y=%zz`,
    `${p}/extra`,
    p.replace('binancepay', 'binancepay2'),
    `/${p.slice(1).replace(/\//g, '%2F')}`,
    `${p}#fragment`,
    `${p}.json`,
    p.replace('/openapi', ''),
  );
}).map((p) => (p.startsWith('/') ? p : `/${p}`));

const pathArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...BINANCE_PATHS) },
  { weight: 3, arbitrary: mutatedPath },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...ADMIN_PATHS), fc.constantFrom('', '/', '/x', '?limit=0')).map(([p, s]) => p + s) },
  { weight: 1, arbitrary: printable(60).map((s) => `/admin/v1/${encodeURI(s)}`) },
  { weight: 2, arbitrary: printable(60).map((s) => `/binancepay/openapi/${encodeURI(s)}`) },
  { weight: 1, arbitrary: printable(80).map((s) => `/${encodeURI(s)}`) },
);

const methodArb = fc.constantFrom('POST', 'POST', 'POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND');

const contentTypeArb = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-patch+json', ';', 'application/'),
  printable(40),
);

const headerValueArb = (name: (typeof HEADER_NAMES)[number]) =>
  fc.oneof(
    printable(140),
    name === 'BinancePay-Timestamp' ? fc.oneof(fc.constant('NOW'), fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String)) : name === 'BinancePay-Nonce' ? alnum(32) : name === 'BinancePay-Certificate-SN' ? alnum(64) : hex(128),
  );

const headersArb = fc.record(
  Object.fromEntries(HEADER_NAMES.map((n) => [n, headerValueArb(n)])) as Record<(typeof HEADER_NAMES)[number], fc.Arbitrary<string>>,
  { requiredKeys: [] },
);

const nested = fc.tuple(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('[', '{"a":'), fc.boolean()).map(([depth, open, balanced]) => {
  const close = open === '[' ? ']' : '}';
  return open.repeat(depth) + (open === '[' ? '' : '1') + (balanced ? close.repeat(depth) : close.repeat(Math.floor(depth / 2)));
});

const bodyArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: fc.json().map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: fc.string().map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: nested.map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 60_000 }).map((n) => Buffer.from(`[${Array.from({ length: n }, () => '[1e999,-0,"x"]').join(',')}]`)) },
  { weight: 1, arbitrary: fc.constantFrom('', '{}', '[]', 'null', '{"a":1,"a":2}').map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.constant(0).map(() => Buffer.alloc(1024 * 1024 + 10, 0x20)) },
);

/** JSON value text including number literals JSON.stringify never writes. */
const literalArb = fc.oneof(
  fc.json({ maxDepth: 2 }),
  fc.constantFrom('1e-8', '2.5E+1', '0.000000001', '-0', '1e400', '99999999999999999999999', '10.5', '"10.5"', '" 1"', '"1e2"', '0', '-1', 'null', 'true', '"USDT"', '"BTC"', '""', '"x"', '[]', '{}'),
  // amounts at the ledger limit (90000000000) and the 64-bit bounds, and strings no database takes
  fc.constantFrom('90000000000', '"90000000000.00000000"', '90000000000.00000001', '"92233720368.54775807"', '92233720368.54775808', '9223372036854775807', '9223372036854775808', '"9e10"', '1e11', '"a\\u0000b"', '"\\u0001\\u001f"', '"\\ud800"'),
  fc.stringMatching(/^-?(0|[1-9]\d{0,22})(\.\d{1,12})?([eE][+-]?\d{1,3})?$/),
  printable(40).map((s) => JSON.stringify(s)),
);

/** Bodies for correctly signed requests: shapes the routes know, with fields swapped for random values. */
const signedBodyArb = (prepayIds: () => string[]): fc.Arbitrary<{ path: string; body: Buffer }> => {
  const v3Keys = Object.keys(v3OrderBody());
  const v3 = fc.record({ drop: fc.subarray(v3Keys, { maxLength: 2 }), replace: fc.dictionary(fc.constantFrom(...v3Keys, 'orderExpireTime', 'supportPayCurrency', 'fiatAmount', 'fiatCurrency', 'webhookUrl', 'passThroughInfo'), literalArb, { maxKeys: 3 }) }).map(({ drop, replace }) => {
    const base = v3OrderBody();
    const parts = Object.entries(base)
      .filter(([k]) => !drop.includes(k))
      .map(([k, v]) => `${JSON.stringify(k)}:${k in replace ? replace[k] : JSON.stringify(v)}`);
    for (const [k, v] of Object.entries(replace)) if (!(k in base)) parts.push(`${JSON.stringify(k)}:${v}`);
    return `{${parts.join(',')}}`;
  });
  const byId = fc.record({ prepayId: fc.oneof(literalArb, fc.constant('REAL')), merchantTradeNo: fc.option(literalArb, { nil: undefined }) }).map(({ prepayId, merchantTradeNo }) => {
    const ids = prepayIds();
    // a real order's id, as a string (documented) or as a bare 64-bit number literal
    const real = ids[merchantTradeNo === undefined ? 0 : merchantTradeNo.length % ids.length] ?? '1';
    const id = prepayId === 'REAL' ? (merchantTradeNo === undefined || merchantTradeNo.length % 2 === 0 ? JSON.stringify(real) : real) : prepayId;
    return `{"prepayId":${id}${merchantTradeNo === undefined ? '' : `,"merchantTradeNo":${merchantTradeNo}`}}`;
  });
  const money = fc.record({ amount: literalArb, prepayId: fc.nat() }).map(({ amount, prepayId }) => {
    const ids = prepayIds();
    return `{"refundRequestId":"F${prepayId}","requestId":"F${prepayId}","prepayId":"${ids[prepayId % Math.max(ids.length, 1)] ?? '1'}","refundAmount":${amount},"amount":${amount},"currency":"USDT","transferType":"TO_MAIN"}`;
  });
  const balance = fc.record({ wallet: literalArb, currency: fc.option(literalArb, { nil: undefined }) }).map(({ wallet, currency }) => `{"wallet":${wallet}${currency === undefined ? '' : `,"currency":${currency}`}}`);
  const generic = fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify({ data: v })), nested.filter((s) => s.length < 20_000), fc.string());
  const anyPath = fc.constantFrom(...BINANCE_PATHS);
  return fc.oneof(
    fc.tuple(fc.constantFrom('/binancepay/openapi/v3/order', '/binancepay/openapi/v3/order/create', '/binancepay/openapi/v2/order', '/binancepay/openapi/order'), v3),
    fc.tuple(fc.constantFrom('/binancepay/openapi/v2/order/query', '/binancepay/openapi/order/query', '/binancepay/openapi/order/close', '/binancepay/openapi/order/refund', '/binancepay/openapi/order/refund/query'), byId),
    fc.tuple(fc.constantFrom('/binancepay/openapi/balance', '/binancepay/openapi/v2/balance'), balance),
    fc.tuple(fc.constantFrom('/binancepay/openapi/order/refund', '/binancepay/openapi/wallet/transfer'), money),
    fc.tuple(anyPath, generic),
    fc.tuple(mutatedPath, generic),
  ).map(([path, text]) => ({ path, body: Buffer.from(text) }));
};

type FuzzRequest =
  | { kind: 'random'; path: string; method: string; contentType: string | undefined; headers: Partial<Record<(typeof HEADER_NAMES)[number], string>>; body: Buffer; adminToken: 'none' | 'wrong' }
  | { kind: 'signed'; path: string; contentType: string; body: Buffer };

// ── checks ───────────────────────────────────────────────────────────────────────────────────

const STACK_TRACE = [/\bat\s+\S+\s+\((?:file:|node:|\/)\S*:\d+:\d+\)/, /\bat\s+(?:file:\/\/|node:|\/)\S+:\d+/, /node_modules/, /\/(?:src|work|home|tmp)\/\S+\.(?:ts|js|mjs|cjs)\b/, /\.(?:ts|mjs|cjs):\d+:\d+/];

function describeRequest(r: FuzzRequest): string {
  return JSON.stringify({ ...r, body: r.body.length > 200 ? `${r.body.length} bytes: ${r.body.subarray(0, 120).toString('latin1')}…` : r.body.toString('latin1') });
}

function withoutEchoes(text: string, echoes: string[]): string {
  let out = text;
  for (const e of echoes) if (e.length > 0) out = out.split(e).join('');
  return out;
}

describeEachDialect('HTTP fuzz', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  const prepayIds: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Fuzz Target' });
    for (let i = 0; i < 3; i++) prepayIds.push(await createOrder(server, merchant));
  });
  afterAll(async () => server?.close());

  /** Sends one request, checks the answer, and returns the envelope code on the Binance surface. */
  async function send(r: FuzzRequest): Promise<string | undefined> {
    const url = new URL(server.baseUrl + r.path);
    // string concatenation keeps the host; a path that still moved it is not a request to us
    if (url.host !== new URL(server.baseUrl).host) return undefined;
    const headers: Record<string, string> = {};
    let method = 'POST';
    const echoes: string[] = [r.path, safeDecode(r.path), url.pathname, safeDecode(url.pathname)];
    if (r.kind === 'signed') {
      const ts = String(Date.now());
      const nonce = randomBytes(16).toString('hex');
      const payload = Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), r.body, Buffer.from('\n')]);
      headers['content-type'] = r.contentType;
      headers['BinancePay-Timestamp'] = ts;
      headers['BinancePay-Nonce'] = nonce;
      headers['BinancePay-Certificate-SN'] = merchant.apiKey;
      headers['BinancePay-Signature'] = createHmac('sha512', merchant.apiSecret).update(payload).digest('hex').toUpperCase();
    } else {
      method = r.method;
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      for (const [name, value] of Object.entries(r.headers)) headers[name] = value === 'NOW' ? String(Date.now()) : value;
      if (r.adminToken === 'wrong') headers.authorization = `Bearer ${server.adminToken.slice(1)}x`;
      echoes.push(...Object.values(headers).map((v) => v.trim()), ...Object.values(headers).map((v) => v.trim().slice(0, 40)), ...Object.values(headers).map((v) => v.trim().slice(0, 80)));
    }
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const response = await fetch(url, { method, headers, ...(hasBody ? { body: r.body } : {}) });
    const text = await response.text();
    const pathname = url.pathname;
    const context = `${describeRequest(r)}\n→ HTTP ${response.status} ${response.headers.get('content-type')} ${text.slice(0, 300)}`;

    if (pathname.startsWith('/binancepay/') || pathname === '/binancepay') {
      expect(response.status, context).toBeLessThan(500);
      expect(response.headers.get('content-type') ?? '', context).toMatch(/^application\/json/);
      if (method === 'HEAD') return undefined;
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(body !== null && typeof body === 'object' && !Array.isArray(body), context).toBe(true);
      // REPEAT_REQ_SUCCESS / 000001 is Binance's idempotent-repeat answer (fact sheet §2)
      expect(['SUCCESS', 'FAIL', 'REPEAT_REQ_SUCCESS'], context).toContain(body.status);
      expect(typeof body.code === 'string' && /^\d{6}$/.test(body.code), context).toBe(true);
      if (body.status === 'FAIL') {
        expect(typeof body.errorMessage, context).toBe('string');
        expect(body.code, context).not.toBe('000000');
        expect(response.status, context).toBeGreaterThanOrEqual(400);
      } else {
        expect(response.status, context).toBe(200);
      }
      const scanned = withoutEchoes(text, echoes);
      for (const pattern of STACK_TRACE) expect(pattern.test(scanned), `${pattern} in ${context}`).toBe(false);
      if (r.kind === 'signed' && BINANCE_PATHS.includes(r.path)) {
        // correctly signed: authentication must let it through to parsing, validation and the handler
        expect(AUTH_FAILURES, context).not.toContain(body.code);
      }
      return body.code as string;
    } else if (pathname.startsWith('/admin/')) {
      // no or a wrong token: 401 before any parsing
      expect(response.status, context).toBe(pathname.startsWith('/admin/v1/') || pathname === '/admin/v1' ? 401 : 404);
      expect(response.headers.get('content-type') ?? '', context).toMatch(/^application\/json/);
      if (method !== 'HEAD') expect(JSON.parse(text), context).toMatchObject({ status: 'FAIL' });
    } else {
      expect(response.status, context).toBeLessThan(500);
    }
    return undefined;
  }

  it(`answers ${RUNS} random requests with envelopes, never a 500`, { timeout: 120_000 }, async () => {
    const started = Date.now();
    const randomRequest: fc.Arbitrary<FuzzRequest> = fc.record({
      kind: fc.constant('random' as const),
      path: pathArb,
      method: methodArb,
      contentType: contentTypeArb,
      headers: headersArb,
      body: bodyArb,
      adminToken: fc.constantFrom('none' as const, 'wrong' as const),
    });
    const signedRequest: fc.Arbitrary<FuzzRequest> = fc
      .tuple(signedBodyArb(() => prepayIds), fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8'))
      .map(([{ path, body }, contentType]) => ({ kind: 'signed' as const, path, contentType, body }));
    let signed = 0;
    const signedCodes = new Map<string, number>();
    // shown compactly in a counterexample (a raw Buffer would print every byte)
    const printableRequest = fc.oneof({ weight: 7, arbitrary: randomRequest }, { weight: 3, arbitrary: signedRequest }).map((r) => Object.assign(r, { [fc.toStringMethod]: () => describeRequest(r) }));
    await fc.assert(
      fc.asyncProperty(printableRequest, async (r) => {
        const code = await send(r);
        if (r.kind === 'signed') {
          signed++;
          if (code !== undefined && BINANCE_PATHS.includes(r.path)) signedCodes.set(code, (signedCodes.get(code) ?? 0) + 1);
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // about 30% were signed, and they reached more than one layer: successes, validation and business codes
    expect(signed).toBeGreaterThan(RUNS * 0.2);
    expect(signedCodes.get('000000') ?? 0).toBeGreaterThan(0);
    expect([...signedCodes.keys()].filter((c) => c.startsWith('4001')).length).toBeGreaterThan(0);
    expect(signedCodes.get('400008') ?? 0).toBeGreaterThan(0);
    const seconds = (Date.now() - started) / 1000;
    console.info(`[${dialect}] fuzz: ${RUNS} requests (${signed} correctly signed; codes ${JSON.stringify(Object.fromEntries(signedCodes))}) in ${seconds.toFixed(1)} s`);
  });
});

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
