/** Dashboard: orders with filters, and one order's timeline, refunds, webhook events and ledger journal. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ORDER_STATUSES, type Order } from '../../domain/order.ts';
import type { Refund } from '../../domain/refund.ts';
import type { OutboxEvent } from '../../domain/webhook.ts';
import { formatAmountTrimmed } from '../../lib/amount.ts';
import { orderJournal } from '../../services/journal.ts';
import { getOrder, listOrders, orderUrls } from '../../services/orders.ts';
import { refundsOfOrder } from '../../services/refunds.ts';
import { listWebhookEvents } from '../../services/webhooks.ts';
import { journalView } from '../admin/sandbox.ts';
import { facts, html, inputField, link, pill, query, raw, selectField, table, time, type Column, type Content } from './layout.ts';
import { optionalInt, optionalText, parseForm, type DashboardContext } from './plugin.ts';
import { timeCursor } from '../shared/cursors.ts';

const PAGE_SIZE = 50;

export function money(amount: bigint, currency: string): string {
  return `${formatAmountTrimmed(amount)} ${currency}`;
}

export function merchantCell(names: Map<number, string>, merchantId: number): Content {
  const name = names.get(merchantId);
  return html`${name ?? ''} <span class="hint">${merchantId}</span>`;
}

export function merchantFilter(ctx: DashboardContext, names: Map<number, string>, selected: number | undefined, isAdmin: boolean): Content {
  if (!isAdmin) return raw('');
  return selectField('merchantId', 'Merchant', [['', 'All merchants'], ...[...names].map(([id, name]): [string, string] => [String(id), `${name} (${id})`])], selected === undefined ? '' : String(selected));
}

interface TimelineItem {
  atMs: number;
  text: Content;
}

function timeline(order: Order, refunds: Refund[], events: OutboxEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [{ atMs: order.createTimeMs, text: html`Created: ${money(order.orderAmount, order.currency)} (${order.merchantTradeNo}), expires ${time(order.expireTimeMs)}` }];
  if (order.transactTimeMs !== null) {
    const paid = order.paymentInfo?.paymentInstructions.map((i) => `${i.amount.includes('.') ? i.amount.replace(/\.?0+$/, '') : i.amount} ${i.currency}`).join(', ');
    items.push({ atMs: order.transactTimeMs, text: html`Paid by payer ${order.payerBinanceId ?? ''}${paid ? ` with ${paid}` : ''} (transaction ${order.transactionId ?? ''})` });
  }
  if (order.status === 'CANCELED' && order.closedAtMs !== null) items.push({ atMs: order.closedAtMs, text: 'Closed by the merchant' });
  if (order.status === 'EXPIRED') items.push({ atMs: order.closedAtMs ?? order.expireTimeMs, text: 'Expired unpaid' });
  for (const r of refunds) {
    items.push({ atMs: r.createdAtMs, text: html`Refund ${r.refundRequestId} requested: ${money(r.refundAmount, r.currency)}${r.refundReason ? ` (${r.refundReason})` : ''}` });
    if (r.status !== 'REFUND_PENDING') items.push({ atMs: r.updatedAtMs, text: html`Refund ${r.refundRequestId} ${pill(r.status)}` });
  }
  for (const e of events) {
    items.push({ atMs: e.createdAtMs, text: html`Webhook ${link(`/dashboard/webhooks/${e.id}`, `${e.bizType} ${e.bizStatus}`)} ${pill(e.status)} (${e.attempts} attempt${e.attempts === 1 ? '' : 's'})` });
  }
  return items.sort((a, b) => a.atMs - b.atMs);
}

export function orderRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { deps } = ctx;

  app.get('/orders', async (request, reply) => {
    const q = parseForm(
      z.object({
        status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(ORDER_STATUSES).optional()),
        merchantTradeNo: optionalText(32),
        merchantId: optionalInt,
        before: timeCursor,
      }),
      request.query,
    );
    const merchantId = ctx.scope(request, q.merchantId);
    const names = await ctx.merchantNames(request);
    const orders = await listOrders(deps, { merchantId, status: q.status, merchantTradeNo: q.merchantTradeNo, limit: PAGE_SIZE, beforeCreateTimeMs: q.before });
    const admin = ctx.isAdmin(request);
    const columns: Column<Order>[] = [
      { header: 'Created', cell: (o) => time(o.createTimeMs) },
      { header: 'prepayId', cell: (o) => link(`/dashboard/orders/${o.prepayId}`, o.prepayId) },
      { header: 'merchantTradeNo', cell: (o) => o.merchantTradeNo },
      ...(admin ? [{ header: 'Merchant', cell: (o: Order) => merchantCell(names, o.merchantId) }] : []),
      { header: 'Amount', cell: (o) => money(o.orderAmount, o.currency), num: true },
      { header: 'Status', cell: (o) => pill(o.status) },
      { header: 'Description', cell: (o) => o.description ?? '' },
    ];
    const last = orders[orders.length - 1];
    const older = orders.length === PAGE_SIZE && last ? html`<p class="pager">${link(`/dashboard/orders${query({ status: q.status, merchantTradeNo: q.merchantTradeNo, merchantId: admin ? q.merchantId : undefined, before: last.createTimeMs })}`, 'Older orders →')}</p>` : raw('');
    return ctx.page(request, reply, {
      title: 'Orders',
      active: 'orders',
      body: html`<h1>Orders</h1>
<form class="filters" method="get" action="/dashboard/orders" role="search" aria-label="Filter orders">
  ${selectField('status', 'Status', [['', 'Any status'], ...ORDER_STATUSES.map((s): [string, string] => [s, s])], q.status)}
  ${inputField('merchantTradeNo', 'merchantTradeNo', q.merchantTradeNo, 'maxlength="32" autocapitalize="off" spellcheck="false"')}
  ${merchantFilter(ctx, names, q.merchantId, admin)}
  <div><button type="submit">Filter</button></div>
</form>
${table('Orders, newest first', columns, orders, { id: 'orders', empty: 'No orders match.' })}
${older}`,
    });
  });

  app.get('/orders/:prepayId', async (request, reply) => {
    const { prepayId } = parseForm(z.object({ prepayId: z.string().regex(/^\d{1,19}$/, 'a numeric prepayId') }), request.params);
    const order = await getOrder(deps, prepayId);
    ctx.requireVisible(request, order.merchantId);
    const [refunds, journal, events, names] = await Promise.all([
      refundsOfOrder(deps, prepayId),
      orderJournal(deps, prepayId),
      listWebhookEvents(deps, { merchantId: order.merchantId, bizId: prepayId, limit: 200 }),
      ctx.merchantNames(request),
    ]);
    const urls = orderUrls(deps, order);
    const journalRows = journal.map(journalView);
    return ctx.page(request, reply, {
      title: `Order ${prepayId}`,
      active: 'orders',
      body: html`<h1>Order ${prepayId}</h1>
${facts(
  [
    ['Status', pill(order.status)],
    ['Merchant', merchantCell(names, order.merchantId)],
    ['merchantTradeNo', order.merchantTradeNo],
    ['Amount', money(order.orderAmount, order.currency)],
    ['Fiat', order.fiatCurrency && order.fiatAmount !== null ? money(order.fiatAmount, order.fiatCurrency) : null],
    ['Description', order.description],
    ['Goods', order.goods.map((g) => g.goodsName).join(', ')],
    ['Created', time(order.createTimeMs)],
    ['Expires', time(order.expireTimeMs)],
    ['Paid', order.transactTimeMs === null ? null : html`${time(order.transactTimeMs)} by payer ${order.payerBinanceId ?? ''}`],
    ['Commission', money(order.commission, order.currency)],
    ['Refunded', money(order.refundedAmount, order.currency)],
    ['Accepted currencies', order.supportPayCurrency?.join(', ') ?? 'all'],
    ['Checkout', link(urls.checkoutUrl, urls.checkoutUrl)],
    ['returnUrl', order.returnUrl],
    ['cancelUrl', order.cancelUrl],
    ['webhookUrl', order.webhookUrl],
    ['passThroughInfo', order.passThroughInfo],
  ],
  'order-facts',
)}
<h2 id="timeline-title">Timeline</h2>
<ol class="timeline" id="timeline" aria-labelledby="timeline-title">${timeline(order, refunds, events).map((i) => html`<li>${time(i.atMs)} — ${i.text}</li>`)}</ol>
<h2>Refunds</h2>
${table(
  'Refunds of this order',
  [
    { header: 'refundRequestId', cell: (r: Refund) => r.refundRequestId },
    { header: 'Amount', cell: (r: Refund) => money(r.refundAmount, r.currency), num: true },
    { header: 'Status', cell: (r: Refund) => pill(r.status) },
    { header: 'Requested', cell: (r: Refund) => time(r.createdAtMs) },
    { header: 'Updated', cell: (r: Refund) => time(r.updatedAtMs) },
  ],
  refunds,
  { id: 'refunds', empty: 'No refunds.' },
)}
<h2>Webhook events</h2>
${table(
  'Notifications about this order',
  [
    { header: 'Event', cell: (e: OutboxEvent) => link(`/dashboard/webhooks/${e.id}`, e.id) },
    { header: 'bizType', cell: (e: OutboxEvent) => e.bizType },
    { header: 'bizStatus', cell: (e: OutboxEvent) => e.bizStatus },
    { header: 'Status', cell: (e: OutboxEvent) => pill(e.status) },
    { header: 'Attempts', cell: (e: OutboxEvent) => e.attempts, num: true },
    { header: 'Created', cell: (e: OutboxEvent) => time(e.createdAtMs) },
  ],
  events,
  { id: 'events', empty: 'No webhook events.' },
)}
<h2 id="journal-title">Ledger journal</h2>
${table(
  'Every transfer recorded against this order',
  [
    { header: 'Id', cell: (e: (typeof journalRows)[number]) => e.id },
    { header: 'Kind', cell: (e: (typeof journalRows)[number]) => e.kind },
    { header: 'Phase', cell: (e: (typeof journalRows)[number]) => e.phase },
    { header: 'Amount', cell: (e: (typeof journalRows)[number]) => `${e.amount} ${e.asset}`, num: true },
    { header: 'Debit', cell: (e: (typeof journalRows)[number]) => html`<span class="mono">${e.debit}</span>` },
    { header: 'Credit', cell: (e: (typeof journalRows)[number]) => html`<span class="mono">${e.credit}</span>` },
    { header: 'At', cell: (e: (typeof journalRows)[number]) => time(e.createdAtMs) },
  ],
  journalRows,
  { id: 'journal', empty: 'No ledger transfers: nothing was paid.' },
)}`,
    });
  });
}
