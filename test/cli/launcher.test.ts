/**
 * bin/bpay.mjs runs a bundle of the TypeScript sources, rebuilt when a source it was built from
 * changes (a stale bundle would silently run old code after `git pull`).
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/process.ts';

const cache = join(REPO_ROOT, 'node_modules', '.cache', 'bpay');

function bpay(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bin/bpay.mjs', ...args], { cwd: REPO_ROOT, timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

it('rebuilds the bundle when a source is newer than it, and records what it was built from', async () => {
  const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  expect((await bpay('--version')).trim()).toBe(version.version);
  const bundle = join(cache, 'bpay.mjs');
  // make the bundle older than every source: the next start must rebuild it
  utimesSync(bundle, new Date(0), new Date(0));
  expect((await bpay('--version')).trim()).toBe(version.version);
  expect(statSync(bundle).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
  const inputs = JSON.parse(readFileSync(join(cache, 'inputs.json'), 'utf8')) as string[];
  expect(inputs).toContain('src/cli/main.ts');
  expect(inputs).toContain('src/main.ts');
  expect(inputs.some((f) => f.includes('node_modules'))).toBe(false);
});
