/**
 * The validation proxy end to end, with this server as the upstream on both databases: real
 * signed traffic from the TypeScript SDK and raw signed requests goes through it; the answers
 * reach the client unchanged; each broken rule — bad signature, lower-case hex, a missing or
 * misspelt field, a replayed nonce, an answer of the wrong shape — is reported in the log, on the
 * dashboard page and in its JSON; and a cassette is recorded with secrets and personal data
 * redacted, shapes intact.
 */
import { BinancePayClient } from '@binance-pay-server/sdk';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readCassette } from '../../src/conformance/cassette.ts';
import { KitClient } from '../../src/conformance/client.ts';
import { v3Order } from '../../src/conformance/flows.ts';
import { checkResponse } from '../../src/conformance/inspect.ts';
import { endpointOfPath } from '../../src/conformance/shapes.ts';
import { buildProxy, type ProxyExchange, type ProxyServer } from '../../src/http/proxy/proxy.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { createPayer, pay, verifyLedger } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

const P = '/binancepay/openapi';

async function listen(proxy: ProxyServer): Promise<string> {
  await proxy.app.listen({ port: 0, host: '127.0.0.1' });
  const address = proxy.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

/** An upstream that forwards to the real server and renames one field of v3 create answers. */
async function tamperingUpstream(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length')) as Record<string, string>;
      void fetch(target + (req.url ?? '/'), { method: req.method ?? 'POST', headers, ...(req.method === 'GET' ? {} : { body: Buffer.concat(chunks) }) }).then(async (answer) => {
        const text = (await answer.text()).replace('"checkoutUrl"', '"checkoutLink"');
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}`, close: () => new Promise((done) => server.close(() => done())) };
}

describeEachDialect('validation proxy in front of this server', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  let proxy: ProxyServer;
  let proxyUrl: string;
  let dir: string;
  let cassettePath: string;
  const logged: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Proxied shop' });
    dir = mkdtempSync(join(tmpdir(), 'bpay-proxy-'));
    cassettePath = join(dir, 'cassette.json');
    proxy = await buildProxy({ upstream: server.baseUrl, secrets: new Map([[merchant.apiKey, merchant.apiSecret]]), record: cassettePath, log: (line) => logged.push(line) });
    proxyUrl = await listen(proxy);
  });
  afterAll(async () => {
    await proxy?.app.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sdk = () => new BinancePayClient({ apiKey: merchant.apiKey, apiSecret: merchant.apiSecret, baseUrl: proxyUrl });
  const raw = () => new KitClient({ baseUrl: proxyUrl, apiKey: merchant.apiKey, apiSecret: merchant.apiSecret });
  const exchangeOf = async (path: string, since: number): Promise<ProxyExchange[]> => {
    await proxy.settled();
    return proxy.exchanges().filter((e) => e.seq > since && e.path === path);
  };
  const lastSeq = async () => {
    await proxy.settled();
    return proxy.exchanges()[0]?.seq ?? 0;
  };

  it('SDK traffic passes through with valid signatures and no violation, and the answers are the server’s', async () => {
    const client = sdk();
    const since = await lastSeq();
    const order = await client.createOrder({
      env: { terminalType: 'WEB', orderClientIp: '203.0.113.7' },
      merchantTradeNo: 'PROXY' + Date.now(),
      orderAmount: '12.5',
      currency: 'USDT',
      description: 'Through the proxy',
      goodsDetails: [{ goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'SKU1', goodsName: 'Ice Cream' }],
      buyer: { buyerEmail: 'alice.private@example.com', buyerName: { firstName: 'Alice', lastName: 'Private' } },
    });
    expect(order.prepayId).toMatch(/^\d+$/);
    const payer = await createPayer(server, ['100:USDT']);
    expect((await pay(server, order.prepayId, payer.binanceId)).body.status).toBe('SUCCESS');
    const paid = await client.queryOrder({ prepayId: order.prepayId });
    expect(paid.status).toBe('PAID');
    const refund = await client.refundOrder({ refundRequestId: 'PROXYR' + Date.now(), prepayId: order.prepayId, refundAmount: '2.5' });
    expect(refund.duplicateRequest).toBe('N');
    await client.queryRefund({ refundRequestId: refund.refundRequestId });
    await client.getCertificates();
    await client.getBalanceV2({ wallet: 'FUNDING_WALLET' });
    const closable = await client.createOrderV2({ env: { terminalType: 'APP' }, merchantTradeNo: 'PROXYB' + Date.now(), orderAmount: '1', currency: 'USDT', goods: { goodsType: '02', goodsCategory: 'Z000', referenceGoodsId: 'X', goodsName: 'Thing' } });
    expect(await client.closeOrder({ prepayId: closable.prepayId })).toBe(true);

    await proxy.settled();
    const seen = proxy.exchanges().filter((e) => e.seq > since);
    expect(seen.map((e) => e.endpoint)).toEqual(['closeOrder', 'createOrderV2', 'balanceV2', 'certificates', 'queryRefund', 'refundOrder', 'queryOrderV2', 'createOrderV3']);
    for (const e of seen) {
      expect(e.violations, `${e.path}: ${JSON.stringify(e.violations)}`).toEqual([]);
      expect(e.signature).toBe('valid');
    }
    expect(logged.some((l) => l.startsWith(`POST ${P}/v3/order → 200 SUCCESS 000000`) && l.endsWith('ok'))).toBe(true);
    expect(proxy.stats()).toMatchObject({ verifiesSignatures: true, signaturesInvalid: 0, recording: cassettePath });
    expect((await verifyLedger(server)).ok).toBe(true);
  });

  it('answers reach the client unchanged: status, content type and bytes as the upstream sent them', async () => {
    const body = '{}';
    const viaProxy = await raw().send(`${P}/certificates`, undefined, { rawBody: body });
    const direct = await new KitClient({ baseUrl: server.baseUrl, apiKey: merchant.apiKey, apiSecret: merchant.apiSecret }).send(`${P}/certificates`, undefined, { rawBody: body });
    expect(viaProxy.httpStatus).toBe(direct.httpStatus);
    expect(viaProxy.responseText).toBe(direct.responseText);
    const failViaProxy = await fetch(`${proxyUrl}${P}/v3/order`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const failDirect = await fetch(`${server.baseUrl}${P}/v3/order`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(failViaProxy.status).toBe(failDirect.status);
    expect(failViaProxy.headers.get('content-type')).toBe(failDirect.headers.get('content-type'));
    expect(await failViaProxy.text()).toBe(await failDirect.text());
    // anything but the Binance API passes too, unjudged and unrecorded
    const admin = await fetch(`${proxyUrl}/admin/v1/time`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    expect(admin.status).toBe(200);
  });

  it('raw signed requests that break the rules are reported, and still forwarded', async () => {
    const client = raw();
    const since = await lastSeq();
    const badSignature = await client.send(`${P}/certificates`, {}, { signWith: 'another-secret-entirely-0123456789' });
    expect(JSON.parse(badSignature.responseText)).toMatchObject({ code: '400002' });
    const ts = String(Date.now());
    const nonce = 'N'.repeat(32);
    const lower = client.headersFor('{}', { timestamp: ts, nonce })['BinancePay-Signature']?.toLowerCase() ?? '';
    await client.send(`${P}/certificates`, {}, { timestamp: ts, nonce, signature: lower });
    const { description: _d, ...noDescription } = v3Order('PROXYBAD' + Date.now(), '1', 'USDT');
    const missing = await client.send(`${P}/v3/order`, noDescription);
    expect(JSON.parse(missing.responseText)).toMatchObject({ code: '400100' });
    await client.send(`${P}/v3/order`, v3Order('PROXYTYPO' + Date.now(), '1', 'USDT', { webhookURL: 'https://example.com/hook' }));
    const replay = { timestamp: String(Date.now()), nonce: 'R'.repeat(32) };
    await client.send(`${P}/certificates`, {}, replay);
    const replayed = await client.send(`${P}/certificates`, {}, replay);
    expect(JSON.parse(replayed.responseText)).toMatchObject({ code: '400001' });

    const certs = await exchangeOf(`${P}/certificates`, since);
    const [rep2, rep1, low, bad] = certs;
    expect(bad?.signature).toBe('invalid');
    expect(bad?.violations).toEqual([expect.objectContaining({ path: 'request.header.BinancePay-Signature', kind: 'value' })]);
    expect(low?.violations.map((v) => v.path)).toEqual(['request.header.BinancePay-Signature', 'request.header.BinancePay-Signature']);
    expect(low?.violations[1]?.actual).toMatch(/lower case/);
    expect(rep1?.violations).toEqual([]);
    expect(rep2?.violations).toEqual([expect.objectContaining({ path: 'request.header.BinancePay-Nonce' })]);
    const orders = await exchangeOf(`${P}/v3/order`, since);
    expect(orders[1]?.violations).toEqual([expect.objectContaining({ path: 'request.body.description', kind: 'missing', severity: 'error' })]);
    expect(orders[0]?.violations).toEqual([expect.objectContaining({ path: 'request.body.webhookURL', kind: 'unexpected', severity: 'warning' })]);
    expect(orders[0]?.status).toBe('SUCCESS');
    expect(logged.some((l) => l.includes('request.body.description missing'))).toBe(true);
  });

  it('the dashboard page and its JSON show the violations', async () => {
    await proxy.settled();
    const page = await fetch(`${proxyUrl}/_bpay/proxy`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await page.text();
    expect(html).toContain('Validation proxy');
    expect(html).toContain(server.baseUrl);
    expect(html).toContain('request.body.description');
    expect(html).toMatch(/<table id="violations">/);
    const json = (await (await fetch(`${proxyUrl}/_bpay/proxy/exchanges`)).json()) as { stats: { exchanges: number; withViolations: number; signaturesInvalid: number }; exchanges: ProxyExchange[] };
    expect(json.stats.withViolations).toBe(json.exchanges.filter((e) => e.violations.length > 0).length);
    expect(json.stats.signaturesInvalid).toBe(2);
    expect(json.exchanges.length).toBe(json.stats.exchanges);
  });

  it('the cassette holds every API exchange, redacted: no secret, signature, key or personal data; shapes intact', async () => {
    await proxy.settled();
    const text = readFileSync(cassettePath, 'utf8');
    const cassette = readCassette(cassettePath);
    expect(cassette.exchanges.length).toBe(proxy.stats().exchanges);
    expect(cassette.upstream).toBe(new URL(server.baseUrl).origin);
    for (const secret of [merchant.apiSecret, merchant.apiKey, 'alice.private@example.com', 'Alice', '203.0.113.7', server.adminToken]) expect(text).not.toContain(secret);
    for (const e of cassette.exchanges) {
      expect(e.request.headers['binancepay-signature'] ?? 'REDACTED').toBe('REDACTED');
      expect(e.request.headers['binancepay-certificate-sn'] ?? 'sha256:').toMatch(/^sha256:/);
      expect(Object.keys(e.request.headers).every((h) => ['content-type', 'binancepay-timestamp', 'binancepay-nonce', 'binancepay-certificate-sn', 'binancepay-signature'].includes(h))).toBe(true);
      const answer = JSON.parse(e.response.body) as { status: string };
      if (answer.status === 'SUCCESS') expect(checkResponse(endpointOfPath(e.request.path), e.response.status, e.response.body).differences, e.request.path).toEqual([]);
    }
    const paidQuery = cassette.exchanges.find((e) => e.request.path === `${P}/v2/order/query` && e.response.body.includes('"PAID"'));
    expect(paidQuery?.response.body).toContain('"payerId":"REDACTED"');
    expect(paidQuery?.response.body).toContain('"openUserId":"REDACTED"');
    const created = cassette.exchanges.find((e) => e.request.path === `${P}/v3/order` && e.request.body.includes('buyer'));
    expect(created?.request.body).toContain('"buyerEmail":"REDACTED"');
  });

  it('an upstream whose answer has the wrong shape is reported; the client still gets that answer', async () => {
    const bad = await tamperingUpstream(server.baseUrl);
    const second = await buildProxy({ upstream: bad.url, secrets: new Map([['*', merchant.apiSecret]]) });
    const url = await listen(second);
    try {
      const answer = await new KitClient({ baseUrl: url, apiKey: merchant.apiKey, apiSecret: merchant.apiSecret }).send(`${P}/v3/order`, v3Order('PROXYSHAPE' + Date.now(), '1', 'USDT'));
      expect(answer.responseText).toContain('"checkoutLink"');
      await second.settled();
      const [exchange] = second.exchanges();
      expect(exchange?.signature).toBe('valid');
      expect(exchange?.violations).toEqual([
        expect.objectContaining({ path: 'response.data.checkoutUrl', kind: 'missing' }),
        expect.objectContaining({ path: 'response.data.checkoutLink', kind: 'unexpected' }),
      ]);
    } finally {
      await second.app.close();
      await bad.close();
    }
  });

  it('an unreachable upstream: 502 with a JSON envelope, reported as a transport violation', async () => {
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const address = probe.address();
    await new Promise<void>((done) => probe.close(() => done()));
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    const dead = await buildProxy({ upstream: `http://127.0.0.1:${address.port}` });
    const url = await listen(dead);
    try {
      const answer = await new KitClient({ baseUrl: url, apiKey: merchant.apiKey, apiSecret: merchant.apiSecret }).send(`${P}/certificates`, {});
      expect(answer.httpStatus).toBe(502);
      expect(JSON.parse(answer.responseText)).toMatchObject({ status: 'FAIL', code: '400000' });
      await dead.settled();
      expect(dead.exchanges()[0]?.violations).toEqual([expect.objectContaining({ path: 'transport', kind: 'transport' })]);
    } finally {
      await dead.app.close();
    }
  });
});
