/**
 * The validation proxy's page (/_bpay/proxy on the proxy's port): what it saw and what broke the
 * rules, newest first. Server-rendered with the dashboard's building blocks; no session, since
 * the proxy has no accounts (it listens on loopback unless told otherwise).
 */
import type { ProxyExchange, ProxyStats } from '../proxy/proxy.ts';
import { facts, frame, html, pill, table, time } from './layout.ts';

export interface ProxyPageView {
  stats: ProxyStats;
  /** newest first */
  exchanges: ProxyExchange[];
  nonce: string;
}

function violationsCell(e: ProxyExchange) {
  if (e.violations.length === 0) return html`<span class="pill" data-status="SUCCESS">ok</span>`;
  return html`<ul class="violations">${e.violations.map((v) => html`<li data-severity="${v.severity}"><code>${v.path}</code> ${v.kind}: expected ${v.expected}, got ${v.actual}${v.severity === 'warning' ? ' (warning)' : ''}</li>`)}</ul>`;
}

export function proxyPage({ stats, exchanges, nonce }: ProxyPageView): string {
  const withViolations = exchanges.filter((e) => e.violations.length > 0);
  const body = html`<h1>Validation proxy</h1>
${facts(
  [
    ['Upstream', stats.upstream],
    ['Exchanges', String(stats.exchanges)],
    ['With violations', String(stats.withViolations)],
    ['Errors / warnings', `${stats.errors} / ${stats.warnings}`],
    ['Signatures', stats.verifiesSignatures ? `${stats.signaturesValid} valid, ${stats.signaturesInvalid} invalid` : 'not verified (start the proxy with --secret)'],
    ['Recording to', stats.recording ?? 'not recording (--record FILE)'],
  ],
  'proxy-stats',
)}
<h2>Violations</h2>
${table(
  'Exchanges that broke a rule',
  [
    { header: '#', cell: (e: ProxyExchange) => e.seq, num: true },
    { header: 'When', cell: (e) => time(e.atMs) },
    { header: 'Request', cell: (e) => html`${e.method} <code>${e.path}</code>` },
    { header: 'Answer', cell: (e) => html`${e.httpStatus || 'none'} ${e.status ? pill(e.status) : ''} ${e.code ?? ''}` },
    { header: 'Violations', cell: violationsCell },
  ],
  withViolations,
  { id: 'violations', empty: 'No violations so far.' },
)}
<h2>Recent exchanges</h2>
${table(
  'Every exchange, newest first',
  [
    { header: '#', cell: (e: ProxyExchange) => e.seq, num: true },
    { header: 'When', cell: (e) => time(e.atMs) },
    { header: 'Request', cell: (e) => html`${e.method} <code>${e.path}</code>` },
    { header: 'Endpoint', cell: (e) => e.endpoint ?? '—' },
    { header: 'Answer', cell: (e) => html`${e.httpStatus || 'none'} ${e.status ? pill(e.status) : ''} ${e.code ?? ''}` },
    { header: 'ms', cell: (e) => e.durationMs, num: true },
    { header: 'Signature', cell: (e) => e.signature },
    { header: 'Checks', cell: (e) => (e.violations.length === 0 ? 'ok' : `${e.violations.length} violation(s)`) },
  ],
  exchanges,
  { id: 'exchanges', empty: 'No traffic yet: point your merchant app at this proxy.' },
)}
<p class="hint">JSON: <a href="/_bpay/proxy/exchanges">/_bpay/proxy/exchanges</a>. Reload the page to see new traffic.</p>`;
  return frame({ title: 'Validation proxy', nonce, body, badge: 'Proxy' });
}
