/**
 * CPU readers of the benchmarks, from /proc (Linux): a process's CPU seconds, the machine's
 * busy share, and a watch over a scenario that says how much of the machine was the app.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** getconf CLK_TCK on Linux x86-64 and arm64: /proc counts CPU time in these ticks. */
const CLK_TCK = 100;

/** utime + stime of a process (all its threads), in seconds; null once it is gone. */
export function procCpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may contain spaces, start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime: fields 14 and 15
  } catch {
    return null;
  }
}

/** Ticks of all CPUs from /proc/stat: busy (all but idle and iowait) and total; null without /proc. */
export function machineCpuTicks(): { busy: number; total: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores); NaN without /proc. */
export function machineBusySeconds(): number {
  return (machineCpuTicks()?.busy ?? Number.NaN) / CLK_TCK;
}

/** What a load watch saw: the machine's busy share, the app's cores, and everything else's share. */
export interface LoadReport {
  machineCpuShare: number | null;
  appCpuCores: number | null;
  otherCpuShare: number | null;
  loadavg1: number;
}

/**
 * Starts watching machine CPU during a scenario; the function returned reports the share of
 * all CPUs busy since, and how much of that was the app. Other benchmarks running on the same
 * machine show up as `otherCpuShare`, which says how far the figures can be trusted.
 */
export function watchLoad(appPids: Array<number | undefined>): () => LoadReport {
  // The app is every process of its layout (the API and the workers when split): summing them
  // is what "the app's cores" means; one pid alone under-reports the split layout.
  const appCpu = (): number | null => {
    let sum = 0;
    for (const pid of appPids) {
      const s = procCpuSeconds(pid);
      if (s === null) return null;
      sum += s;
    }
    return sum;
  };
  const j0 = machineCpuTicks();
  const a0 = appCpu();
  const t0 = Date.now();
  return () => {
    const j1 = machineCpuTicks();
    const a1 = appCpu();
    const secs = (Date.now() - t0) / 1000;
    const cpus = os.cpus().length;
    const machine = j0 && j1 && j1.total > j0.total ? (j1.busy - j0.busy) / (j1.total - j0.total) : null;
    const appCores = a0 !== null && a1 !== null && secs > 0 ? (a1 - a0) / secs : null;
    const r = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
    return {
      machineCpuShare: r(machine),
      appCpuCores: r(appCores),
      otherCpuShare: machine !== null && appCores !== null ? r(Math.max(0, machine - appCores / cpus)) : null,
      loadavg1: Math.round(os.loadavg()[0]! * 100) / 100,
    };
  };
}

/**
 * CPU seconds so far of each named process, of this driver ('bench driver') and of the whole
 * machine ('machine'): take one before and one after a phase and subtract (cpuSecondsDelta).
 */
export function cpuSecondsByProcess(processes: Array<{ name: string; pid: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of processes) out[p.name] = procCpuSeconds(p.pid) ?? Number.NaN;
  const self = process.cpuUsage();
  out['bench driver'] = (self.user + self.system) / 1e6;
  out.machine = machineBusySeconds();
  return out;
}

/** CPU seconds spent between two cpuSecondsByProcess readings, per name, to 0.01 s. */
export function cpuSecondsDelta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(b)) out[k] = Math.round((b[k]! - (a[k] ?? 0)) * 100) / 100;
  return out;
}
