/**
 * The merchant dashboard in a real browser (chromium via playwright-core): sign in with the admin
 * token, find an order, read its timeline and ledger journal, redeliver its webhook to a local
 * receiver and see the new attempt; manage keys and webhook settings; sign out; a merchant's own
 * view; a phone screen. Each page is saved under test-artifacts/screenshots/.
 */
import type { BatchPayoutRequest, CreateOrderRequest } from '@binance-pay-server/sdk';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { tradeNo, v3OrderBody } from '../helpers/endpoints.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { createPayer } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';
import { describeBrowser, launchBrowser, PHONE, screenshot, widths, type TestBrowser } from './browser.ts';

describeBrowser('merchant dashboard', () => {
  let server: TestServer;
  let receiver: Receiver;
  let browser: TestBrowser;
  let page: Page;
  let shop: MerchantCredentials;
  let other: MerchantCredentials;
  const merchantTradeNo = tradeNo();
  let prepayId: string;
  let otherPrepayId: string;

  beforeAll(async () => {
    [server, receiver, browser] = await Promise.all([startTestServer('sqlite'), startReceiver(), launchBrowser()]);
    shop = await server.createMerchant({ name: 'Gelato Bros', webhookUrl: receiver.url });
    other = await server.createMerchant({ name: 'Other Shop' });
    const client = server.client(shop);
    prepayId = (await client.createOrder(v3OrderBody({ merchantTradeNo, orderAmount: '20', description: 'Family tub' }) as unknown as CreateOrderRequest)).prepayId;
    otherPrepayId = (await server.client(other).createOrder(v3OrderBody() as unknown as CreateOrderRequest)).prepayId;
    const payer = await createPayer(server, ['100:USDT']);
    await server.adminOk('POST', `/orders/${prepayId}/pay`, { payer: payer.binanceId });
    await client.refundOrder({ refundRequestId: `R${Date.now()}`, prepayId, refundAmount: '5', refundReason: 'melted' });
    await client.batchPayout({ requestId: `P${Date.now()}`, batchName: 'tips', currency: 'USDT', totalAmount: '1', totalNumber: 1, transferDetailList: [{ merchantSendId: 'S1', receiveType: 'BINANCE_ID', receiver: payer.binanceId, transferAmount: '1', transferMethod: 'FUNDING_WALLET' }] } as unknown as BatchPayoutRequest);
    // settle the refund and the payout, deliver their webhooks
    await server.built.workers.runAll();
    page = await browser.newPage();
  });
  afterEach(() => {
    expect(browser.takeErrors()).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
  });

  const at = (path: string) => `${server.baseUrl}${path}`;
  const heading = () => page.locator('main h1').first().textContent();

  it('signs in with the admin token (a wrong one is refused)', async () => {
    await page.goto(at('/dashboard/orders'));
    await page.waitForURL(/\/dashboard\/login\?next=/);
    await screenshot(page, 'dashboard-1-sign-in');
    await page.getByLabel('Admin token').fill('not the token');
    await page.getByRole('button', { name: 'Sign in as operator' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('Wrong admin token.');
    await page.getByLabel('Admin token').fill(server.adminToken);
    await page.getByRole('button', { name: 'Sign in as operator' }).click();
    await page.waitForURL(at('/dashboard/orders'));
    expect(await heading()).toBe('Orders');
    expect(await page.locator('#who').textContent()).toBe('Operator (admin token): all merchants');
    expect(await page.locator('#orders').textContent()).toContain(otherPrepayId);
    await screenshot(page, 'dashboard-2-orders');
  });

  it("finds the order by merchantTradeNo and shows its timeline and ledger journal", async () => {
    await page.getByLabel('merchantTradeNo').fill(merchantTradeNo);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/merchantTradeNo=/);
    const rows = page.locator('#orders tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('REFUNDED');
    await page.getByRole('link', { name: prepayId }).click();
    await page.waitForURL(at(`/dashboard/orders/${prepayId}`));
    expect(await heading()).toBe(`Order ${prepayId}`);
    const timeline = (await page.locator('#timeline').textContent()) ?? '';
    for (const step of ['Created: 20 USDT', 'Paid by payer', 'Refund', 'requested: 5 USDT (melted)', 'REFUND_SUCCESS', 'Webhook PAY PAY_SUCCESS', 'Webhook PAY_REFUND REFUND_SUCCESS']) expect(timeline).toContain(step);
    const journal = (await page.locator('#journal').textContent()) ?? '';
    expect(journal).toContain('PAYMENT');
    expect(journal).toContain('REFUND');
    expect(journal).toContain(`MERCHANT:${shop.merchantId}:FUNDING`);
    await screenshot(page, 'dashboard-3-order');
  });

  it('redelivers the PAY_SUCCESS webhook to the local receiver and shows the new attempt', async () => {
    const before = receiver.received.filter((r) => r.bizId === prepayId && r.body.includes('PAY_SUCCESS')).length;
    expect(before).toBe(1);
    await page.getByRole('link', { name: 'PAY PAY_SUCCESS' }).click();
    await page.waitForURL(/\/dashboard\/webhooks\/\d+$/);
    expect(await page.locator('#attempts tbody tr').count()).toBe(1);
    expect(await page.locator('#event-status').textContent()).toBe('DELIVERED');
    await page.getByRole('button', { name: 'Redeliver now' }).click();
    await page.waitForURL(/redelivered=2$/);
    expect(await page.getByRole('status').first().textContent()).toBe('Redelivered: attempt #2 recorded below.');
    const attempts = page.locator('#attempts tbody tr');
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(1).textContent()).toContain('MANUAL');
    expect(await attempts.nth(1).textContent()).toContain('SUCCESS');
    expect(await page.locator('#attempt-count').textContent()).toBe('2');
    expect(receiver.received.filter((r) => r.bizId === prepayId && r.body.includes('PAY_SUCCESS')).length).toBe(2);
    await screenshot(page, 'dashboard-4-webhook-redelivered');
  });

  it('shows refunds, payouts with details, balances, the event log and the audit log', async () => {
    for (const [path, title, shot, expected] of [
      ['/dashboard/refunds', 'Refunds', 'dashboard-5-refunds', 'melted'],
      ['/dashboard/payouts', 'Payouts', 'dashboard-6-payouts', 'tips'],
      ['/dashboard/balances', 'Balances', 'dashboard-8-balances', 'Gelato Bros'],
      ['/dashboard/webhooks', 'Webhook events', 'dashboard-9-webhooks', 'PAYOUT'],
    ] as const) {
      await page.goto(at(path));
      expect(await heading()).toBe(title);
      expect(await page.locator('main').textContent()).toContain(expected);
      expect(await page.locator('nav a[aria-current="page"]').textContent()).toBe(title === 'Webhook events' ? 'Webhook events' : title);
      await screenshot(page, shot);
    }
    await page.goto(at('/dashboard/payouts'));
    await page.locator('#payouts tbody a').first().click();
    await page.waitForURL(/\/dashboard\/payouts\/\d+$/);
    expect(await page.locator('#details').textContent()).toContain('SUCCESS');
    expect(await page.locator('#journal').textContent()).toContain('PAYOUT');
    await screenshot(page, 'dashboard-7-payout');
  });

  it('creates an API key (secret shown once), revokes it, changes webhook settings; the audit log records dashboard:admin', async () => {
    await page.goto(at('/dashboard/merchants'));
    await page.getByRole('link', { name: 'Gelato Bros' }).click();
    await page.waitForURL(at(`/dashboard/merchants/${shop.merchantId}`));
    await page.getByLabel('Label (optional)').fill('checkout backend');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const secret = (await page.locator('#new-api-secret').textContent()) ?? '';
    const apiKey = (await page.locator('#new-api-key').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(await page.locator('#new-key').textContent()).toContain('shown only this once');
    await screenshot(page, 'dashboard-10-key-created');
    // the new pair really signs API calls
    expect((await server.client({ merchantId: shop.merchantId, apiKey, apiSecret: secret }).queryOrder({ prepayId })).status).toBe('REFUNDED');

    await page.goto(at(`/dashboard/merchants/${shop.merchantId}`));
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('button', { name: `Revoke API key ${apiKey.slice(0, 8)}…` }).click();
    await page.waitForURL(/done=revoked/);
    expect(await page.getByRole('status').first().textContent()).toContain('API key revoked');

    await page.getByLabel('Send PAY_CLOSED notifications').uncheck();
    await page.getByRole('button', { name: 'Save webhook settings' }).click();
    await page.waitForURL(/done=saved/);
    expect(await page.getByLabel('Send PAY_CLOSED notifications').isChecked()).toBe(false);
    expect((await server.adminOk<{ payClosedNotify: boolean }>('GET', `/merchants/${shop.merchantId}`)).payClosedNotify).toBe(false);
    await screenshot(page, 'dashboard-11-merchant');

    await page.getByRole('link', { name: 'Audit log' }).click();
    const audit = (await page.locator('#audit').textContent()) ?? '';
    for (const action of ['apikey.create', 'apikey.revoke', 'merchant.update']) expect(audit).toContain(action);
    expect(audit).toContain('dashboard:admin');
    expect(audit).not.toContain(secret);
    await screenshot(page, 'dashboard-12-audit');
  });

  it('signs out: the dashboard asks for sign-in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/dashboard\/login\?signedOut=1$/);
    expect(await page.getByRole('status').textContent()).toBe('You are signed out.');
    await page.goto(at('/dashboard/orders'));
    await page.waitForURL(/\/dashboard\/login/);
  });

  it("a merchant signs in with its API key and secret and sees only its own data", async () => {
    await page.goto(at('/dashboard/login'));
    await page.getByLabel('API key').fill(shop.apiKey);
    await page.getByLabel('API secret').fill(shop.apiSecret);
    await page.getByRole('button', { name: 'Sign in as merchant' }).click();
    await page.waitForURL(at('/dashboard/orders'));
    expect(await page.locator('#who').textContent()).toBe(`Merchant Gelato Bros (${shop.merchantId})`);
    const orders = (await page.locator('#orders').textContent()) ?? '';
    expect(orders).toContain(prepayId);
    expect(orders).not.toContain(otherPrepayId);
    expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect(await page.locator('#f-merchantId').count()).toBe(0);
    await screenshot(page, 'dashboard-13-merchant-view');
    const response = await page.goto(at(`/dashboard/orders/${otherPrepayId}`));
    expect(response?.status()).toBe(404);
    await page.goto(at('/dashboard/orders'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/signedOut=1/);
  });

  it('works on a phone-sized screen: tables scroll inside their box, not the page', async () => {
    const phone = await browser.newPage(PHONE);
    try {
      await phone.goto(at('/dashboard/login'));
      await phone.getByLabel('Admin token').fill(server.adminToken);
      await phone.getByRole('button', { name: 'Sign in as operator' }).click();
      await phone.waitForURL(at('/dashboard/orders'));
      const w = await widths(phone);
      expect(w.scroll).toBeLessThanOrEqual(w.inner);
      await screenshot(phone, 'dashboard-14-phone-orders');
      await phone.goto(at(`/dashboard/orders/${prepayId}`));
      expect((await widths(phone)).scroll).toBeLessThanOrEqual(PHONE.width);
      await screenshot(phone, 'dashboard-15-phone-order');
    } finally {
      await phone.close();
    }
  });
});
