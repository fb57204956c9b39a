/**
 * Keeps the layer table of ARCHITECTURE.md true: imports only point down.
 *
 * | folder          | may import                                             |
 * |-----------------|--------------------------------------------------------|
 * | lib             | nothing of ours                                        |
 * | config, domain  | lib                                                    |
 * | store           | domain, lib                                            |
 * | ledger, outbox  | store, domain, lib                                     |
 * | services        | ledger, outbox (enqueue), store, domain, lib           |
 * | http/*          | services, domain, lib, conformance, other http/* (never store, ledger, outbox) |
 * | conformance     | lib (it talks to servers over HTTP only)               |
 * | workers         | services, outbox, lib                                  |
 * | app.ts, main.ts, cli | anything                                          |
 *
 * packages/sdk/src imports nothing from /src. Type-only imports count: they are dependencies too.
 * Imports are read with TypeScript's own pre-processor (static imports, re-exports and literal
 * dynamic imports), so comments and strings cannot fool it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const SDK_SRC = join(ROOT, 'packages', 'sdk', 'src');
const SDK_PACKAGE = '@binance-pay-server/sdk';

type Layer = 'lib' | 'config' | 'domain' | 'store' | 'ledger' | 'outbox' | 'services' | 'conformance' | 'http' | 'workers' | 'cli' | 'root' | 'sdk';

/** What each layer may import besides itself. `'*'` = anything. */
const ALLOWED: Record<Layer, readonly Layer[] | '*'> = {
  lib: [],
  config: ['lib'],
  domain: ['lib'],
  store: ['domain', 'lib'],
  ledger: ['store', 'domain', 'lib'],
  outbox: ['store', 'domain', 'lib'],
  services: ['ledger', 'outbox', 'store', 'domain', 'lib'],
  // the conformance kit's shapes and checks: the validation proxy and the replay surface use them
  conformance: ['lib'],
  http: ['services', 'domain', 'lib', 'conformance'],
  workers: ['services', 'outbox', 'lib'],
  cli: '*',
  root: '*',
  sdk: [],
};

/** services may use the outbox only to enqueue (ARCHITECTURE.md: "outbox (enqueue)"). */
const SERVICES_MAY_IMPORT_FROM_OUTBOX = ['outbox/enqueue.ts'];

/**
 * Known violations, each reported to the team; an entry here must name the reason and go away
 * with the fix. Format: `<file relative to src> -> <import specifier>`.
 */
const ALLOWED_VIOLATIONS: ReadonlySet<string> = new Set<string>([]);

export interface SourceFile {
  /** absolute path */
  path: string;
  text: string;
}

export interface Violation {
  file: string;
  specifier: string;
  rule: string;
}

function layerOfSrcPath(relPath: string): Layer | undefined {
  const parts = relPath.split(/[\\/]/);
  if (parts.length === 1) return parts[0] === 'app.ts' || parts[0] === 'main.ts' ? 'root' : undefined;
  const top = parts[0] as Layer;
  return top in ALLOWED && top !== 'root' && top !== 'sdk' ? top : undefined;
}

export function importsOf(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** Every import in `files` that breaks the table, with the rule it breaks. */
export function findViolations(files: SourceFile[], srcDir = SRC, sdkDir = SDK_SRC): Violation[] {
  const out: Violation[] = [];
  for (const file of files) {
    const inSrc = !relative(srcDir, file.path).startsWith('..');
    const inSdk = !relative(sdkDir, file.path).startsWith('..');
    const fileRel = inSrc ? relative(srcDir, file.path) : relative(ROOT, file.path);
    const from: Layer | undefined = inSrc ? layerOfSrcPath(fileRel) : inSdk ? 'sdk' : undefined;
    if (from === undefined) {
      if (inSrc) out.push({ file: fileRel, specifier: '(file)', rule: 'file is in no layer of the table: add its folder to ARCHITECTURE.md and this test' });
      continue;
    }
    for (const specifier of importsOf(file.text)) {
      const key = `${fileRel.split(sep).join('/')} -> ${specifier}`;
      if (ALLOWED_VIOLATIONS.has(key)) continue;
      let target: Layer | 'external' | 'outside-src' | undefined;
      let targetRel = '';
      if (specifier === SDK_PACKAGE || specifier.startsWith(`${SDK_PACKAGE}/`)) target = 'sdk';
      else if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const abs = resolve(dirname(file.path), specifier);
        targetRel = relative(srcDir, abs);
        if (targetRel.startsWith('..')) target = !relative(sdkDir, abs).startsWith('..') ? 'sdk' : 'outside-src';
        else target = layerOfSrcPath(targetRel);
      } else target = 'external';

      if (from === 'sdk') {
        if (target !== 'external' && target !== 'sdk') out.push({ file: fileRel, specifier, rule: 'packages/sdk/src imports nothing from /src' });
        continue;
      }
      if (target === 'external') continue;
      const allowed = ALLOWED[from];
      if (target === undefined) {
        out.push({ file: fileRel, specifier, rule: `imports a file in no layer of the table (${targetRel})` });
        continue;
      }
      if (allowed === '*' || target === from) continue;
      if (target === 'outside-src') {
        out.push({ file: fileRel, specifier, rule: `${from} may not import code outside src/` });
        continue;
      }
      if (!allowed.includes(target as Layer)) {
        out.push({ file: fileRel, specifier, rule: `${from} may import ${allowed.length ? allowed.join(', ') : 'nothing of ours'}, not ${target}` });
        continue;
      }
      if (from === 'services' && target === 'outbox' && !SERVICES_MAY_IMPORT_FROM_OUTBOX.includes(targetRel.split(sep).join('/'))) {
        out.push({ file: fileRel, specifier, rule: `services may use the outbox only through ${SERVICES_MAY_IMPORT_FROM_OUTBOX.join(', ')}` });
      }
    }
  }
  return out;
}

function tsFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFilesUnder(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function load(paths: string[]): SourceFile[] {
  return paths.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

function report(violations: Violation[]): string {
  return violations.map((v) => `  src/${v.file}: import '${v.specifier}' — ${v.rule}`).join('\n');
}

describe('architecture: imports only point down (ARCHITECTURE.md)', () => {
  it('every file under src/ follows the layer table', () => {
    const files = load(tsFilesUnder(SRC));
    expect(files.length).toBeGreaterThan(20);
    const violations = findViolations(files);
    expect(violations, `Layer violations:\n${report(violations)}`).toEqual([]);
  });

  it('packages/sdk/src imports nothing from /src', () => {
    const files = load(tsFilesUnder(SDK_SRC));
    expect(files.length).toBeGreaterThan(5);
    const violations = findViolations(files);
    expect(violations, `SDK violations:\n${violations.map((v) => `  ${v.file}: import '${v.specifier}'`).join('\n')}`).toEqual([]);
  });

  it('the allow-list holds only violations that still exist', () => {
    const present = new Set(
      load(tsFilesUnder(SRC)).flatMap((f) => importsOf(f.text).map((s) => `${relative(SRC, f.path).split(sep).join('/')} -> ${s}`)),
    );
    for (const entry of ALLOWED_VIOLATIONS) expect(present.has(entry), `stale allow-list entry ${entry}`).toBe(true);
  });

  describe('the checker itself catches what it must', () => {
    const at = (rel: string, text: string): SourceFile => ({ path: join(SRC, rel), text });

    it('flags each forbidden direction', () => {
      const cases: Array<[string, string]> = [
        ['lib/x.ts', "import { a } from '../domain/errors.ts';"],
        ['lib/x.ts', "import type { S } from '../store/db.ts';"],
        ['domain/x.ts', "import { s } from '../store/db.ts';"],
        ['config/x.ts', "import { s } from '../services/deps.ts';"],
        ['store/x.ts', "export { s } from '../services/deps.ts';"],
        ['ledger/x.ts', "import { s } from '../services/deps.ts';"],
        ['outbox/x.ts', "import { s } from '../ledger/ledger.ts';"],
        ['services/x.ts', "import { s } from '../http/admin/plugin.ts';"],
        ['services/x.ts', "import { dispatch } from '../outbox/dispatcher.ts';"],
        ['http/binancepay/x.ts', "import { s } from '../../store/db.ts';"],
        ['http/admin/x.ts', "import { post } from '../../ledger/ledger.ts';"],
        ['http/checkout/x.ts', "import { e } from '../../outbox/enqueue.ts';"],
        ['http/admin/x.ts', "const m = await import('../../store/db.ts');"],
        ['workers/x.ts', "import { s } from '../store/db.ts';"],
        ['workers/x.ts', "import { s } from '../http/admin/plugin.ts';"],
        ['conformance/x.ts', "import { s } from '../services/orders.ts';"],
        ['conformance/x.ts', "import { e } from '../domain/errors.ts';"],
        ['services/x.ts', "import { s } from '../conformance/shapes.ts';"],
        ['services/x.ts', "import { c } from '../../packages/sdk/src/index.ts';"],
        ['lib/x.ts', "import '../app.ts';"],
        ['newfolder/x.ts', "import { a } from '../lib/ids.ts';"],
        ['lib/x.ts', `import { C } from '${SDK_PACKAGE}';`],
      ];
      for (const [file, text] of cases) expect(findViolations([at(file, text)]), `${file}: ${text}`).toHaveLength(1);
    });

    it('allows what the table allows, and ignores imports in comments and strings', () => {
      const ok: Array<[string, string]> = [
        ['lib/x.ts', "import { createHash } from 'node:crypto';\nimport { parse } from 'lossless-json';\nimport { c } from './clock.ts';"],
        ['domain/x.ts', "import { a } from '../lib/amount.ts';"],
        ['store/x.ts', "import type { M } from '../domain/merchant.ts';\nimport { a } from '../lib/amount.ts';"],
        ['ledger/x.ts', "import { s } from '../store/db.ts';"],
        ['outbox/x.ts', "import { s } from '../store/db.ts';\nimport { e } from '../domain/errors.ts';"],
        ['services/x.ts', "import { post } from '../ledger/ledger.ts';\nimport { enqueue } from '../outbox/enqueue.ts';\nimport { s } from '../store/db.ts';"],
        ['http/admin/x.ts', "import { s } from '../../services/merchants.ts';\nimport { p } from '../binancepay/paths.ts';\nimport { e } from '../../domain/errors.ts';"],
        ['workers/x.ts', "import { s } from '../services/deps.ts';\nimport { o } from '../outbox/dispatcher.ts';\nimport { l } from '../lib/clock.ts';"],
        ['cli/x.ts', "import { s } from '../store/db.ts';\nconst m = await import('../main.ts');"],
        ['conformance/x.ts', "import { j } from '../lib/json.ts';\nimport { s } from './shape.ts';"],
        ['http/proxy/x.ts', "import { s } from '../../conformance/shapes.ts';"],
        ['app.ts', "import { s } from './store/db.ts';\nimport { w } from './workers/index.ts';"],
        ['http/admin/x.ts', "// import { s } from '../../store/db.ts';\nconst text = \"import { s } from '../../store/db.ts'\";"],
      ];
      for (const [file, text] of ok) expect(findViolations([at(file, text)]), `${file}: ${text}`).toEqual([]);
    });

    it('flags an SDK file that reaches into /src', () => {
      const sdkFile: SourceFile = { path: join(SDK_SRC, 'x.ts'), text: "import { a } from '../../../src/lib/amount.ts';" };
      expect(findViolations([sdkFile])).toHaveLength(1);
      expect(findViolations([{ path: join(SDK_SRC, 'x.ts'), text: "import { a } from './signing.ts';\nimport { c } from 'node:crypto';" }])).toEqual([]);
    });
  });
});
