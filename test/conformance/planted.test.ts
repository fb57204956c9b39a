/**
 * The kit must find differences, not just report none: answers of this server are altered on
 * their way to the kit — a renamed field, a wrong error code, a number sent as a string, an enum
 * value Binance does not have, a missing envelope member — and each alteration must show up in the
 * report, at its path, with its kind, while the untouched steps still pass.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FLOWS } from '../../src/conformance/flows.ts';
import { renderMarkdown, renderTable } from '../../src/conformance/report.ts';
import { runKit, type KitReport } from '../../src/conformance/runner.ts';
import { SandboxAdmin } from '../../src/conformance/sandbox.ts';
import { describeEachDialect } from '../helpers/dialects.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

type Tamper = (path: string, requestBody: string, responseText: string) => string;

/** A fetch that hands the kit a doctored answer: the HTTP exchange with the server itself is real. */
function tampering(tamper: Tamper): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = init?.body ? Buffer.from(init.body as Buffer).toString('utf8') : '';
    const text = tamper(url.pathname, body, await response.text());
    return new Response(text, { status: response.status, headers: response.headers });
  };
}

const P = '/binancepay/openapi';

describeEachDialect('conformance kit: planted differences are found', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  let report: KitReport;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: 'Kit (planted)' });
    let queries = 0;
    const fetchImpl = tampering((path, body, text) => {
      // 1. a renamed field: checkoutUrl → checkoutURL in every v3 create answer
      if (path === `${P}/v3/order`) return text.replace('"checkoutUrl"', '"checkoutURL"');
      // 2. a wrong code: an unknown order answered 400201 instead of 400202
      if (path === `${P}/v2/order/query` && text.includes('"400202"')) return text.replace('"400202"', '"400201"');
      // 3. a number sent as a string: merchantId quoted, in the first query only
      if (path === `${P}/v2/order/query` && text.includes('"merchantId":') && queries++ === 0) return text.replace(/"merchantId":(\d+)/, '"merchantId":"$1"');
      // 4. an enum value Binance does not have
      if (path === `${P}/order/query` && body.includes('prepayId')) return text.replace('"tradeType":"WEB"', '"tradeType":"BROWSER"');
      // 5. an amount written without its 8 decimals (query order's orderAmount sample is "1.50000000")
      if (path === `${P}/v2/order/query` && text.includes('"status":"CANCELED"')) return text.replace(/"orderAmount":"[0-9.]+"/, '"orderAmount":"0.1"');
      // 6. the envelope without its code
      if (path === `${P}/certificates` && text.includes('"SUCCESS"') && body === '') return text.replace(',"code":"000000"', '');
      return text;
    });
    const sandbox = await SandboxAdmin.detect(server.baseUrl, server.adminToken);
    report = await runKit(FLOWS, { credentials: { baseUrl: server.baseUrl, apiKey: merchant.apiKey, apiSecret: merchant.apiSecret }, sandbox, only: ['orders', 'certificates', 'errors'], fetch: fetchImpl });
  });
  afterAll(async () => server?.close());

  const step = (name: string) => {
    const found = report.steps.find((s) => s.step === name);
    if (!found) throw new Error(`no step ${name}`);
    return found;
  };

  it('a renamed field: the documented one is missing and the new one is unexpected', () => {
    const create = step('create v3');
    expect(create.outcome).toBe('diff');
    expect(create.differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'data.checkoutUrl', kind: 'missing', severity: 'error' }),
        expect.objectContaining({ path: 'data.checkoutURL', kind: 'unexpected', severity: 'error' }),
      ]),
    );
  });

  it('a wrong code', () => {
    const unknown = step('query unknown order');
    expect(unknown.outcome).toBe('diff');
    expect(unknown.differences).toEqual([expect.objectContaining({ path: 'code', kind: 'code', expected: '400202', severity: 'error' })]);
    expect(unknown.differences[0]?.actual).toMatch(/^400201/);
  });

  it('a number sent as a string', () => {
    const query = step('query v2 (INITIAL)');
    expect(query.differences).toEqual([expect.objectContaining({ path: 'data.merchantId', kind: 'type', expected: 'number (integer)', severity: 'error' })]);
    expect(query.differences[0]?.actual).toMatch(/^string "\d+"$/);
  });

  it('an unknown enum value, an amount without its 8 decimals, an envelope without its code', () => {
    expect(step('query v1 (INITIAL)').differences).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'data.tradeType', kind: 'enum', actual: 'string "BROWSER"' })]));
    expect(step('query v2 (CANCELED)').differences).toEqual([expect.objectContaining({ path: 'data.orderAmount', kind: 'format', expected: 'string (decimal8)' })]);
    expect(step('certificates (empty body)').differences).toEqual([expect.objectContaining({ path: 'code', kind: 'missing' })]);
  });

  it('the untouched steps still pass, the summary counts the differences, and the reports show them', () => {
    expect(step('certificates ({})').outcome).toBe('pass');
    expect(step('close').outcome).toBe('pass');
    expect(step('duplicate merchantTradeNo').outcome).toBe('pass');
    const planted = report.steps.filter((s) => s.outcome === 'diff');
    // every v3 create answer (orders flow: 2, errors flow: 1) and every v1 query by prepayId (3) was altered
    expect(planted.map((s) => s.step).sort()).toEqual(
      ['certificates (empty body)', 'create for duplicate', 'create v3', 'create v3 to pay', 'query unknown order', 'query v1 (INITIAL)', 'query v1 (PAID)', 'query v1 order', 'query v2 (CANCELED)', 'query v2 (INITIAL)'].sort(),
    );
    expect(report.summary.withDifferences).toBe(planted.length);
    expect(report.summary.errors).toBe(planted.reduce((n, s) => n + s.differences.length, 0));
    expect(renderTable(report)).toContain('error: data.merchantId type: expected number (integer), got string');
    expect(renderMarkdown(report)).toContain('DIFF: error: data.checkoutUrl missing');
  });
});
