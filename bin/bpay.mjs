#!/usr/bin/env -S node --max-semi-space-size=8
// The `bpay` command. The TypeScript sources are bundled by esbuild into one JavaScript file under
// node_modules/.cache/bpay/<checkout>, rebuilt whenever one of the files it was built from has changed, and
// the bundle is what runs: no build step for users, and the process is spared a TypeScript loader
// (tsx's loader thread costs ~35 MB of resident memory per process: docs/benchmarks.md).
// Where the bundle cannot be built or written (read-only install), it falls back to tsx.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'main.ts');
// one bundle per checkout: checkouts sharing node_modules (a symlink, an A/B benchmark) each run their own
const cacheDir = join(root, 'node_modules', '.cache', 'bpay', createHash('sha256').update(root).digest('hex').slice(0, 16));
const bundle = join(cacheDir, 'bpay.mjs');
const inputsFile = join(cacheDir, 'inputs.json');

/** The bundle is current when it exists and none of the files it was built from is newer. */
function isCurrent() {
  try {
    const builtAt = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
    return inputs.every((file) => statSync(join(root, file)).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}

async function buildBundle() {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    outfile: bundle,
    logLevel: 'silent',
  });
  mkdirSync(cacheDir, { recursive: true });
  // several processes may start at once (multi-node): each writes its own file and renames it over
  const tag = `${process.pid}-${Date.now()}`;
  for (const file of result.outputFiles) {
    writeFileSync(`${file.path}.${tag}`, file.contents);
    renameSync(`${file.path}.${tag}`, file.path);
  }
  writeFileSync(`${inputsFile}.${tag}`, JSON.stringify(Object.keys(result.metafile.inputs)));
  renameSync(`${inputsFile}.${tag}`, inputsFile);
}

let runBundle = isCurrent();
if (!runBundle) {
  try {
    await buildBundle();
    runBundle = true;
  } catch {
    // no esbuild or no writable cache: run the sources through tsx instead
  }
}
if (runBundle) {
  // stack traces name the TypeScript sources, not the bundle
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(entry).href);
}
