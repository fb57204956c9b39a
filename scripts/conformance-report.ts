/**
 * Runs the conformance kit against this server (a fresh SQLite sandbox, every flow, default mode)
 * and writes the report into docs/conformance.md between its two markers, so the page always
 * shows a real run of the current code.
 *
 *   npm run docs:conformance
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { FLOWS } from '../src/conformance/flows.ts';
import { renderMarkdown, summaryLine } from '../src/conformance/report.ts';
import { runKit } from '../src/conformance/runner.ts';
import { SandboxAdmin } from '../src/conformance/sandbox.ts';

export const CONFORMANCE_DOC_PATH = resolve(import.meta.dirname, '..', 'docs', 'conformance.md');
export const REPORT_START = '<!-- conformance-report:start (npm run docs:conformance) -->';
export const REPORT_END = '<!-- conformance-report:end -->';

const data = mkdtempSync(join(tmpdir(), 'bpay-conformance-doc-'));
const config = loadConfig({ BPAY_DATA_DIR: data, LOG_LEVEL: 'silent', BPAY_DEMO: 'false', BPAY_WORKERS: 'false' }, { port: 0 });
const built = await buildApp({ config, logger: false });
try {
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const address = built.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  built.deps.settings.publicUrl = baseUrl;
  const sandbox = await SandboxAdmin.detect(baseUrl, built.adminToken);
  if (!sandbox) throw new Error('the admin API did not answer');
  const merchant = await sandbox.createMerchant('Conformance kit');
  const report = await runKit(FLOWS, { credentials: { baseUrl, ...merchant }, sandbox });
  // the address is a throwaway port: the page names what was tested instead
  const markdown = renderMarkdown({ ...report, baseUrl: 'this server (SQLite, default mode)' });
  const doc = readFileSync(CONFORMANCE_DOC_PATH, 'utf8');
  const start = doc.indexOf(REPORT_START);
  const end = doc.indexOf(REPORT_END);
  if (start < 0 || end < start) throw new Error(`docs/conformance.md needs the markers ${REPORT_START} and ${REPORT_END}`);
  writeFileSync(CONFORMANCE_DOC_PATH, `${doc.slice(0, start + REPORT_START.length)}\n${markdown}\n${doc.slice(end)}`);
  process.stdout.write(`docs/conformance.md: ${summaryLine(report)}\n`);
  if (report.summary.errors + report.summary.warnings > 0) process.exitCode = 1;
} finally {
  await built.close();
  rmSync(data, { recursive: true, force: true });
}
