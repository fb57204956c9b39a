/**
 * Hosted checkout: the page behind checkoutUrl, the QR image behind qrcodeLink, and redirects for
 * qrContent and the universal/deep links (fact sheet §3.1), all on this server.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { formatAmount } from '../../lib/amount.ts';
import { checkoutView, type CheckoutView } from '../../services/checkout.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { escapeHtml, page } from './html.ts';

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).type('text/html; charset=utf-8').send(page('Order not found', '<main><h1>Order not found</h1><p>This payment link does not exist on this server.</p></main>'));
}

function orderPage(v: CheckoutView): string {
  const o = v.order;
  const amount = `${formatAmount(o.orderAmount).replace(/\.?0+$/, '')} ${o.currency}`;
  const fiat = o.fiatCurrency && o.fiatAmount !== null ? ` (${formatAmount(o.fiatAmount).replace(/\.?0+$/, '')} ${o.fiatCurrency})` : '';
  const goods = o.goods.map((g) => `<li>${escapeHtml(g.goodsName)}${g.goodsDetail ? ` — ${escapeHtml(g.goodsDetail)}` : ''}</li>`).join('');
  const body = `<main>
  <p class="merchant">${escapeHtml(v.merchantName)}</p>
  <h1><span id="amount">${escapeHtml(amount)}</span>${escapeHtml(fiat)}</h1>
  ${o.description ? `<p class="description">${escapeHtml(o.description)}</p>` : ''}
  ${goods ? `<ul class="goods">${goods}</ul>` : ''}
  <p>Status: <strong id="status" role="status">${escapeHtml(o.status)}</strong></p>
  <p>Expires: <time datetime="${new Date(o.expireTimeMs).toISOString()}">${new Date(o.expireTimeMs).toISOString()}</time></p>
  <img id="qr" src="${escapeHtml(v.urls.qrcodeLink)}" alt="QR code to pay this order" width="240" height="240">
  <p class="hint">Pay as a sandbox payer: <code>bpay pay ${escapeHtml(o.prepayId)} --payer &lt;binanceId&gt;</code></p>
  <p class="hint">Accepted currencies: ${escapeHtml(v.payableCurrencies.join(', '))}</p>
  <p class="hint">Order ${escapeHtml(o.prepayId)} · ${escapeHtml(o.merchantTradeNo)}</p>
</main>`;
  return page(`Pay ${amount} to ${v.merchantName}`, body);
}

export function checkoutPlugin(deps: ServiceDeps) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { linkToken: string } }>('/checkout/:linkToken', async (request, reply) => {
      const view = await checkoutView(deps, request.params.linkToken);
      if (!view) return notFound(reply);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(orderPage(view));
    });

    app.get<{ Params: { linkToken: string } }>('/checkout/:linkToken/qr.png', async (request, reply) => {
      const view = await checkoutView(deps, request.params.linkToken);
      if (!view) return notFound(reply);
      const png = await QRCode.toBuffer(view.urls.qrContent, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 320 });
      return reply.type('image/png').header('cache-control', 'public, max-age=3600').send(png);
    });

    // qrContent: what a phone camera opens
    app.get<{ Params: { code: string } }>('/qr/:code', async (request, reply) => {
      const token = request.params.code.startsWith('dplk') ? request.params.code.slice(4) : request.params.code;
      const view = await checkoutView(deps, token);
      if (!view) return notFound(reply);
      return reply.redirect(view.urls.checkoutUrl, 302);
    });

    // universal link (linkToken) and the deep link with its scheme swapped for http(s) (tempToken)
    app.get<{ Querystring: { linkToken?: string; tempToken?: string } }>('/payment/secpay', async (request, reply) => {
      const view = await checkoutView(deps, request.query.linkToken ?? request.query.tempToken ?? '');
      if (!view) return notFound(reply);
      return reply.redirect(view.urls.checkoutUrl, 302);
    });
  };
}
