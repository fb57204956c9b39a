/**
 * docs/conformance.md shows a real run of the kit (npm run docs:conformance): its table must list
 * the steps of the current flows, in plan order, each passed, with zero differences.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOWS } from '../../src/conformance/flows.ts';

const DOC = readFileSync(resolve(import.meta.dirname, '../../docs/conformance.md'), 'utf8');
const START = '<!-- conformance-report:start (npm run docs:conformance) -->';
const END = '<!-- conformance-report:end -->';

describe('docs/conformance.md', () => {
  it('its latest report covers every planned step, each ok, with zero differences (npm run docs:conformance)', () => {
    const report = DOC.slice(DOC.indexOf(START) + START.length, DOC.indexOf(END));
    expect(report).toMatch(/\*\*Result:\*\* (\d+) steps: \1 passed, 0 with differences \(0 errors, 0 warnings\), 0 skipped/);
    const rows = report.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Flow |'));
    const listed = rows.map((l) => l.split(' | ').slice(0, 2).join(' / ').replace(/^\| /, ''));
    expect(listed).toEqual(FLOWS.flatMap((f) => f.plan.map((s) => `${f.name} / ${s.name}`)));
    for (const row of rows) expect(row.endsWith(' | ok |'), row).toBe(true);
  });
});
