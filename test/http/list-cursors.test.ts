/**
 * Every paged list route, admin API and dashboard, on both databases: a cursor or id filter beyond
 * what its column holds (2^63, twenty digits, 1e30), negative or not a number is a 400 naming the
 * parameter, never a 500; the largest value that fits pages normally. One shared parser
 * (src/http/shared/cursors.ts) answers for all of them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { paidOrder } from '../helpers/endpoints.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { WebClient } from '../helpers/web.ts';

const INT64_MAX = '9223372036854775807';
const BAD = ['9223372036854775808', '99999999999999999999', '1e30', '-1', 'abc', '1.5'];

/** Route, parameter, and the largest value it takes. */
const ADMIN_ROUTES: Array<[string, string, string]> = [
  ['/merchants', 'after', String(Number.MAX_SAFE_INTEGER)],
  ['/audit', 'before', INT64_MAX],
  ['/audit', 'merchantId', String(Number.MAX_SAFE_INTEGER)],
  ['/orders', 'before', String(Number.MAX_SAFE_INTEGER)],
  ['/orders', 'merchantId', String(Number.MAX_SAFE_INTEGER)],
  ['/webhooks', 'before', INT64_MAX],
  ['/webhooks', 'merchantId', String(Number.MAX_SAFE_INTEGER)],
  ['/refunds', 'merchantId', String(Number.MAX_SAFE_INTEGER)],
  ['/payouts', 'merchantId', String(Number.MAX_SAFE_INTEGER)],
  ['/payers', 'after', '999999999999999999'],
];
const DASHBOARD_ROUTES: Array<[string, string, string]> = [
  ['/dashboard/orders', 'before', String(Number.MAX_SAFE_INTEGER)],
  ['/dashboard/webhooks', 'before', INT64_MAX],
  ['/dashboard/webhooks', 'prepayId', INT64_MAX],
  ['/dashboard/audit', 'before', INT64_MAX],
  ['/dashboard/audit', 'merchantId', String(Number.MAX_SAFE_INTEGER)],
];

describeEachDialect('list cursors', (dialect) => {
  let server: TestServer;
  let dashboard: WebClient;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    await paidOrder(server, await server.createMerchant(), '1');
    dashboard = new WebClient(server.baseUrl);
    expect((await dashboard.postForm('/dashboard/login', { mode: 'admin', adminToken: server.adminToken, next: '/dashboard/orders' })).status).toBe(303);
  });
  afterAll(async () => server?.close());

  it('admin API: out-of-range cursors and ids are 900400 naming the parameter; the largest that fits pages', async () => {
    for (const [path, parameter, largest] of ADMIN_ROUTES) {
      for (const value of BAD) {
        const r = await server.admin('GET', `${path}?${parameter}=${encodeURIComponent(value)}`);
        expect([r.httpStatus, r.body.code], `${path}?${parameter}=${value}`).toEqual([400, '900400']);
        expect(r.body.errorMessage, `${path}?${parameter}=${value}`).toContain(parameter);
      }
      const ok = await server.admin('GET', `${path}?${parameter}=${largest}`);
      expect([ok.httpStatus, ok.body.status], `${path}?${parameter}=${largest}`).toEqual([200, 'SUCCESS']);
    }
  });

  it('admin API: a route parameter id beyond what fits is a 400 too', async () => {
    for (const path of ['/merchants/9223372036854775808', '/merchants/1e30/keys', '/merchants/99999999999999999999/balances']) {
      expect((await server.admin('GET', path)).httpStatus, path).toBe(400);
    }
  });

  it('dashboard: the same values are a 400, a blank one is no filter, the largest that fits pages', async () => {
    for (const [path, parameter, largest] of DASHBOARD_ROUTES) {
      for (const value of BAD) {
        const r = await dashboard.get(`${path}?${parameter}=${encodeURIComponent(value)}`);
        expect(r.status, `${path}?${parameter}=${value}`).toBe(400);
      }
      expect((await dashboard.get(`${path}?${parameter}=`)).status, `${path}?${parameter}=`).toBe(200);
      expect((await dashboard.get(`${path}?${parameter}=${largest}`)).status, `${path}?${parameter}=${largest}`).toBe(200);
    }
  });
});
