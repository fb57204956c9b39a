/**
 * The kit's report in three forms: a terminal table, markdown (docs/conformance.md embeds one)
 * and JSON (the report object itself). Only structure is printed — codes, enum values, types —
 * never a secret; ids appear only where a difference is about them.
 */
import type { Difference } from './shape.ts';
import type { KitReport, StepReport } from './runner.ts';

const MARK: Record<StepReport['outcome'], string> = { pass: 'ok', diff: 'DIFF', skipped: 'skipped', unavailable: 'n/a' };

function answerOf(s: StepReport): string {
  if (s.outcome === 'skipped' || s.outcome === 'unavailable') return '';
  if (s.httpStatus === undefined) return '';
  return `${s.httpStatus} ${s.status ?? ''} ${s.code ?? ''}`.replace(/\s+/g, ' ').trim();
}

function differenceLine(d: Difference): string {
  return `${d.severity === 'warning' ? 'warning' : 'error'}: ${d.path} ${d.kind}: expected ${d.expected}, got ${d.actual}`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function summaryLine(report: KitReport): string {
  const s = report.summary;
  return `${s.steps} steps: ${s.passed} passed, ${s.withDifferences} with differences (${s.errors} errors, ${s.warnings} warnings), ${s.skipped} skipped, ${s.unavailable} not available to this merchant`;
}

export function renderTable(report: KitReport): string {
  const rows = report.steps.map((s) => [s.flow, s.step, s.endpoint, s.expected, answerOf(s), MARK[s.outcome]]);
  const header = ['flow', 'step', 'endpoint', 'expected', 'answer', 'result'];
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[]) => cells.map((c, i) => pad(c.length > (widths[i] ?? 0) ? `${c.slice(0, (widths[i] ?? 1) - 1)}…` : c, widths[i] ?? 0)).join('  ').trimEnd();
  const out = [`bpay conformance against ${report.baseUrl} (${report.target})`, '', line(header), line(widths.map((w) => '-'.repeat(w)))];
  for (const [i, s] of report.steps.entries()) {
    out.push(line(rows[i] ?? []));
    for (const d of s.differences) out.push(`    ${differenceLine(d)}`);
    if (s.reason) out.push(`    ${s.outcome === 'unavailable' ? '' : 'skipped: '}${s.reason}`);
  }
  out.push('', summaryLine(report));
  return out.join('\n');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(report: KitReport): string {
  const out = [
    `**Target** ${report.baseUrl} (${report.target}) · **run** ${report.startedAt} · **families** ${report.families.join(', ')}`,
    '',
    `**Result:** ${summaryLine(report)}.`,
    '',
    '| Flow | Step | Endpoint | Expected | Answer | Result |',
    '|---|---|---|---|---|---|',
  ];
  for (const s of report.steps) {
    const detail = [...s.differences.map(differenceLine), ...(s.reason ? [s.reason] : [])].map(cell).join('<br>');
    out.push(`| ${cell(s.flow)} | ${cell(s.step)} | \`${s.endpoint}\` | ${cell(s.expected)} | ${cell(answerOf(s))} | ${MARK[s.outcome]}${detail ? `: ${detail}` : ''} |`);
  }
  return out.join('\n');
}

export function renderJson(report: KitReport): string {
  return JSON.stringify(report);
}
