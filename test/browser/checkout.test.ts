/**
 * The hosted checkout in a real browser (chromium via playwright-core): an order made with the SDK's
 * createOrder, opened at its checkoutUrl (and through qrContent and the links), paid by a sandbox
 * payer, cancelled, expired by sandbox time control, refused for lack of funds, on a phone screen.
 * Each page is saved under test-artifacts/screenshots/.
 */
import type { CreateOrderRequest, CreateOrderResult } from '@binance-pay-server/sdk';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { v3OrderBody } from '../helpers/endpoints.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { createPayer, payerAvailable } from '../helpers/sandbox.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';
import { describeBrowser, launchBrowser, PHONE, screenshot, widths, type TestBrowser } from './browser.ts';

const SHOP_PAGE = '<!doctype html><html lang="en"><head><title>Gelato Shop</title></head><body><h1>Back at the shop</h1></body></html>';

describeBrowser('hosted checkout', () => {
  let server: TestServer;
  let merchant: MerchantCredentials;
  let shop: Receiver;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    [server, shop, browser] = await Promise.all([
      startTestServer('sqlite'),
      // the merchant's site: returnUrl and cancelUrl land here
      startReceiver(() => ({ status: 200, body: SHOP_PAGE, contentType: 'text/html; charset=utf-8' }), '/shop'),
      launchBrowser(),
    ]);
    merchant = await server.createMerchant({ name: 'Gelato Bros' });
    page = await browser.newPage();
  });
  afterEach(() => {
    // no CSP violation, no script error on any page
    expect(browser.takeErrors()).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await shop?.close();
  });

  const shopUrl = (path: string) => shop.url.replace(/\/shop$/, path);
  const createOrder = (overrides: Record<string, unknown> = {}): Promise<CreateOrderResult> =>
    server.client(merchant).createOrder(v3OrderBody({ description: 'Two scoops of pistachio', ...overrides }) as unknown as CreateOrderRequest);
  const queryStatus = async (prepayId: string) => (await server.client(merchant).queryOrder({ prepayId })).status;
  const statusText = (p: Page = page) => p.locator('#status').textContent();

  it('pays as a new sandbox payer, shows PAID, returns to returnUrl; the query API says PAID', async () => {
    const order = await createOrder({ orderAmount: '12.5', returnUrl: shopUrl('/thanks?order=1'), cancelUrl: shopUrl('/cart') });
    await page.goto(order.checkoutUrl);
    await expect.poll(() => page.locator('#countdown').textContent()).toMatch(/^(59|60):\d\d$/);
    expect(await page.title()).toBe('Pay 12.5 USDT to Gelato Bros');
    expect(await page.locator('#merchant').textContent()).toBe('Gelato Bros');
    expect(await page.locator('#amount').textContent()).toBe('12.5 USDT');
    expect(await page.getByText('Two scoops of pistachio').isVisible()).toBe(true);
    expect(await statusText()).toBe('INITIAL');
    expect(await page.locator('#status-message').textContent()).toBe('Waiting for payment.');
    // the QR image loaded (it decodes to qrContent: test/http/checkout.test.ts)
    expect(await page.evaluate<boolean>("(() => { const img = document.getElementById('qr'); return img.complete && img.naturalWidth > 0; })()")).toBe(true);
    expect(await page.getByRole('img', { name: /QR code/ }).count()).toBe(1);
    await screenshot(page, 'checkout-1-open');

    await page.getByRole('button', { name: 'Create a funded sandbox payer' }).click();
    await page.locator('#pay-form').waitFor({ state: 'visible' });
    expect(await page.locator('#payer-name').textContent()).toMatch(/^\d{9}$/);
    const usdt = page.getByRole('radio', { name: /12\.5 USDT/ });
    expect(await usdt.isChecked()).toBe(true);
    expect(await page.locator('#pay-button').textContent()).toBe('Pay 12.5 USDT');
    await screenshot(page, 'checkout-2-signed-in');

    await page.getByRole('button', { name: 'Pay 12.5 USDT' }).click();
    await expect.poll(() => statusText()).toBe('PAID');
    expect(await page.locator('#status-message').textContent()).toBe('Paid. Thank you!');
    expect(await page.locator('#done-message').textContent()).toContain('Returning you to the merchant');
    await screenshot(page, 'checkout-3-paid');
    await page.waitForURL(shopUrl('/thanks?order=1'));
    expect(await page.locator('h1').textContent()).toBe('Back at the shop');
    expect(shop.received.some((r) => r.method === 'GET' && r.path === '/thanks?order=1')).toBe(true);
    expect(await queryStatus(order.prepayId)).toBe('PAID');
  });

  it('signs in by email; insufficient balance is shown clearly and nothing is paid', async () => {
    const email = `short.${Date.now()}@example.com`;
    const payer = await createPayer(server, ['1:USDT'], email);
    const order = await createOrder({ orderAmount: '10.5', supportPayCurrency: 'USDT' });
    await page.goto(order.checkoutUrl);
    await page.getByLabel('Binance ID or email').fill(email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#pay-form').waitFor({ state: 'visible' });
    expect(await page.locator('#payer-name').textContent()).toBe(`${payer.binanceId} (${email})`);
    expect(await page.locator('#currencies').textContent()).toContain('insufficient balance');
    await page.getByRole('button', { name: 'Pay 10.5 USDT' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('Insufficient balance.');
    expect(await alert.textContent()).toContain('1.00000000 USDT available');
    expect(await statusText()).toBe('INITIAL');
    await screenshot(page, 'checkout-4-insufficient-balance');
    expect(await queryStatus(order.prepayId)).toBe('INITIAL');
    expect(await payerAvailable(server, payer.binanceId, 'USDT')).toBe('1.00000000');
  });

  it('an unknown payer is told so', async () => {
    const order = await createOrder();
    await page.goto(order.checkoutUrl);
    await page.getByLabel('Binance ID or email').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('No sandbox payer has the Binance ID or email');
    expect(await page.locator('#signed-out').isVisible()).toBe(true);
  });

  it('cancel goes to cancelUrl and leaves the order open', async () => {
    const order = await createOrder({ returnUrl: shopUrl('/thanks'), cancelUrl: shopUrl('/cart?cancelled=1') });
    await page.goto(order.checkoutUrl);
    await page.getByRole('button', { name: 'Cancel payment' }).click();
    await page.waitForURL(shopUrl('/cart?cancelled=1'));
    expect(await queryStatus(order.prepayId)).toBe('INITIAL');
  });

  it('cancel without cancelUrl says the order stays open, and one can come back to pay', async () => {
    const payer = await createPayer(server, ['100:USDT']);
    const order = await createOrder({ orderAmount: '2' });
    await page.goto(order.checkoutUrl);
    await page.getByLabel('Binance ID or email').fill(payer.binanceId);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#pay-form').waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Cancel payment' }).click();
    await page.locator('#done').waitFor({ state: 'visible' });
    expect(await page.locator('#done-title').textContent()).toBe('Payment cancelled');
    expect(await page.locator('#done-message').textContent()).toContain('The order stays open until it expires');
    expect(await page.locator('#pay-panel').isVisible()).toBe(false);
    await screenshot(page, 'checkout-5-cancelled');
    await page.getByRole('button', { name: 'Back to payment' }).click();
    // cancelling signed the payer out
    await page.locator('#signed-out').waitFor({ state: 'visible' });
    expect(await queryStatus(order.prepayId)).toBe('INITIAL');
  });

  it('expires without a reload when sandbox time moves past expireTime; paying is disabled', async () => {
    const payer = await createPayer(server, ['100:USDT']);
    const order = await createOrder({ orderExpireTime: Date.now() + 5 * 60_000, cancelUrl: shopUrl('/cart') });
    await page.goto(order.checkoutUrl);
    await expect.poll(() => page.locator('#countdown').textContent()).toMatch(/^0[45]:\d\d$/);
    await page.getByLabel('Binance ID or email').fill(payer.binanceId);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#pay-button').waitFor({ state: 'visible' });
    expect(await page.locator('#pay-button').isEnabled()).toBe(true);

    server.built.businessClock.advance(5 * 60_000 + 1_000);
    await expect.poll(() => statusText(), { timeout: 5_000 }).toBe('EXPIRED');
    expect(await page.locator('#status-message').textContent()).toBe('This order expired. It can no longer be paid.');
    expect(await page.locator('#countdown').textContent()).toBe('00:00');
    expect(await page.locator('#pay-button').isDisabled()).toBe(true);
    expect(await page.locator('#pay-button').isVisible()).toBe(false);
    expect(await page.locator('#done-title').textContent()).toBe('This order cannot be paid');
    // the way back is the merchant's cancelUrl
    expect(await page.locator('#return-link').getAttribute('href')).toBe(shopUrl('/cart'));
    await screenshot(page, 'checkout-6-expired');
    expect(await queryStatus(order.prepayId)).toBe('EXPIRED');
  });

  it('follows a payment made elsewhere (the app, the CLI) and a merchant close without a reload', async () => {
    const payer = await createPayer(server, ['100:USDT']);
    const paidElsewhere = await createOrder({ orderAmount: '3', returnUrl: shopUrl('/thanks?elsewhere=1') });
    await page.goto(paidElsewhere.checkoutUrl);
    expect(await statusText()).toBe('INITIAL');
    await server.adminOk('POST', `/orders/${paidElsewhere.prepayId}/pay`, { payer: payer.binanceId });
    // the page polls every second: give the poll more than one round (under load a round runs late)
    await expect.poll(() => statusText(), { timeout: 5_000 }).toBe('PAID');
    // like Binance's checkout after an in-app payment: back to the merchant
    await page.waitForURL(shopUrl('/thanks?elsewhere=1'));

    const closed = await createOrder();
    await page.goto(closed.checkoutUrl);
    await server.client(merchant).closeOrder({ prepayId: closed.prepayId });
    await expect.poll(() => statusText(), { timeout: 5_000 }).toBe('CANCELED');
    expect(await page.locator('#status-message').textContent()).toBe('The merchant closed this order. It can no longer be paid.');
    await screenshot(page, 'checkout-7-closed-by-merchant');
  });

  it('qrContent, the universal link and the deep link (bnc:// → http://) open the same page', async () => {
    const order = await createOrder();
    for (const url of [order.qrContent, order.universalUrl, order.deeplink.replace(/^bnc:\/\//, 'http://')]) {
      await page.goto(url);
      expect(page.url(), url).toBe(order.checkoutUrl);
      expect(await statusText()).toBe('INITIAL');
    }
  });

  it('works on a phone-sized screen: no sideways scrolling, QR and actions in reach', async () => {
    const phone = await browser.newPage(PHONE);
    try {
      const order = await createOrder({ orderAmount: '1234.56789', goodsDetails: [{ goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'S1', goodsName: 'A very long product name that must wrap nicely on a small phone screen', goodsQuantity: '2' }] });
      await phone.goto(order.checkoutUrl);
      await phone.locator('#create-payer').waitFor({ state: 'visible' });
      const w = await widths(phone);
      expect(w.scroll).toBeLessThanOrEqual(w.inner);
      const qr = await phone.locator('#qr').boundingBox();
      expect(qr?.width).toBeGreaterThanOrEqual(200);
      expect((qr?.x ?? 0) + (qr?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
      const button = await phone.locator('#create-payer').boundingBox();
      expect(button?.height).toBeGreaterThanOrEqual(44);
      await screenshot(phone, 'checkout-8-phone');
      await phone.locator('#create-payer').click();
      await phone.locator('#pay-button').waitFor({ state: 'visible' });
      await phone.locator('#pay-button').click();
      await expect.poll(() => phone.locator('#status').textContent()).toBe('PAID');
      expect((await widths(phone)).scroll).toBeLessThanOrEqual(PHONE.width);
      await screenshot(phone, 'checkout-9-phone-paid');
      // and in dark mode
      await phone.emulateMedia({ colorScheme: 'dark' });
      await phone.reload();
      expect(await phone.locator('#status').textContent()).toBe('PAID');
      await screenshot(phone, 'checkout-10-phone-dark');
    } finally {
      await phone.close();
    }
  });
});
