/**
 * HTML building blocks of the merchant dashboard: the page frame (header, navigation, sign-out),
 * tables, definition lists, times, status pills, forms with the session's CSRF token. Everything
 * interpolated goes through `escapeHtml`; `Html` marks text that is already markup.
 */
import type { DashboardSession } from '../../services/dashboard-sessions.ts';
import { documentStart, escapeHtml } from '../checkout/html.ts';
import { BASE_STYLE } from '../checkout/style.ts';

/** Markup that is safe to insert as is. Anything else is escaped. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type Content = Html | string | number | null | undefined | Content[];

export function raw(text: string): Html {
  return new Html(text);
}

export function render(c: Content): string {
  if (c === null || c === undefined) return '';
  if (Array.isArray(c)) return c.map(render).join('');
  if (c instanceof Html) return c.text;
  return escapeHtml(String(c));
}

/** Tagged template: interpolations are escaped unless they are Html. */
export function html(strings: TemplateStringsArray, ...values: Content[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

const DASHBOARD_STYLE = `
.frame { max-width: 80rem; margin: 0 auto; padding: .75rem 1rem 2rem; }
header.bar { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem; padding: .5rem 0; border-bottom: 1px solid var(--line); }
header.bar .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
header.bar .who { display: flex; align-items: center; gap: .75rem; flex-wrap: wrap; }
nav.main ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; padding: 0; margin: .5rem 0 1rem; }
nav.main a { display: inline-block; padding: .5rem .75rem; border-radius: 8px; text-decoration: none; color: var(--fg); min-height: 44px; line-height: 28px; }
nav.main a[aria-current="page"] { background: var(--accent); color: var(--accent-fg); font-weight: 600; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; background: var(--card); }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
caption { text-align: left; padding: .5rem .75rem; font-weight: 600; }
th, td { text-align: left; padding: .45rem .75rem; border-top: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: .3rem 1rem; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin-bottom: 1rem; }
form.filters div, form.stack div { display: flex; flex-direction: column; gap: .2rem; }
form.stack h2 { margin: 0; }
form.stack { display: flex; flex-direction: column; gap: .75rem; max-width: 36rem; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
form.inline { display: inline; }
.check { display: flex !important; flex-direction: row !important; align-items: center; gap: .5rem; font-weight: 400; }
.check input { min-height: 0; width: 1.2rem; height: 1.2rem; }
ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
ol.timeline li { position: relative; padding: .35rem 0 .35rem 1rem; }
ol.timeline li::before { content: ""; position: absolute; left: -8px; top: .75rem; width: 13px; height: 13px; border-radius: 50%; background: var(--accent); }
pre { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; font-size: .85rem; }
.secret { font-size: 1rem; }
.pager { margin: .75rem 0; }
.login { max-width: 28rem; margin: 2rem auto; }
.login form { margin-bottom: 1.5rem; }
.empty { color: var(--muted); padding: .75rem; }
`;

export interface NavItem {
  href: string;
  label: string;
  key: string;
}

export function navItems(session: DashboardSession): NavItem[] {
  const own = session.principal.kind === 'MERCHANT';
  const items: NavItem[] = [
    { href: '/dashboard/orders', label: 'Orders', key: 'orders' },
    { href: '/dashboard/refunds', label: 'Refunds', key: 'refunds' },
    { href: '/dashboard/payouts', label: 'Payouts', key: 'payouts' },
    { href: '/dashboard/balances', label: 'Balances', key: 'balances' },
    own ? { href: `/dashboard/merchants/${session.principal.kind === 'MERCHANT' ? session.principal.merchantId : ''}`, label: 'API keys & webhooks', key: 'merchants' } : { href: '/dashboard/merchants', label: 'Merchants & keys', key: 'merchants' },
    { href: '/dashboard/webhooks', label: 'Webhook events', key: 'webhooks' },
  ];
  if (!own) items.push({ href: '/dashboard/audit', label: 'Audit log', key: 'audit' });
  return items;
}

export function whoLabel(session: DashboardSession): string {
  const p = session.principal;
  return p.kind === 'ADMIN' ? 'Operator (admin token): all merchants' : `Merchant ${p.merchantName} (${p.merchantId})`;
}

export interface FrameInput {
  title: string;
  nonce: string;
  session?: DashboardSession | undefined;
  active?: string;
  body: Content;
  /** the header badge: this server is a sandbox; the validation proxy may sit in front of production */
  badge?: string;
}

export function frame({ title, nonce, session, active, body, badge = 'Sandbox' }: FrameInput): string {
  const header = session
    ? html`<header class="bar">
  <a class="brand" href="/dashboard/orders">binance-pay-server <span class="badge">Sandbox</span></a>
  <div class="who"><span id="who">${whoLabel(session)}</span>
    <form class="inline" method="post" action="/dashboard/logout">${csrfField(session)}<button type="submit" id="logout">Sign out</button></form>
  </div>
</header>
<nav class="main" aria-label="Dashboard"><ul>${navItems(session).map((n) => html`<li><a href="${n.href}"${raw(n.key === active ? ' aria-current="page"' : '')}>${n.label}</a></li>`)}</ul></nav>`
    : html`<header class="bar"><span class="brand">binance-pay-server <span class="badge">${badge}</span></span></header>`;
  return `${documentStart(`${title} · binance-pay-server dashboard`, BASE_STYLE + DASHBOARD_STYLE, nonce)}
<body>
<div class="frame">
${render(header)}
<main id="main">
${render(body)}
</main>
</div>
</body>
</html>`;
}

export function csrfField(session: DashboardSession): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

export function time(ms: number | null | undefined): Html {
  if (ms === null || ms === undefined) return raw('—');
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, '')}</time>`;
}

export function pill(status: string): Html {
  return html`<span class="pill" data-status="${status}">${status}</span>`;
}

export interface Column<T> {
  header: string;
  cell: (row: T) => Content;
  num?: boolean;
}

export function table<T>(caption: string, columns: Column<T>[], rows: T[], opts: { id?: string; empty?: string } = {}): Html {
  if (rows.length === 0) return html`<div class="table-wrap"${raw(opts.id ? ` id="${opts.id}"` : '')}><table><caption>${caption}</caption></table><p class="empty">${opts.empty ?? 'Nothing yet.'}</p></div>`;
  return html`<div class="table-wrap"><table${raw(opts.id ? ` id="${opts.id}"` : '')}>
<caption>${caption}</caption>
<thead><tr>${columns.map((c) => html`<th scope="col">${c.header}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${columns.map((c) => html`<td${raw(c.num ? ' class="num"' : '')}>${c.cell(r)}</td>`)}</tr>`)}</tbody>
</table></div>`;
}

export function facts(items: Array<[string, Content]>, id?: string): Html {
  return html`<dl class="facts"${raw(id ? ` id="${id}"` : '')}>${items.map(([k, v]) => html`<dt>${k}</dt><dd>${v === null || v === undefined || v === '' ? '—' : v}</dd>`)}</dl>`;
}

export function link(href: string, text: Content): Html {
  return html`<a href="${href}">${text}</a>`;
}

/** A query string of the non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

export function notice(text: string | undefined): Html {
  return text ? html`<p class="notice" role="status">${text}</p>` : raw('');
}

export function alertBox(text: string | undefined): Html {
  return text ? html`<p class="alert" role="alert">${text}</p>` : raw('');
}

export function selectField(name: string, label: string, options: Array<[string, string]>, selected: string | undefined): Html {
  return html`<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}">${options.map(([v, t]) => html`<option value="${v}"${raw(v === (selected ?? '') ? ' selected' : '')}>${t}</option>`)}</select></div>`;
}

export function inputField(name: string, label: string, value: string | undefined, attrs = ''): Html {
  return html`<div><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" value="${value ?? ''}"${raw(attrs ? ' ' + attrs : '')}></div>`;
}
