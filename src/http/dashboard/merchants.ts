/**
 * Dashboard: merchants (the admin sees all), and for one merchant its webhook settings and API keys.
 * Every change goes through services/merchants.ts with the actor `dashboard:<who>`, so it lands in
 * the audit log like the admin API's and the CLI's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiKeyInfo, Merchant } from '../../domain/merchant.ts';
import type { CreatedKey } from '../../services/merchants.ts';
import { createApiKey, getMerchant, listApiKeys, listMerchants, revokeApiKey, updateMerchant } from '../../services/merchants.ts';
import { alertBox, csrfField, facts, html, link, notice, pill, raw, table, time, type Column } from './layout.ts';
import { optionalText, parseForm, type DashboardContext } from './plugin.ts';

const NOTICES: Record<string, string> = {
  saved: 'Webhook settings saved.',
  revoked: 'API key revoked: requests signed with it now answer 400004.',
};

const merchantParams = z.object({ merchantId: z.coerce.number().int().positive() });

export function merchantRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { deps } = ctx;

  app.get('/merchants', async (request, reply) => {
    const session = ctx.session(request);
    if (session.principal.kind === 'MERCHANT') return reply.redirect(`/dashboard/merchants/${session.principal.merchantId}`, 303);
    const merchants = await listMerchants(deps, { limit: 1000 });
    const columns: Column<Merchant>[] = [
      { header: 'Merchant', cell: (m) => link(`/dashboard/merchants/${m.merchantId}`, m.name) },
      { header: 'merchantId', cell: (m) => m.merchantId },
      { header: 'Status', cell: (m) => pill(m.status) },
      { header: 'Partner', cell: (m) => m.partnerMerchantId ?? '' },
      { header: 'Webhook URL', cell: (m) => m.webhookUrl ?? '' },
      { header: 'Created', cell: (m) => time(m.createdAtMs) },
    ];
    return ctx.page(request, reply, {
      title: 'Merchants',
      active: 'merchants',
      body: html`<h1>Merchants</h1>
<p class="hint">Create merchants with <code>bpay merchant create</code> or <code>POST /admin/v1/merchants</code>.</p>
${table('Merchants', columns, merchants, { id: 'merchants', empty: 'No merchants yet.' })}`,
    });
  });

  const merchantPage = async (request: FastifyRequest, reply: FastifyReply, merchantId: number, extra: { created?: CreatedKey; notice?: string; error?: string; status?: number } = {}) => {
    const session = ctx.session(request);
    const merchant = await getMerchant(deps, merchantId);
    const keys = merchant.partnerMerchantId === null ? await listApiKeys(deps, merchantId) : [];
    const current = session.principal.kind === 'MERCHANT' ? session.principal.apiKey : undefined;
    const keyColumns: Column<ApiKeyInfo>[] = [
      { header: 'API key', cell: (k) => html`<span class="mono">${k.apiKey}</span>${k.apiKey === current ? html` <span class="hint">(this session)</span>` : raw('')}` },
      { header: 'Label', cell: (k) => k.label ?? '' },
      { header: 'Status', cell: (k) => pill(k.status) },
      { header: 'Created', cell: (k) => time(k.createdAtMs) },
      { header: 'Ends', cell: (k) => time(k.revokedAtMs ?? k.expiresAtMs) },
      {
        header: 'Action',
        cell: (k) =>
          k.status === 'ACTIVE'
            ? html`<form class="inline" method="post" action="/dashboard/merchants/${merchantId}/keys/${k.apiKey}/revoke">${csrfField(session)}<button type="submit" class="danger" aria-label="Revoke API key ${k.apiKey.slice(0, 8)}…">Revoke</button></form>`
            : '',
      },
    ];
    const created = extra.created
      ? html`<div class="notice" role="status" id="new-key">
  <p><strong>New API key created. Copy the secret now: it is shown only this once.</strong></p>
  ${facts([
    ['API key', html`<code class="secret" id="new-api-key">${extra.created.apiKey}</code>`],
    ['API secret', html`<code class="secret" id="new-api-secret">${extra.created.apiSecret}</code>`],
  ])}
</div>`
      : raw('');
    return ctx.page(request, reply, {
      title: merchant.name,
      active: 'merchants',
      ...(extra.status ? { status: extra.status } : {}),
      body: html`<h1>${merchant.name} <span class="hint">${merchant.merchantId}</span></h1>
${notice(extra.notice)}${alertBox(extra.error)}${created}
${facts([
  ['Status', pill(merchant.status)],
  ['merchantId', merchant.merchantId],
  ['Partner', merchant.partnerMerchantId],
  ['IP allow-list', merchant.ipAllowlist?.join(', ') ?? 'any'],
  ['Commission rate', merchant.commissionRate ?? 'server default'],
  ['Created', time(merchant.createdAtMs)],
])}
<h2 id="webhook-settings">Webhook settings</h2>
<form class="stack" method="post" action="/dashboard/merchants/${merchantId}/settings" aria-labelledby="webhook-settings">
  ${csrfField(session)}
  <div><label for="webhook-url">Webhook URL</label><input id="webhook-url" name="webhookUrl" type="url" maxlength="256" value="${merchant.webhookUrl ?? ''}" placeholder="https://shop.example.com/binance/webhook" aria-describedby="webhook-url-hint"><span class="hint" id="webhook-url-hint">Where notifications go unless an order, refund or payout names its own webhookUrl. Empty: none.</span></div>
  <label class="check"><input type="checkbox" name="payClosedNotify" value="on" id="pay-closed"${raw(merchant.payClosedNotify ? ' checked' : '')}> Send PAY_CLOSED notifications (closed and expired orders)</label>
  <div><button type="submit" class="primary" id="save-settings">Save webhook settings</button></div>
</form>
${
  merchant.partnerMerchantId === null
    ? html`<h2 id="keys-title">API keys</h2>
${table('API keys', keyColumns, keys, { id: 'keys' })}
<h2 id="new-key-title">Create an API key</h2>
<form class="stack" method="post" action="/dashboard/merchants/${merchantId}/keys" aria-labelledby="new-key-title">
  ${csrfField(session)}
  <div><label for="key-label">Label (optional)</label><input id="key-label" name="label" maxlength="64"></div>
  <div><button type="submit" id="create-key">Create API key</button></div>
</form>`
    : html`<p class="hint">A sub-merchant has no API keys: its partner's keys operate it.</p>`
}`,
    });
  };

  app.get('/merchants/:merchantId', async (request, reply) => {
    const { merchantId } = parseForm(merchantParams, request.params);
    ctx.requireVisible(request, merchantId);
    const q = (request.query ?? {}) as Record<string, unknown>;
    return merchantPage(request, reply, merchantId, typeof q.done === 'string' && NOTICES[q.done] ? { notice: NOTICES[q.done] } : {});
  });

  app.post('/merchants/:merchantId/settings', async (request, reply) => {
    const { merchantId } = parseForm(merchantParams, request.params);
    ctx.requireVisible(request, merchantId);
    const parsed = z
      .object({
        webhookUrl: optionalText(256).refine((v) => v === undefined || (/^https?:\/\//i.test(v) && URL.canParse(v)), 'must be an http(s) URL'),
        payClosedNotify: z.literal('on').optional(),
      })
      .safeParse(request.body ?? {});
    if (!parsed.success) return merchantPage(request, reply, merchantId, { error: `Webhook URL ${parsed.error.issues[0]?.message ?? 'is invalid'}.`, status: 400 });
    await updateMerchant(deps, merchantId, { webhookUrl: parsed.data.webhookUrl ?? null, payClosedNotify: parsed.data.payClosedNotify === 'on' }, ctx.session(request).actor);
    return reply.redirect(`/dashboard/merchants/${merchantId}?done=saved`, 303);
  });

  // the answer shows the secret once and is never cached (no-store); it is not a redirect, so the secret is in no URL or history entry
  app.post('/merchants/:merchantId/keys', async (request, reply) => {
    const { merchantId } = parseForm(merchantParams, request.params);
    ctx.requireVisible(request, merchantId);
    const { label } = parseForm(z.object({ label: optionalText(64) }), request.body);
    const created = await createApiKey(deps, merchantId, label ?? null, ctx.session(request).actor);
    return merchantPage(request, reply, merchantId, { created });
  });

  app.post('/merchants/:merchantId/keys/:apiKey/revoke', async (request, reply) => {
    const { merchantId, apiKey } = parseForm(merchantParams.extend({ apiKey: z.string().regex(/^[A-Za-z0-9]{1,128}$/) }), request.params);
    ctx.requireVisible(request, merchantId);
    await revokeApiKey(deps, merchantId, apiKey, ctx.session(request).actor);
    return reply.redirect(`/dashboard/merchants/${merchantId}?done=revoked`, 303);
  });
}
