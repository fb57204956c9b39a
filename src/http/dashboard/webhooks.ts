/** Dashboard: the webhook event log, one event with every attempt, redelivery; the audit log (admin). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isAppError } from '../../domain/errors.ts';
import { OUTBOX_STATUSES, type OutboxEvent, type WebhookAttempt } from '../../domain/webhook.ts';
import { listAuditLog, type AuditEntry } from '../../services/audit.ts';
import { getWebhookEvent, listWebhookEvents, redeliverWebhook, TEST_REF_TYPE, type EventQuery } from '../../services/webhooks.ts';
import { alertBox, csrfField, facts, html, inputField, link, notice, pill, query, raw, selectField, table, time, type Column } from './layout.ts';
import { merchantCell, merchantFilter } from './orders.ts';
import { optionalInt, optionalText, parseForm, type DashboardContext } from './plugin.ts';
import { rowIdCursor } from '../shared/cursors.ts';

const PAGE_SIZE = 50;
const numericId = z.string().regex(/^\d{1,19}$/, 'a numeric id');

function clip(text: string | null, max = 200): string {
  if (text === null) return '';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function webhookRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { deps } = ctx;

  app.get('/webhooks', async (request, reply) => {
    const q = parseForm(
      z.object({
        status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(OUTBOX_STATUSES as [string, ...string[]]).optional()),
        bizType: optionalText(32),
        prepayId: rowIdCursor,
        merchantId: optionalInt,
        before: rowIdCursor,
      }),
      request.query,
    );
    const admin = ctx.isAdmin(request);
    const names = await ctx.merchantNames(request);
    const filter: EventQuery = { merchantId: ctx.scope(request, q.merchantId), status: q.status as EventQuery['status'], bizType: q.bizType, bizId: q.prepayId, beforeId: q.before, limit: PAGE_SIZE };
    const events = await listWebhookEvents(deps, filter);
    const columns: Column<OutboxEvent>[] = [
      { header: 'Created', cell: (e) => time(e.createdAtMs) },
      { header: 'Event', cell: (e) => link(`/dashboard/webhooks/${e.id}`, e.id) },
      ...(admin ? [{ header: 'Merchant', cell: (e: OutboxEvent) => merchantCell(names, e.merchantId) }] : []),
      { header: 'bizType', cell: (e) => e.bizType },
      { header: 'bizStatus', cell: (e) => html`${e.bizStatus}${e.refType === TEST_REF_TYPE ? html` <span class="hint">(test)</span>` : raw('')}` },
      { header: 'bizId', cell: (e) => (e.refType === 'order' || e.bizType === 'PAY_REFUND' ? link(`/dashboard/orders/${e.bizId}`, e.bizId) : e.bizId) },
      { header: 'Status', cell: (e) => pill(e.status) },
      { header: 'Attempts', cell: (e) => e.attempts, num: true },
      { header: 'Last', cell: (e) => (e.lastHttpStatus !== null ? `HTTP ${e.lastHttpStatus}` : clip(e.lastError, 60)) },
    ];
    const last = events[events.length - 1];
    const older =
      events.length === PAGE_SIZE && last
        ? html`<p class="pager">${link(`/dashboard/webhooks${query({ status: q.status, bizType: q.bizType, prepayId: q.prepayId, merchantId: admin ? q.merchantId : undefined, before: last.id })}`, 'Older events →')}</p>`
        : raw('');
    return ctx.page(request, reply, {
      title: 'Webhook events',
      active: 'webhooks',
      body: html`<h1>Webhook events</h1>
<form class="filters" method="get" action="/dashboard/webhooks" role="search" aria-label="Filter webhook events">
  ${selectField('status', 'Status', [['', 'Any status'], ...OUTBOX_STATUSES.map((s): [string, string] => [s, s])], q.status)}
  ${selectField('bizType', 'bizType', [['', 'Any'], ['PAY', 'PAY'], ['PAY_REFUND', 'PAY_REFUND'], ['PAYOUT', 'PAYOUT'], ['PAYOUT_NON_BN', 'PAYOUT_NON_BN']], q.bizType)}
  ${inputField('prepayId', 'prepayId / bizId', q.prepayId, 'inputmode="numeric"')}
  ${merchantFilter(ctx, names, q.merchantId, admin)}
  <div><button type="submit">Filter</button></div>
</form>
${table('Notifications, newest first', columns, events, { id: 'events', empty: 'No webhook events match.' })}
${older}`,
    });
  });

  const eventPage = async (request: FastifyRequest, reply: FastifyReply, eventId: string, extra: { notice?: string; error?: string; status?: number; url?: string } = {}) => {
    const session = ctx.session(request);
    const { event, body, attempts } = await getWebhookEvent(deps, eventId);
    ctx.requireVisible(request, event.merchantId);
    const names = await ctx.merchantNames(request);
    const columns: Column<WebhookAttempt>[] = [
      { header: '#', cell: (a) => a.attemptNo, num: true },
      { header: 'Started', cell: (a) => time(a.startedAtMs) },
      { header: 'Trigger', cell: (a) => a.trigger },
      { header: 'Via', cell: (a) => a.via },
      { header: 'URL', cell: (a) => html`<span class="mono">${a.requestUrl}</span>` },
      { header: 'HTTP', cell: (a) => a.responseStatus ?? '', num: true },
      { header: 'Outcome', cell: (a) => (a.outcome ? pill(a.outcome) : 'in flight') },
      { header: 'Latency', cell: (a) => (a.latencyMs === null ? '' : `${a.latencyMs} ms`), num: true },
      { header: 'Error', cell: (a) => a.error ?? '' },
      { header: 'Response', cell: (a) => (a.responseBody ? html`<details><summary>${clip(a.responseBody, 40)}</summary><pre>${a.responseBody}</pre></details>` : '') },
    ];
    return ctx.page(request, reply, {
      title: `Webhook event ${eventId}`,
      active: 'webhooks',
      ...(extra.status ? { status: extra.status } : {}),
      body: html`<h1>Webhook event ${eventId}</h1>
${notice(extra.notice)}${alertBox(extra.error)}
${facts(
  [
    ['Status', html`<span id="event-status">${pill(event.status)}</span>`],
    ['Merchant', merchantCell(names, event.merchantId)],
    ['bizType', event.bizType],
    ['bizStatus', event.bizStatus],
    ['bizId', event.refType === 'order' || event.bizType === 'PAY_REFUND' ? link(`/dashboard/orders/${event.bizId}`, event.bizId) : event.bizId],
    ['Target', event.webhookUrl ?? 'none (NO_TARGET: redeliver to a URL)'],
    ['Attempts', html`<span id="attempt-count">${event.attempts}</span> (${event.autoAttempts} scheduled)`],
    ['Next attempt', event.status === 'PENDING' ? time(event.nextAttemptAtMs) : null],
    ['Delivered', time(event.deliveredAtMs)],
    ['Last error', event.lastError],
    ['Created', time(event.createdAtMs)],
  ],
  'event-facts',
)}
<h2 id="redeliver-title">Redeliver</h2>
<form class="stack" method="post" action="/dashboard/webhooks/${eventId}/redeliver" aria-labelledby="redeliver-title">
  ${csrfField(session)}
  <div><label for="redeliver-url">Deliver to (optional)</label><input id="redeliver-url" name="url" type="url" maxlength="2048" value="${extra.url ?? ''}" placeholder="${event.webhookUrl ?? 'https://…'}" aria-describedby="redeliver-hint"><span class="hint" id="redeliver-hint">Empty: the event's own target. Sends now, re-signed; adds an attempt and overwrites nothing.</span></div>
  <div><button type="submit" class="primary" id="redeliver">Redeliver now</button></div>
</form>
<h2>Attempts</h2>
${table('Every delivery attempt, oldest first', columns, attempts, { id: 'attempts', empty: 'No attempt yet.' })}
<h2>Body</h2>
<pre id="event-body">${body}</pre>`,
    });
  };

  app.get('/webhooks/:eventId', async (request, reply) => {
    const { eventId } = parseForm(z.object({ eventId: numericId }), request.params);
    const q = (request.query ?? {}) as Record<string, unknown>;
    const n = typeof q.redelivered === 'string' && /^\d{1,6}$/.test(q.redelivered) ? q.redelivered : undefined;
    return eventPage(request, reply, eventId, n ? { notice: `Redelivered: attempt #${n} recorded below.` } : {});
  });

  app.post('/webhooks/:eventId/redeliver', async (request, reply) => {
    const { eventId } = parseForm(z.object({ eventId: numericId }), request.params);
    const { event } = await getWebhookEvent(deps, eventId);
    ctx.requireVisible(request, event.merchantId);
    const parsed = z.object({ url: optionalText(2048).refine((v) => v === undefined || (/^https?:\/\//i.test(v) && URL.canParse(v)), 'must be an http(s) URL') }).safeParse(request.body ?? {});
    if (!parsed.success) return eventPage(request, reply, eventId, { error: `The URL ${parsed.error.issues[0]?.message ?? 'is invalid'}.`, status: 400 });
    try {
      const attempt = await redeliverWebhook(deps, eventId, parsed.data.url);
      return reply.redirect(`/dashboard/webhooks/${eventId}?redelivered=${attempt.attemptNo}`, 303);
    } catch (error) {
      if (!isAppError(error)) throw error;
      return eventPage(request, reply, eventId, { error: error.message, status: error.spec.httpStatus, ...(parsed.data.url ? { url: parsed.data.url } : {}) });
    }
  });

  app.get('/audit', async (request, reply) => {
    if (!ctx.isAdmin(request)) return reply.callNotFound();
    const q = parseForm(z.object({ merchantId: optionalInt, before: rowIdCursor }), request.query);
    const names = await ctx.merchantNames(request);
    const entries = await listAuditLog(deps, { ...(q.merchantId ? { merchantId: q.merchantId } : {}), ...(q.before ? { beforeId: q.before } : {}), limit: PAGE_SIZE });
    const columns: Column<AuditEntry>[] = [
      { header: 'At', cell: (e) => time(e.atMs) },
      { header: 'Actor', cell: (e) => html`<span class="mono">${e.actor}</span>` },
      { header: 'Action', cell: (e) => e.action },
      { header: 'Merchant', cell: (e) => (e.merchantId === null ? '' : merchantCell(names, e.merchantId)) },
      { header: 'Detail', cell: (e) => html`<code>${JSON.stringify(e.detail)}</code>` },
    ];
    const last = entries[entries.length - 1];
    return ctx.page(request, reply, {
      title: 'Audit log',
      active: 'audit',
      body: html`<h1>Audit log</h1>
<p class="hint">Every management action — admin API, CLI and this dashboard — with who did it. Secrets are never recorded.</p>
<form class="filters" method="get" action="/dashboard/audit" role="search" aria-label="Filter the audit log">
  ${merchantFilter(ctx, names, q.merchantId, true)}
  <div><button type="submit">Filter</button></div>
</form>
${table('Management actions, newest first', columns, entries, { id: 'audit', empty: 'Nothing recorded yet.' })}
${entries.length === PAGE_SIZE && last ? html`<p class="pager">${link(`/dashboard/audit${query({ merchantId: q.merchantId, before: last.id })}`, 'Older entries →')}</p>` : raw('')}`,
    });
  });
}
