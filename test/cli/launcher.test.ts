/**
 * bin/bpay.mjs runs a bundle of the TypeScript sources, rebuilt when a source it was built from
 * changes (a stale bundle would silently run old code after `git pull`).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/process.ts';

const cacheOf = (root: string) => join(REPO_ROOT, 'node_modules', '.cache', 'bpay', createHash('sha256').update(root).digest('hex').slice(0, 16));
const cache = cacheOf(REPO_ROOT);

function bpay(...args: string[]): Promise<string> {
  return bpayIn(REPO_ROOT, ...args);
}

function bpayIn(root: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bin/bpay.mjs', ...args], { cwd: root, timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
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

it('keeps one bundle per checkout: a checkout sharing node_modules never runs the other one\'s code', async () => {
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const other = mkdtempSync(join(tmpdir(), 'bpay-checkout-'));
  try {
    for (const part of ['bin', 'src', 'tsconfig.json']) cpSync(join(REPO_ROOT, part), join(other, part), { recursive: true });
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(other, 'package.json'), JSON.stringify({ ...pkg, version: '9.9.9-other' }));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(other, 'node_modules'));
    // built last, the other checkout's bundle is newer than every source of this one
    expect((await bpayIn(other, '--version')).trim()).toBe('9.9.9-other');
    expect((await bpay('--version')).trim()).toBe(version);
    expect((await bpayIn(other, '--version')).trim()).toBe('9.9.9-other');
  } finally {
    rmSync(cacheOf(other), { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  }
});
