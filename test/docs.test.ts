/**
 * docs/errors.md is generated from the error catalog (ARCHITECTURE.md principle 2); this keeps
 * the committed page and the code in step.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allErrorSpecs } from '../src/domain/errors.ts';
import { ERRORS_DOC_PATH, renderErrorsDoc } from '../scripts/gen-errors-doc.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..');

describe('docs/errors.md', () => {
  it('is exactly what scripts/gen-errors-doc.ts generates', () => {
    let current = '';
    try {
      current = readFileSync(ERRORS_DOC_PATH, 'utf8');
    } catch {
      // reported below as out of date
    }
    if (current !== renderErrorsDoc()) {
      throw new Error('docs/errors.md is out of date with src/domain/errors.ts: run `npm run docs:errors` and commit the result.');
    }
  });

  it('has one table row per catalog entry, with its code, HTTP status, message and origin', () => {
    const doc = renderErrorsDoc();
    for (const spec of allErrorSpecs) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${spec.code}\` |`));
      expect(row, spec.code).toBeDefined();
      expect(row).toContain(` ${spec.name} `);
      expect(row).toContain(` ${spec.httpStatus} `);
      expect(row).toContain(spec.message.replace(/\|/g, '\\|'));
      expect(row?.endsWith(` ${spec.origin} |`)).toBe(true);
    }
    for (const section of ['## The envelope', '`hint`', '`signatureDebug`', '### Strict mode', '## Origin', '`binance`', '`inferred`', '`sandbox`']) expect(doc).toContain(section);
  });

  it('refuses a catalog with a duplicated code', () => {
    const [first] = allErrorSpecs;
    if (!first) throw new Error('empty catalog');
    expect(() => renderErrorsDoc([first, { ...first, name: 'COPY' }])).toThrow(/duplicate/);
  });

  it('npm run docs:errors -- --check agrees', async () => {
    const code = await new Promise<number>((done) => {
      execFile(process.execPath, ['bin/run-ts.mjs', 'scripts/gen-errors-doc.ts', '--check'], { cwd: REPO_ROOT }, (error) => done(error ? Number(error.code) : 0));
    });
    expect(code, 'docs/errors.md is out of date: run `npm run docs:errors`').toBe(0);
  });
});
