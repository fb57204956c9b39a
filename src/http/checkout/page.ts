/**
 * The checkout page behind checkoutUrl: server-rendered HTML that reads well without scripts, and
 * one small inline script (nonce-allowed by the CSP) that keeps the state live — it polls
 * `<checkoutUrl>/state` every second, runs the countdown on the server's business clock, and drives
 * the sandbox payer's sign-in, payment and cancel through the JSON endpoints of ./plugin.ts.
 */
import { formatAmountTrimmed } from '../../lib/amount.ts';
import type { CheckoutView } from '../../services/checkout.ts';
import { documentStart, escapeHtml } from './html.ts';
import { BASE_STYLE } from './style.ts';
import { jsonForScript } from './web.ts';

const CHECKOUT_STYLE = `
main { max-width: 30rem; margin: 0 auto; padding: 1rem; }
.card { background: var(--card); border-radius: 16px; box-shadow: 0 1px 4px #0002; padding: 1.25rem; margin-bottom: 1rem; }
.top { display: flex; align-items: center; justify-content: space-between; gap: .5rem; }
.merchant { font-weight: 600; margin: 0; overflow-wrap: anywhere; }
h1 { font-size: 2rem; margin: .5rem 0 .25rem; overflow-wrap: anywhere; }
.fiat { margin: 0; color: var(--muted); }
.goods { padding-left: 1.2rem; margin: .5rem 0; }
.state p { margin: .35rem 0; }
#countdown { font-variant-numeric: tabular-nums; font-weight: 700; }
.qr { margin: .5rem 0 0; text-align: center; }
.qr img { display: block; margin: 0 auto; width: 220px; height: 220px; max-width: 100%; image-rendering: pixelated; background: #fff; border-radius: 8px; }
.qr figcaption { font-size: .875rem; color: var(--muted); margin-top: .4rem; }
form { margin: .5rem 0; }
.row { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.row input { flex: 1 1 12rem; }
fieldset { border: 1px solid var(--line); border-radius: 8px; margin: .75rem 0; padding: .5rem .75rem; }
legend { font-weight: 600; padding: 0 .25rem; }
.option { display: grid; grid-template-columns: auto 1fr; column-gap: .7rem; align-items: center; padding: .45rem 0; min-height: 44px; font-weight: 400; border-top: 1px solid var(--line); }
.option:first-child { border-top: none; }
.option input { grid-row: span 2; min-height: 0; width: 1.2rem; height: 1.2rem; margin: 0; }
.option .amount { font-weight: 600; white-space: nowrap; }
.option .meta { font-size: .85rem; color: var(--muted); }
.option .short { color: var(--bad); font-weight: 600; }
.actions { display: flex; flex-direction: column; gap: .5rem; margin-top: .75rem; }
.actions button { width: 100%; }
.or { text-align: center; margin: .5rem 0; color: var(--muted); }
details { margin-top: .5rem; }
details dd { margin: 0 0 .5rem; }
`;

function trimmed(amount: bigint): string {
  return formatAmountTrimmed(amount);
}

export interface CheckoutPageInput {
  view: CheckoutView;
  /** the initial state, exactly what GET <checkoutUrl>/state answers */
  state: unknown;
  nonce: string;
  basePath: string;
}

export function checkoutPage({ view, state, nonce, basePath }: CheckoutPageInput): string {
  const o = view.order;
  const amount = `${trimmed(o.orderAmount)} ${o.currency}`;
  const fiat = o.fiatCurrency && o.fiatAmount !== null ? `${trimmed(o.fiatAmount)} ${o.fiatCurrency}` : '';
  const goods = o.goods.map((g) => `<li>${escapeHtml(g.goodsName)}${g.goodsDetail ? ` — ${escapeHtml(g.goodsDetail)}` : ''}${g.goodsQuantity ? ` × ${escapeHtml(g.goodsQuantity)}` : ''}</li>`).join('');
  const expireIso = new Date(o.expireTimeMs).toISOString();
  const title = `Pay ${amount} to ${view.merchantName}`;
  const deepAsHttp = view.urls.deeplink.replace(/^bnc:\/\//, new URL(view.urls.checkoutUrl).protocol + '//');
  return `${documentStart(title, BASE_STYLE + CHECKOUT_STYLE, nonce)}
<body>
<main>
<section class="card" aria-labelledby="pay-title">
  <div class="top">
    <p class="merchant" id="merchant">${escapeHtml(view.merchantName)}</p>
    <span class="badge" title="binance-pay-server: no real money moves">Sandbox</span>
  </div>
  <h1 id="pay-title"><span class="visually-hidden">Pay </span><span id="amount">${escapeHtml(amount)}</span></h1>
  ${fiat ? `<p class="fiat">(<span id="fiat">${escapeHtml(fiat)}</span>)</p>` : ''}
  ${o.description ? `<p class="description">${escapeHtml(o.description)}</p>` : ''}
  ${goods ? `<ul class="goods" aria-label="Goods">${goods}</ul>` : ''}
  <div class="state">
    <p>Status: <strong id="status" class="pill" data-status="${escapeHtml(o.status)}">${escapeHtml(o.status)}</strong></p>
    <p id="status-message" role="status" aria-live="polite" aria-atomic="true"></p>
    <p id="expiry"><span id="expiry-label">Expires in</span> <span id="countdown" role="timer" aria-live="off">--:--</span> <span class="hint">(<time datetime="${expireIso}">${expireIso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time>)</span></p>
  </div>
</section>

<section class="card" id="pay-panel" aria-labelledby="payer-title">
  <figure class="qr">
    <img id="qr" src="${escapeHtml(view.urls.qrcodeLink)}" alt="QR code of this payment: scan it with the Binance app" width="220" height="220">
    <figcaption>Scan with the Binance app, or pay here as a sandbox payer.</figcaption>
  </figure>
  <h2 id="payer-title">Pay as a sandbox payer</h2>
  <div id="error" class="alert" role="alert"></div>
  <noscript><p>Paying on this page needs JavaScript. Without it: <code>bpay pay ${escapeHtml(o.prepayId)} --payer &lt;binanceId&gt;</code></p></noscript>
  <div id="signed-out" hidden>
    <form id="signin-form" novalidate>
      <label for="payer-id">Binance ID or email</label>
      <div class="row">
        <input id="payer-id" name="payer" autocomplete="username" autocapitalize="off" spellcheck="false" required aria-describedby="payer-id-hint">
        <button type="submit" id="signin-button">Sign in</button>
      </div>
      <p class="hint" id="payer-id-hint">A simulated Binance user of this server (<code>bpay payer create</code>). Sandbox payers have no password.</p>
    </form>
    <p class="or">or</p>
    <button type="button" id="create-payer" class="primary" aria-describedby="create-payer-hint">Create a funded sandbox payer</button>
    <p class="hint" id="create-payer-hint">Sandbox only: creates a new simulated Binance user with 10 000 USDT, 1 000 USDC, 50 BNB and 1 BTC (and twice this order in its currency), then signs you in.</p>
  </div>
  <form id="pay-form" hidden novalidate>
    <p id="payer-info">Paying as <strong id="payer-name"></strong> <button type="button" id="switch-payer" class="link">Switch payer</button></p>
    <fieldset>
      <legend>Pay with</legend>
      <div id="currencies"></div>
    </fieldset>
    <div class="actions">
      <button type="submit" id="pay-button" class="primary">Pay</button>
    </div>
  </form>
  <div class="actions">
    <button type="button" id="cancel-button">Cancel payment</button>
  </div>
</section>

<section class="card" id="done" hidden aria-labelledby="done-title">
  <h2 id="done-title">Payment</h2>
  <p id="done-message"></p>
  <p><a id="return-link" class="button primary" hidden>Return to the merchant</a></p>
  <p><button type="button" id="back-button" hidden>Back to payment</button></p>
</section>

<section class="card">
  <details>
    <summary>Payment links</summary>
    <dl>
      <dt>QR content</dt><dd><code id="qr-content">${escapeHtml(view.urls.qrContent)}</code></dd>
      <dt>Universal link</dt><dd><a href="${escapeHtml(view.urls.universalUrl)}"><code>${escapeHtml(view.urls.universalUrl)}</code></a></dd>
      <dt>Deep link</dt><dd><code>${escapeHtml(view.urls.deeplink)}</code><br><span class="hint">No app handles <code>bnc://</code> for this server: in a browser, <a href="${escapeHtml(deepAsHttp)}">open it over http(s)</a>.</span></dd>
      <dt>CLI</dt><dd><code>bpay pay ${escapeHtml(o.prepayId)} --payer &lt;binanceId&gt;</code></dd>
    </dl>
  </details>
  <p class="hint">Order ${escapeHtml(o.prepayId)} · ${escapeHtml(o.merchantTradeNo)} · accepted: ${escapeHtml(view.payableCurrencies.join(', '))}</p>
</section>
</main>
<script type="application/json" id="checkout-data">${jsonForScript({ base: basePath, state })}</script>
<script nonce="${nonce}">${CHECKOUT_SCRIPT}</script>
</body>
</html>`;
}

/** The page's behaviour; plain ES2020, no build step. */
const CHECKOUT_SCRIPT = `
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const boot = JSON.parse($('checkout-data').textContent);
  const base = boot.base;
  let state = boot.state;
  let offsetMs = state.serverTime - Date.now();
  let wasOpen = state.open;
  let busy = false;
  let cancelled = false;
  let leaving = false;
  let pollTimer = 0;

  const MESSAGES = {
    INITIAL: 'Waiting for payment.',
    PENDING: 'Payment in progress.',
    PAID: 'Paid. Thank you!',
    CANCELED: 'The merchant closed this order. It can no longer be paid.',
    EXPIRED: 'This order expired. It can no longer be paid.',
    ERROR: 'The payment failed. This order can no longer be paid.',
    REFUNDING: 'Paid; a refund is in progress.',
    REFUNDED: 'Paid, then partly refunded.',
    FULL_REFUNDED: 'Paid, then fully refunded.',
  };

  async function api(method, path, body) {
    const init = { method, credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } };
    if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    const res = await fetch(base + path, init);
    let json = {};
    try { json = await res.json(); } catch (_e) { /* not JSON */ }
    if (!res.ok || json.status !== 'SUCCESS') {
      const error = new Error(json.errorMessage || ('The server answered HTTP ' + res.status + '.'));
      error.code = json.code;
      error.data = json.data;
      throw error;
    }
    return json.data;
  }

  function showError(text) { $('error').textContent = text || ''; }

  function remainingText(ms) {
    if (ms <= 0) return '00:00';
    const s = Math.floor(ms / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const two = (n) => String(n).padStart(2, '0');
    return (h > 0 ? h + ':' + two(m) : two(m)) + ':' + two(sec);
  }

  function tick() {
    const remaining = state.expireTime - (Date.now() + offsetMs);
    $('countdown').textContent = remainingText(state.open ? remaining : 0);
    if (state.open && remaining <= 0 && !busy) poll();
  }

  function renderOptions() {
    const box = $('currencies');
    const previous = (box.querySelector('input:checked') || {}).value;
    box.textContent = '';
    let choice = previous;
    const options = state.options || [];
    if (!options.some((o) => o.currency === choice)) {
      const enough = options.find((o) => o.enough !== false);
      choice = (enough || options[0] || {}).currency;
    }
    // what the payer can afford first; the order currency leads among equals
    const sorted = options.slice().sort((a, b) => (a.enough === false ? 1 : 0) - (b.enough === false ? 1 : 0));
    for (const o of sorted) {
      const label = document.createElement('label');
      label.className = 'option';
      const input = document.createElement('input');
      input.type = 'radio'; input.name = 'currency'; input.value = o.currency; input.checked = o.currency === choice;
      input.addEventListener('change', updatePayButton);
      const text = document.createElement('span');
      text.className = 'amount';
      text.textContent = o.amount + ' ' + o.currency;
      label.append(input, text);
      if (o.available !== undefined) {
        const meta = document.createElement('span');
        meta.className = 'meta';
        meta.textContent = 'Balance ' + o.available + ' ' + o.currency;
        if (!o.enough) {
          const short = document.createElement('span');
          short.className = 'short';
          short.textContent = ' · insufficient balance';
          meta.append(short);
        }
        label.append(meta);
      }
      box.append(label);
    }
    updatePayButton();
  }

  function selected() {
    const input = $('currencies').querySelector('input:checked');
    return input ? (state.options || []).find((o) => o.currency === input.value) : undefined;
  }

  function updatePayButton() {
    const o = selected();
    $('pay-button').textContent = o ? 'Pay ' + o.amount + ' ' + o.currency : 'Pay';
    $('pay-button').disabled = busy || !state.open || !o;
  }

  function render() {
    const status = $('status');
    status.textContent = state.status;
    status.dataset.status = state.status;
    document.documentElement.dataset.status = state.status;
    const open = state.open && !cancelled;
    $('status-message').textContent = cancelled ? 'You cancelled this payment.' : (MESSAGES[state.status] || state.status);
    $('pay-panel').hidden = !open;
    $('signed-out').hidden = !open || !!state.payer;
    $('pay-form').hidden = !open || !state.payer;
    if (state.payer) $('payer-name').textContent = state.payer.binanceId + (state.payer.email ? ' (' + state.payer.email + ')' : '');
    for (const id of ['signin-button', 'create-payer', 'cancel-button', 'switch-payer']) $(id).disabled = busy;
    renderOptions();
    $('expiry-label').textContent = state.status === 'EXPIRED' ? 'Expired:' : 'Expires in';
    $('expiry').hidden = !state.open && state.status !== 'EXPIRED';
    tick();

    const done = $('done');
    const link = $('return-link');
    done.hidden = open;
    $('back-button').hidden = !(cancelled && state.open);
    if (cancelled) {
      $('done-title').textContent = 'Payment cancelled';
      $('done-message').textContent = state.open
        ? 'Nothing was paid. The order stays open until it expires or the merchant closes it, so you can still come back and pay it.'
        : (MESSAGES[state.status] || state.status);
      link.hidden = true;
    } else if (!state.open) {
      $('done-title').textContent = state.status === 'PAID' ? 'Payment complete' : 'This order cannot be paid';
      $('done-message').textContent = state.status !== 'PAID' ? (MESSAGES[state.status] || state.status)
        : leaving ? 'Paid. Thank you! Returning you to the merchant…' : 'Payment received. You can close this page.';
      const target = state.status === 'PAID' || state.status.startsWith('REFUND') || state.status === 'FULL_REFUNDED' ? state.returnUrl : state.cancelUrl;
      link.hidden = !target;
      if (target) link.href = target;
    }
  }

  function schedule() {
    clearTimeout(pollTimer);
    if (!state.open || leaving) return;
    pollTimer = setTimeout(poll, document.hidden ? 5000 : 1000);
  }

  function apply(next) {
    state = next;
    offsetMs = state.serverTime - Date.now();
    if (wasOpen && state.status === 'PAID' && state.returnUrl && !leaving) {
      // paid here or in the app: back to the merchant, as Binance's checkout does (fact sheet §3.1 returnUrl)
      leaving = true;
      const target = state.returnUrl;
      setTimeout(() => { location.assign(target); }, 1200);
    }
    if (!state.open) wasOpen = false;
    render();
    schedule();
  }

  async function poll() {
    try { apply(await api('GET', '/state')); }
    catch (_e) { schedule(); }
  }

  async function act(fn) {
    if (busy) return;
    busy = true; showError(''); render();
    try { await fn(); }
    catch (e) {
      showError(e.code === '900402' ? 'Insufficient balance. ' + e.message : e.message);
      if (e.data && e.data.status) state = e.data;
    }
    finally { busy = false; render(); }
  }

  $('signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = $('payer-id').value.trim();
    if (!value) { showError('Enter a Binance ID or an email.'); $('payer-id').focus(); return; }
    act(async () => { apply(await api('POST', '/session', { payer: value })); });
  });
  $('create-payer').addEventListener('click', () => act(async () => { apply(await api('POST', '/session/sandbox', {})); }));
  $('switch-payer').addEventListener('click', () => act(async () => { apply(await api('POST', '/session/end', {})); }));
  $('pay-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const o = selected();
    act(async () => { apply(await api('POST', '/pay', { currency: o ? o.currency : undefined })); });
  });
  $('cancel-button').addEventListener('click', () => act(async () => {
    const result = await api('POST', '/cancel', {});
    cancelled = true;
    if (result.redirectUrl) leaving = true;
    apply(result.state);
    if (result.redirectUrl) location.assign(result.redirectUrl);
  }));
  $('back-button').addEventListener('click', () => { cancelled = false; showError(''); render(); poll(); });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) poll(); });

  render();
  setInterval(tick, 1000);
  schedule();
})();
`;
