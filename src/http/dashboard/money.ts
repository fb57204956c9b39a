/** Dashboard: refunds, payouts (with details and journal) and wallet balances. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountBalance } from '../../domain/ledger.ts';
import type { Payout, PayoutDetail } from '../../domain/payout.ts';
import type { Refund } from '../../domain/refund.ts';
import { ownerBalances } from '../../services/balances.ts';
import { payoutJournal } from '../../services/journal.ts';
import { getPayout, listPayouts } from '../../services/payouts.ts';
import { listRefunds } from '../../services/refunds.ts';
import { balanceView, journalView } from '../admin/sandbox.ts';
import { facts, html, inputField, link, pill, raw, selectField, table, time, type Column } from './layout.ts';
import { merchantCell, merchantFilter, money } from './orders.ts';
import { optionalInt, optionalText, parseForm, type DashboardContext } from './plugin.ts';

const REFUND_STATUSES = ['REFUND_PENDING', 'REFUND_SUCCESS', 'REFUND_FAIL'] as const;

export function moneyRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { deps } = ctx;

  app.get('/refunds', async (request, reply) => {
    const q = parseForm(
      z.object({
        status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(REFUND_STATUSES).optional()),
        prepayId: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^\d{1,19}$/, 'a numeric prepayId').optional()),
        merchantId: optionalInt,
      }),
      request.query,
    );
    const admin = ctx.isAdmin(request);
    const names = await ctx.merchantNames(request);
    const refunds = await listRefunds(deps, { merchantId: ctx.scope(request, q.merchantId), prepayId: q.prepayId, status: q.status, limit: 100 });
    const columns: Column<Refund>[] = [
      { header: 'Requested', cell: (r) => time(r.createdAtMs) },
      { header: 'refundRequestId', cell: (r) => r.refundRequestId },
      { header: 'Order', cell: (r) => link(`/dashboard/orders/${r.prepayId}`, r.prepayId) },
      ...(admin ? [{ header: 'Merchant', cell: (r: Refund) => merchantCell(names, r.merchantId) }] : []),
      { header: 'Amount', cell: (r) => money(r.refundAmount, r.currency), num: true },
      { header: 'Status', cell: (r) => pill(r.status) },
      { header: 'Reason', cell: (r) => r.refundReason ?? '' },
      { header: 'Updated', cell: (r) => time(r.updatedAtMs) },
    ];
    return ctx.page(request, reply, {
      title: 'Refunds',
      active: 'refunds',
      body: html`<h1>Refunds</h1>
<form class="filters" method="get" action="/dashboard/refunds" role="search" aria-label="Filter refunds">
  ${selectField('status', 'Status', [['', 'Any status'], ...REFUND_STATUSES.map((s): [string, string] => [s, s])], q.status)}
  ${inputField('prepayId', 'prepayId', q.prepayId, 'inputmode="numeric"')}
  ${merchantFilter(ctx, names, q.merchantId, admin)}
  <div><button type="submit">Filter</button></div>
</form>
${table('Refunds, newest first', columns, refunds, { id: 'refunds', empty: 'No refunds match.' })}`,
    });
  });

  app.get('/payouts', async (request, reply) => {
    const q = parseForm(z.object({ requestId: optionalText(32), merchantId: optionalInt }), request.query);
    const admin = ctx.isAdmin(request);
    const names = await ctx.merchantNames(request);
    const payouts = await listPayouts(deps, { merchantId: ctx.scope(request, q.merchantId), requestId: q.requestId, limit: 100 });
    const columns: Column<Payout>[] = [
      { header: 'Created', cell: (p) => time(p.createdAtMs) },
      { header: 'Payout', cell: (p) => link(`/dashboard/payouts/${p.payoutId}`, p.payoutId) },
      { header: 'requestId', cell: (p) => p.requestId },
      ...(admin ? [{ header: 'Merchant', cell: (p: Payout) => merchantCell(names, p.merchantId) }] : []),
      { header: 'Batch', cell: (p) => p.batchName },
      { header: 'Total', cell: (p) => money(p.totalAmount, p.currency), num: true },
      { header: 'Receivers', cell: (p) => p.totalNumber, num: true },
      { header: 'Status', cell: (p) => pill(p.status) },
    ];
    return ctx.page(request, reply, {
      title: 'Payouts',
      active: 'payouts',
      body: html`<h1>Payouts</h1>
<form class="filters" method="get" action="/dashboard/payouts" role="search" aria-label="Filter payouts">
  ${inputField('requestId', 'requestId', q.requestId, 'maxlength="32"')}
  ${merchantFilter(ctx, names, q.merchantId, admin)}
  <div><button type="submit">Filter</button></div>
</form>
${table('Payout batches, newest first', columns, payouts, { id: 'payouts', empty: 'No payouts.' })}`,
    });
  });

  app.get('/payouts/:payoutId', async (request, reply) => {
    const { payoutId } = parseForm(z.object({ payoutId: z.string().regex(/^\d{1,19}$/, 'a numeric payout id') }), request.params);
    const { payout, details } = await getPayout(deps, payoutId);
    ctx.requireVisible(request, payout.merchantId);
    const names = await ctx.merchantNames(request);
    const journal = (await payoutJournal(deps, payoutId)).map(journalView);
    return ctx.page(request, reply, {
      title: `Payout ${payoutId}`,
      active: 'payouts',
      body: html`<h1>Payout ${payoutId}</h1>
${facts([
  ['Status', pill(payout.status)],
  ['Merchant', merchantCell(names, payout.merchantId)],
  ['requestId', payout.requestId],
  ['Batch name', payout.batchName],
  ['bizScene', payout.bizScene],
  ['Total', money(payout.totalAmount, payout.currency)],
  ['Receivers', payout.totalNumber],
  ['webhookUrl', payout.webhookUrl],
  ['Created', time(payout.createdAtMs)],
  ['Updated', time(payout.updatedAtMs)],
])}
<h2>Details</h2>
${table(
  'One transfer per receiver',
  [
    { header: 'merchantSendId', cell: (d: PayoutDetail) => d.merchantSendId },
    { header: 'Receiver', cell: (d: PayoutDetail) => `${d.receiveType} ${d.receiver}` },
    { header: 'Amount', cell: (d: PayoutDetail) => money(d.amount, payout.currency), num: true },
    { header: 'Method', cell: (d: PayoutDetail) => d.transferMethod },
    { header: 'Status', cell: (d: PayoutDetail) => pill(d.status) },
    { header: 'Failure', cell: (d: PayoutDetail) => d.failReason ?? '' },
    { header: 'Payee', cell: (d: PayoutDetail) => d.payeeBinanceId ?? '' },
    { header: 'Updated', cell: (d: PayoutDetail) => time(d.updatedAtMs) },
  ],
  details,
  { id: 'details' },
)}
<h2>Ledger journal</h2>
${table(
  'Reservations, payments and releases of this batch',
  [
    { header: 'Id', cell: (e: (typeof journal)[number]) => e.id },
    { header: 'Kind', cell: (e: (typeof journal)[number]) => e.kind },
    { header: 'Phase', cell: (e: (typeof journal)[number]) => e.phase },
    { header: 'Amount', cell: (e: (typeof journal)[number]) => `${e.amount} ${e.asset}`, num: true },
    { header: 'Debit', cell: (e: (typeof journal)[number]) => html`<span class="mono">${e.debit}</span>` },
    { header: 'Credit', cell: (e: (typeof journal)[number]) => html`<span class="mono">${e.credit}</span>` },
    { header: 'At', cell: (e: (typeof journal)[number]) => time(e.createdAtMs) },
  ],
  journal,
  { id: 'journal' },
)}`,
    });
  });

  app.get('/balances', async (request, reply) => {
    const q = parseForm(z.object({ merchantId: optionalInt }), request.query);
    const admin = ctx.isAdmin(request);
    const names = await ctx.merchantNames(request);
    const scoped = ctx.scope(request, q.merchantId);
    const ids = scoped !== undefined ? [scoped] : [...names.keys()].slice(0, 200);
    if (scoped !== undefined) ctx.requireVisible(request, scoped);
    const sections = [];
    for (const id of ids) {
      const balances = await ownerBalances(deps, 'MERCHANT', String(id));
      if (balances.length === 0 && scoped === undefined) continue;
      const rows = balances.map((b: AccountBalance) => balanceView(b));
      sections.push(html`<h2>${names.get(id) ?? 'Merchant'} <span class="hint">${id}</span></h2>
${table(
  `Wallets of merchant ${id}`,
  [
    { header: 'Wallet', cell: (b: (typeof rows)[number]) => b.wallet },
    { header: 'Asset', cell: (b: (typeof rows)[number]) => b.asset },
    { header: 'Balance', cell: (b: (typeof rows)[number]) => b.balance, num: true },
    { header: 'Available', cell: (b: (typeof rows)[number]) => b.available, num: true },
    { header: 'Reserved', cell: (b: (typeof rows)[number]) => b.pending, num: true },
  ],
  rows,
  { empty: 'No funds yet.' },
)}`);
    }
    return ctx.page(request, reply, {
      title: 'Balances',
      active: 'balances',
      body: html`<h1>Balances</h1>
${admin ? html`<form class="filters" method="get" action="/dashboard/balances" role="search" aria-label="Choose a merchant">${merchantFilter(ctx, names, q.merchantId, admin)}<div><button type="submit">Show</button></div></form>` : raw('')}
<p class="hint">From the ledger: balance = posted credits − debits; reserved = held by pending refunds and payouts.</p>
${sections.length > 0 ? sections : html`<p class="empty">No merchant holds funds yet.</p>`}`,
    });
  });
}
