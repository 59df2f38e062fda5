/**
 * CPU seconds per thread of an app process, from /proc/<pid>/task (Linux), so the ingest report
 * can say where the app's CPU goes: its event loop, its busiest other thread (the pipeline
 * thread of a one-process install: parsing and tagging), and the rest (V8's GC and compiler
 * helpers, libuv's pool). On a shared machine the per-process total moves with the load; the
 * split says which side a change moved.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** getconf CLK_TCK on Linux x86-64 and arm64. */
const CLK_TCK = 100;

/** utime + stime of each thread of a process, in seconds, by thread id; empty once it is gone. */
export function threadCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** A process's CPU over a cycle, split by thread. */
export interface ThreadSplit {
  /** The main thread: the event loop (fetches, Redis, BullMQ, the API in a one-process install). */
  eventLoop: number;
  /** The busiest other thread over the cycle: a pipeline thread where the app runs one. */
  busiestThread: number;
  /** Every other thread together: V8's GC and compiler helpers, libuv's pool, further pipeline threads. */
  otherThreads: number;
}

/** The split of a process's CPU between two threadCpuSeconds readings (threads that ended in between count what they had used at `before`). */
export function threadSplit(pid: number, before: Map<number, number>, after: Map<number, number>): ThreadSplit {
  const deltas: number[] = [];
  let eventLoop = 0;
  for (const [tid, seconds] of after) {
    const d = seconds - (before.get(tid) ?? 0);
    if (tid === pid) eventLoop = d;
    else deltas.push(d);
  }
  deltas.sort((a, b) => b - a);
  const busiest = deltas[0] ?? 0;
  const rest = deltas.slice(1).reduce((n, d) => n + d, 0);
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return { eventLoop: round2(eventLoop), busiestThread: round2(busiest), otherThreads: round2(rest) };
}
