/**
 * NUL and other control characters on every surface, on both dialects (docs/errors.md "Control
 * characters"): every string of every Binance Pay body (and a key, and the query) → 400103 naming
 * the field; every route of the admin API, checkout, dashboard and ops — read from the app's own
 * route table, so a route added later is covered — refuses one in a path parameter, the query or
 * the body with 400/900400 naming it. Never a 500, and nothing reaches PostgreSQL, which refuses
 * U+0000 in text.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { ENDPOINTS, createOrder } from '../helpers/endpoints.ts';
import { failureText } from '../helpers/envelope.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';
import { WebClient } from '../helpers/web.ts';

/** What the rule refuses (lib/control-characters.ts), and what it lets through. */
const FORBIDDEN = ['\u0000', '\u0001', '\u0008', '\u000b', '\u000c', '\u000e', '\u001b', '\u001f', '\u007f', '\u0085', '\u009f', '\ud800', '\udfff'];
const ALLOWED = ['\t', '\n', '\r', 'é', '😀', '\u00a0', '\u2028'];

type Path = Array<string | number>;

/** Every string leaf of a JSON value, with its path. */
function stringLeaves(value: unknown, path: Path = []): Path[] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  return [];
}

const label = (path: Path) => path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');

function withString(body: unknown, path: Path, transform: (s: string) => string): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  node[last] = transform(String(node[last]));
  return copy;
}

interface Route {
  path: string;
  methods: string[];
}

/** The app's routes, from Fastify's printed route tree (full paths, methods). */
function routesOf(tree: string): Route[] {
  const stack: string[] = [];
  const routes: Route[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(m[2] ?? '');
    if (m[3]) routes.push({ path: stack.join(''), methods: m[3].split(',').map((s) => s.trim()) });
  }
  return routes;
}

describeEachDialect('control characters', (dialect) => {
  let server: TestServer;
  let m: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    m = await server.createMerchant({ name: 'Control Shop' });
  });
  afterAll(async () => server?.close());

  const send = (path: string, body: unknown, rawBody?: string) => server.client(m).request(path, body, rawBody === undefined ? {} : { rawBody });

  describe('the Binance Pay surface: 400103 naming the field, after authentication', () => {
    for (const endpoint of ENDPOINTS) {
      it(`${endpoint.path}: every string of the body, a key, and the query`, async () => {
        // an unknown field is ignored, but checked like any other: every body has a string then
        const body = { ...((endpoint.bodyless ? {} : await endpoint.sampleBody(server, m)) as object), note: 'x' };
        const leaves = stringLeaves(body);
        expect(leaves.length).toBeGreaterThan(0);
        for (const [i, leaf] of leaves.entries()) {
          const char = FORBIDDEN[i % FORBIDDEN.length] as string;
          const r = await send(endpoint.path, withString(body, leaf, (s) => (i % 2 === 0 ? `${s}${char}` : `${char}${s}`)));
          const context = `${label(leaf)} + U+${char.charCodeAt(0).toString(16)}: ${r.rawText}`;
          expect(r.httpStatus, context).toBe(400);
          expect(r.envelope?.code, context).toBe('400103');
          expect(failureText(r.envelope), context).toContain(`${label(leaf)} contains an illegal character (U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
        }
        const key = await send(endpoint.path, { ...(body as object), 'bad\u0000key': 1 });
        expect(key.envelope?.code, key.rawText).toBe('400103');
        expect(failureText(key.envelope)).toContain('bad\\u0000key contains an illegal character (U+0000 at position 3)');
        const query = await server.client(m).request(`${endpoint.path}?ref=%00`, body);
        expect(query.envelope?.code, query.rawText).toBe('400103');
        expect(failureText(query.envelope)).toContain('query.ref');
        // the same request without the character is not refused for it
        expect((await send(endpoint.path, endpoint.bodyless ? {} : await endpoint.sampleBody(server, m))).envelope?.code).not.toBe('400103');
      });
    }

    it('authentication still comes first: a bad signature is 400002 whatever the body holds', async () => {
      const r = await server.client(m).request('/binancepay/openapi/v3/order', { description: 'a\u0000b' }, { signature: 'A'.repeat(128) });
      expect(r.envelope?.code).toBe('400002');
    });

    it('lets TAB, LF, CR and ordinary Unicode through, stored and answered as sent, on both databases', async () => {
      const passThroughInfo = `a${ALLOWED.join('')}b`;
      const prepayId = await createOrder(server, m, { passThroughInfo, description: 'tab\there' });
      const q = await server.client(m).call<{ passThroughInfo: string }>('/binancepay/openapi/v2/order/query', { prepayId });
      expect(q.passThroughInfo).toBe(passThroughInfo);
    });

    it('fuzz: a random forbidden character at a random place of a random field never passes and never 500s', async () => {
      const bodies = await Promise.all(ENDPOINTS.filter((e) => !e.bodyless).map(async (e) => ({ path: e.path, body: { ...((await e.sampleBody(server, m)) as object), note: 'x' } })));
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), fc.constantFrom(...FORBIDDEN), fc.nat(), async (which, leafIndex, char, at) => {
          const { path, body } = bodies[which % bodies.length]!;
          const leaves = stringLeaves(body);
          const leaf = leaves[leafIndex % leaves.length]!;
          const r = await send(path, withString(body, leaf, (s) => s.slice(0, at % (s.length + 1)) + char + s.slice(at % (s.length + 1))));
          expect(r.httpStatus, r.rawText).toBe(400);
          expect(r.envelope?.code, r.rawText).toBe('400103');
        }),
        { numRuns: 150 },
      );
    });

    it('the issue’s examples', async () => {
      expect((await send('/binancepay/openapi/v3/order', { description: 'a\u0000b' })).envelope?.code).toBe('400103');
      const r = await send('/binancepay/openapi/order/refund/query', { refundRequestId: 'a\u0000b' });
      expect(r.envelope?.code).toBe('400103');
      expect(failureText(r.envelope)).toContain('refundRequestId contains an illegal character (U+0000 at position 1)');
      // escaped in the JSON text or raw: the same string
      expect((await send('/binancepay/openapi/order/refund/query', undefined, '{"refundRequestId":"a\\u0000b"}')).envelope?.code).toBe('400103');
    });
  });

  describe('every other route: 400 naming the parameter, never a 500', () => {
    let routes: Route[];
    let checkoutToken: string;

    beforeAll(async () => {
      routes = routesOf(server.built.app.printRoutes({ commonPrefix: false })).filter((r) => !r.path.startsWith('/binancepay/'));
      const order = await server.client(m).call<{ checkoutUrl: string }>('/binancepay/openapi/v3/order', (await ENDPOINTS[1]!.sampleBody(server, m)) as object);
      checkoutToken = new URL(order.checkoutUrl).pathname.split('/')[2] ?? '';
    });

    it('the route table was read: admin, checkout, dashboard and ops are all there', () => {
      const prefixes = new Set(routes.map((r) => r.path.split('/')[1]));
      for (const p of ['admin', 'checkout', 'dashboard', 'healthz', 'metrics']) expect(prefixes, p).toContain(p);
      expect(routes.length).toBeGreaterThan(40);
    });

    /** A URL of the route with real values, so the hook is what refuses it (not a 404 first). */
    const concrete = (path: string) =>
      path
        .replace(':merchantId', String(m.merchantId))
        .replace(':linkToken', checkoutToken)
        .replace(/:[A-Za-z]+/g, '1');

    it('a control character in the query, the body or a path parameter', async () => {
      const admin = new WebClient(server.baseUrl);
      const signIn = await admin.postForm('/dashboard/login', { mode: 'admin', adminToken: server.adminToken, next: '/dashboard/orders' });
      expect(signIn.status).toBe(303);
      let checked = 0;
      for (const route of routes) {
        for (const method of route.methods.filter((x) => x !== 'HEAD')) {
          const url = concrete(route.path);
          const headers = { authorization: `Bearer ${server.adminToken}` };
          const tries: Array<{ path: string; body?: string; contentType?: string; needle: string }> = [{ path: `${url}?x=a%00b`, needle: 'query.x' }];
          if (method !== 'GET') {
            // the dashboard takes forms only (JSON there is 415 before any check), the rest JSON only
            if (url.startsWith('/dashboard')) tries.push({ path: url, body: 'name=a%01b', contentType: 'application/x-www-form-urlencoded', needle: 'name' });
            else tries.push({ path: url, body: JSON.stringify({ name: 'a\u0000b' }), needle: 'name' });
          }
          const param = /\/:([A-Za-z]+)/.exec(route.path);
          if (param) tries.push({ path: route.path.replace(`:${param[1]}`, '%00').replace(/:[A-Za-z]+/g, '1'), needle: `path.${param[1]}` });
          for (const t of tries) {
            const r = await admin.request(method, t.path, { ...(t.body === undefined ? {} : { body: t.body, contentType: t.contentType ?? 'application/json' }), headers });
            const context = `${method} ${t.path} ${t.body ?? ''} → ${r.status} ${r.text.slice(0, 200)}`;
            expect(r.status, context).toBe(400);
            expect(r.text, context).toContain(`${t.needle} contains an illegal character`);
            if (!url.startsWith('/dashboard')) expect(r.json(), context).toMatchObject({ status: 'FAIL', code: '900400' });
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(100);
    });

    it('the issue’s examples, and an unknown route', async () => {
      const auth = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
      for (const [method, path, body] of [
        ['POST', '/admin/v1/payers', '{"name":"a\\u0000b"}'],
        ['GET', '/admin/v1/webhooks?bizType=%00', undefined],
        ['POST', `/checkout/${checkoutToken}/session`, '{"payer":"a\\u0000b@x.example"}'],
        ['GET', '/no-such-route?x=%00', undefined],
      ] as const) {
        const r = await fetch(server.baseUrl + path, { method, headers: { ...auth, origin: server.baseUrl }, ...(body === undefined ? {} : { body }) });
        const text = await r.text();
        expect(r.status, `${path} ${text}`).toBe(400);
        expect(JSON.parse(text)).toMatchObject({ status: 'FAIL', code: '900400' });
      }
    });
  });
});
