/**
 * Hosted checkout on both dialects, through real HTTP (fact sheet §3.1 response links): the page
 * behind checkoutUrl, the QR image behind qrcodeLink (decoded), and the redirects of qrContent,
 * universalUrl and the deep link.
 */
import jsqrModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.ts';
import { v1OrderBody, v3OrderBody } from '../helpers/endpoints.ts';
import { startTestServer, type MerchantCredentials, type TestServer } from '../helpers/server.ts';

interface CreateData {
  prepayId: string;
  qrcodeLink: string;
  qrContent: string;
  checkoutUrl: string;
  deeplink: string;
  universalUrl: string;
}

// jsqr is CommonJS with `exports.default`: under NodeNext its default import is the exports object
const jsQR = jsqrModule.default;

const MERCHANT_NAME = 'Gelato <b>Bros</b> & "Sons"';

describeEachDialect('hosted checkout', (dialect) => {
  let server: TestServer;
  let merchant: MerchantCredentials;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    merchant = await server.createMerchant({ name: MERCHANT_NAME });
  });
  afterAll(async () => server?.close());

  const create = (overrides: Record<string, unknown> = {}, path = '/binancepay/openapi/v3/order', body = v3OrderBody(overrides)) => server.client(merchant).call<CreateData>(path, body);

  const page = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, type: res.headers.get('content-type') ?? '', cache: res.headers.get('cache-control'), html: await res.text() };
  };

  /** The text of the element with this id (one line, no markup inside). */
  const byId = (html: string, id: string) => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];

  describe('the page behind checkoutUrl', () => {
    it('answers 200 text/html with merchant name, amount, currency, description and status', async () => {
      const o = await create({ orderAmount: '10.50000000', description: 'Two scoops of pistachio' });
      const p = await page(o.checkoutUrl);
      expect(p.status).toBe(200);
      expect(p.type).toMatch(/^text\/html/);
      expect(p.cache).toBe('no-store');
      expect(p.html).toMatch(/^<!doctype html>/i);
      expect(p.html).toContain('Gelato &lt;b&gt;Bros&lt;/b&gt; &amp; &quot;Sons&quot;');
      expect(p.html).not.toContain(MERCHANT_NAME);
      expect(byId(p.html, 'amount')).toBe('10.5 USDT');
      expect(p.html).toContain('Two scoops of pistachio');
      expect(byId(p.html, 'status')).toBe('INITIAL');
      expect(p.html).toContain(o.prepayId);
      expect(p.html).toContain(`src="${o.qrcodeLink}"`);
    });

    it('shows the fiat amount of a fiat order', async () => {
      const o = await create({ currency: undefined, orderAmount: undefined, fiatCurrency: 'HKD', fiatAmount: '100' });
      const p = await page(o.checkoutUrl);
      expect(byId(p.html, 'amount')).toBe('12.8 USDT');
      expect(p.html).toContain('100 HKD');
    });

    it('shows a v1 order (no description, no goods list)', async () => {
      const o = await create({}, '/binancepay/openapi/order', v1OrderBody({ totalFee: '3' }));
      const p = await page(o.checkoutUrl);
      expect(p.status).toBe(200);
      expect(byId(p.html, 'amount')).toBe('3 USDT');
      expect(byId(p.html, 'status')).toBe('INITIAL');
    });

    it('escapes HTML in description and goods', async () => {
      const o = await create({
        description: '<script>alert("description")</script>',
        goodsDetails: [
          { goodsType: '01', goodsCategory: 'D000', referenceGoodsId: 'S1', goodsName: '<script>alert(1)</script>', goodsDetail: '<img src=x onerror=alert(2)>' },
          { goodsType: '02', goodsCategory: 'Z000', referenceGoodsId: 'S2', goodsName: "Tom & Jerry's </li></ul><h1>" },
        ],
      });
      const p = await page(o.checkoutUrl);
      expect(p.status).toBe(200);
      // the only scripts are the page's own: its JSON data and its nonce-allowed code
      const scripts = [...p.html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
      expect(scripts).toHaveLength(2);
      expect(scripts[0]).toBe('<script type="application/json" id="checkout-data">');
      expect(scripts[1]).toMatch(/^<script nonce="[A-Za-z0-9+/=]{24}">$/);
      expect(p.html).not.toMatch(/<script>alert/i);
      expect(p.html).not.toContain('<img src=x');
      expect(p.html).not.toContain('</li></ul><h1>');
      expect(p.html).toContain('&lt;script&gt;alert(&quot;description&quot;)&lt;/script&gt;');
      expect(p.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(p.html).toContain('&lt;img src=x onerror=alert(2)&gt;');
      expect(p.html).toContain('Tom &amp; Jerry&#39;s &lt;/li&gt;&lt;/ul&gt;&lt;h1&gt;');
    });

    it('shows PAID after paying, CANCELED after closing', async () => {
      const payer = await server.adminOk<{ binanceId: string }>('POST', '/payers', { fund: ['100:USDT'] });
      const paid = await create({ orderAmount: '1' });
      await server.adminOk('POST', `/orders/${paid.prepayId}/pay`, { payer: payer.binanceId });
      expect(byId((await page(paid.checkoutUrl)).html, 'status')).toBe('PAID');
      const closed = await create();
      await server.client(merchant).closeOrder({ prepayId: closed.prepayId });
      expect(byId((await page(closed.checkoutUrl)).html, 'status')).toBe('CANCELED');
    });
  });

  describe('the QR image behind qrcodeLink', () => {
    it('is image/png and decodes to exactly qrContent', async () => {
      const o = await create();
      const res = await fetch(o.qrcodeLink);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
      const decoded = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
      expect(decoded, 'the PNG must hold a readable QR code').not.toBeNull();
      expect(decoded?.data).toBe(o.qrContent);
    });
  });

  describe('links that lead to the checkout page', () => {
    const redirectOf = async (url: string) => {
      const res = await fetch(url, { redirect: 'manual' });
      return { status: res.status, location: res.headers.get('location') };
    };

    it('qrContent, universalUrl and the deep link (bnc:// → http://) all 302 to checkoutUrl', async () => {
      const o = await create();
      expect(o.deeplink.startsWith('bnc://')).toBe(true);
      for (const url of [o.qrContent, o.universalUrl, o.deeplink.replace(/^bnc:\/\//, 'http://')]) {
        expect(await redirectOf(url), url).toEqual({ status: 302, location: o.checkoutUrl });
      }
      // and following it lands on the page
      const followed = await fetch(o.qrContent);
      expect(followed.status).toBe(200);
      expect(followed.url).toBe(o.checkoutUrl);
    });

    it('the deep link has its own tempToken and returnLink (the returnUrl, else the checkout page); a link token is no tempToken', async () => {
      const plain = await create();
      const withReturn = await create({ returnUrl: 'https://shop.example/thanks?order=1' });
      const tokenOf = (o: typeof plain) => new URL(o.deeplink.replace(/^bnc:\/\//, 'http://')).searchParams.get('tempToken') ?? '';
      const linkOf = (o: typeof plain) => new URL(o.checkoutUrl).pathname.split('/')[2] ?? '';
      for (const o of [plain, withReturn]) {
        expect(tokenOf(o)).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(tokenOf(o)).toMatch(/[A-Z]/);
        expect(tokenOf(o)).not.toBe(linkOf(o));
      }
      expect(tokenOf(plain)).not.toBe(tokenOf(withReturn));
      expect(plain.deeplink.endsWith(`&returnLink=${plain.checkoutUrl}`)).toBe(true);
      expect(withReturn.deeplink.endsWith('&returnLink=https://shop.example/thanks?order=1')).toBe(true);
      // the tempToken leads to its own order; the link token in its place, or a changed tempToken, does not
      expect(await redirectOf(`${server.baseUrl}/payment/secpay?tempToken=${tokenOf(withReturn)}`)).toEqual({ status: 302, location: withReturn.checkoutUrl });
      const altered = tokenOf(plain).slice(0, 31) + (tokenOf(plain).endsWith('A') ? 'B' : 'A');
      for (const token of [linkOf(plain), altered, 'A'.repeat(32)]) {
        const res = await fetch(`${server.baseUrl}/payment/secpay?tempToken=${token}`, { redirect: 'manual' });
        expect(res.status, token).toBe(404);
        await res.arrayBuffer();
      }
    });

    it('universalUrl with universalUrlAttach still redirects', async () => {
      const o = await create({ universalUrlAttach: 'countryCode=1&phone=1234567' });
      expect(await redirectOf(o.universalUrl)).toEqual({ status: 302, location: o.checkoutUrl });
    });

    it('unknown tokens → 404', async () => {
      const unknown = 'ab'.repeat(16);
      const base = server.baseUrl;
      for (const url of [`${base}/checkout/${unknown}`, `${base}/checkout/${unknown}/qr.png`, `${base}/qr/dplk${unknown}`, `${base}/payment/secpay?linkToken=${unknown}`, `${base}/payment/secpay?tempToken=${unknown}`, `${base}/payment/secpay`, `${base}/checkout/not-a-token`, `${base}/checkout/${unknown.toUpperCase()}`]) {
        const res = await fetch(url, { redirect: 'manual' });
        expect(res.status, url).toBe(404);
        await res.arrayBuffer();
      }
      const p = await page(`${base}/checkout/${unknown}`);
      expect(p.type).toMatch(/^text\/html/);
    });
  });
});
