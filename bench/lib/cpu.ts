/**
 * Where the CPU went during a measured run, from /proc: the server process, this bench process
 * (autocannon, the webhook receiver) and everything else (PostgreSQL, and any other work on the
 * machine — a busy neighbour makes numbers worse, so the report shows it). Also a wait for a quiet
 * machine before each scenario.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Sample {
  at: number;
  busy: number;
  steal: number;
  total: number;
  server: number;
  self: number;
}

function machineTicks(): { busy: number; steal: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    // guest time is already counted in user/nice
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    const steal = fields[7] ?? 0;
    return { busy: total - idle - steal, steal, total };
  } catch {
    return { busy: 0, steal: 0, total: 0 };
  }
}

function processTicks(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11] ?? 0) + Number(fields[12] ?? 0); // utime + stime
  } catch {
    return 0;
  }
}

function sample(pid: number | undefined): Sample {
  const m = machineTicks();
  return { at: performance.now(), busy: m.busy, steal: m.steal, total: m.total, server: pid ? processTicks(pid) : 0, self: processTicks('self') };
}

export interface CpuUse {
  /** cores in use on average, of `cores` */
  cores: number;
  machine: number;
  server: number;
  bench: number;
  /** everything else: PostgreSQL, other processes */
  other: number;
  /** taken by the hypervisor for other virtual machines (a noisy host) */
  steal: number;
}

export interface CpuMeter {
  stop(): CpuUse;
}

export function startCpuMeter(serverPid?: number): CpuMeter {
  const start = sample(serverPid);
  return {
    stop() {
      const end = sample(serverPid);
      const cores = availableParallelism();
      const seconds = (end.at - start.at) / 1000;
      const perCore = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / Math.max(seconds, 0.001)) * 100) / 100;
      const totalTicks = end.total - start.total;
      const share = (ticks: number) => (totalTicks > 0 ? Math.round((ticks / totalTicks) * cores * 100) / 100 : 0);
      const machine = share(end.busy - start.busy);
      const steal = share(end.steal - start.steal);
      const server = perCore(end.server - start.server);
      const bench = perCore(end.self - start.self);
      return { cores, machine, server, bench, other: Math.max(0, Math.round((machine - server - bench) * 100) / 100), steal };
    },
  };
}

/** Busy cores over the next `ms`. */
export async function machineBusy(ms = 1000): Promise<number> {
  const meter = startCpuMeter();
  await new Promise((r) => setTimeout(r, ms));
  return meter.stop().machine;
}

/**
 * Waits (up to `maxMs`) until the machine uses at most `maxBusyCores` cores, so a scenario does not
 * start while something else runs. Returns the busy cores last seen.
 */
export async function waitForQuiet(maxBusyCores: number, maxMs: number, log: (m: string) => void): Promise<number> {
  const deadline = performance.now() + maxMs;
  let busy = await machineBusy();
  let told = false;
  while (busy > maxBusyCores && performance.now() < deadline) {
    if (!told) log(`    machine busy (${busy.toFixed(2)} cores in use by other processes): waiting up to ${Math.round(maxMs / 1000)} s for it to calm down`);
    told = true;
    busy = await machineBusy(2000);
  }
  return busy;
}
