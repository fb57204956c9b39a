/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): self time by function and by
 * file/package, and inclusive time of the functions that matter. Usage:
 *   node bin/run-ts.mjs bench/profile.ts .scratch/profiles/CPU.*.cpuprofile [--top 40] [--match text] [--last seconds]
 * --last keeps only the samples of the final seconds before exit (the measured run, not start-up);
 * --window from:to keeps the samples between two times in seconds after the profile's start (the
 * saturating run alone, without the fixed-rate probe that follows it).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' }, match: { type: 'string' }, last: { type: 'string' }, window: { type: 'string' } } });
const top = Number(values.top);

function where(url: string): string {
  if (!url) return '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m?.[1]) return m[1];
  const src = /\/(src|bench|packages)\/(.*)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  return url.replace(/^.*\//, '');
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  const [windowFrom, windowTo] = (values.window ?? '').split(':').map(Number);
  const fromUs = values.last
    ? profile.endTime - Number(values.last) * 1e6
    : profile.startTime + (windowFrom ?? 0) * 1e6;
  const toUs = values.window && windowTo !== undefined && !Number.isNaN(windowTo) ? profile.startTime + windowTo * 1e6 : profile.endTime;
  let at = profile.startTime;
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < fromUs || at > toUs) return;
    totalUs += delta;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });

  const bySelf = new Map<string, number>();
  const byFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const name = `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    bySelf.set(name, (bySelf.get(name) ?? 0) + us);
    byFile.set(where(n.callFrame.url), (byFile.get(where(n.callFrame.url)) ?? 0) + us);
    // inclusive: every distinct frame on the stack gets the sample once
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur);
      if (!f) break;
      const key = `${f.callFrame.functionName || '(anonymous)'} ${where(f.callFrame.url)}:${f.callFrame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)} %`;
  const print = (title: string, map: Map<string, number>, filter?: (k: string) => boolean) => {
    process.stdout.write(`\n== ${title}\n`);
    [...map.entries()]
      .filter(([k]) => !filter || filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .forEach(([k, us]) => process.stdout.write(`${pct(us)}  ${k}\n`));
  };
  process.stdout.write(`${file}: ${(totalUs / 1e6).toFixed(1)} s profiled\n`);
  print('self time by package/file', byFile);
  print('self time by function', bySelf);
  print('inclusive time', inclusive, values.match ? (k) => k.includes(values.match ?? '') : (k) => !k.startsWith('(root)') && !k.startsWith('(program)') && !k.startsWith('(idle)'));
}
