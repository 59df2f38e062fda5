import { pathToFileURL } from 'node:url';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/** The thread script a pool runs: its file, and the loader it needs first (tsx under tests). */
export interface ThreadScript {
  /** Path of the thread's entry point (.js when compiled, .ts under tsx). */
  file: string;
  /**
   * Path of a module whose `register()` installs a loader (tsx's esm/api) before the entry is
   * imported: a worker thread does not inherit the loader hooks of an `--import tsx` process.
   */
  loader?: string;
}

/**
 * A message to a thread: a task that answers, or state every thread keeps (sent to all,
 * `shared`: applied on arrival). A thread runs its live tasks before its bulk ones.
 */
export interface Envelope {
  id: number;
  task: unknown;
  lane?: Lane;
  shared?: true;
}

/** A thread's answer to one task: its result, or the error it threw as plain data. */
export type ThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThreadError };

/** An error as it crosses the thread boundary (an Error does not keep its class or fields). */
export interface ThreadError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Which queue a task waits in: 'live' for the news path (a known feed's new document, a few
 * fresh items to tag), 'bulk' for backlogs (a new feed's archive, large tag batches). A live
 * task never waits behind queued bulk work, only behind the slice of the task its thread is
 * running (see ThreadJobLoop).
 */
export type Lane = 'live' | 'bulk';

/** A task waiting in the pool for a thread with room. */
interface Queued {
  id: number;
  task: { kind: string };
  pending: Pending;
}

/**
 * Bulk tasks a thread holds at most. A thread runs the live tasks it holds before its bulk
 * ones, so holding many costs a live task nothing; holding few made the thread idle whenever
 * its answers waited on a busy event loop (2 in hand: 1,750–1,900 items/s against 2,220–2,250
 * with no bound, same machine, same hour). The bound keeps a backlog's texts in the pool
 * rather than copied into the thread all at once.
 */
export const BULK_IN_HAND = 64;

/**
 * A pipeline thread's heap: a young generation of 96 MiB (semi-spaces of 32 MiB, V8's default
 * tops out at 16). Tagging and parsing make garbage that dies within a task (tokens, words,
 * parsed nodes); a larger nursery scavenges half as often and copies less that is still live
 * at each. Replayed tasks of a single-host cycle: 27 scavenges instead of 55.
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 96 };

interface Member {
  worker: Worker;
  pending: Map<number, Pending>;
  /** It has answered once: a thread that dies before that (a broken install) is not started again and again. */
  answered: boolean;
  /** Its event-loop utilisation when busyShare last read it. */
  elu: EventLoopUtilization;
}

/**
 * A fixed pool of worker threads that run CPU-bound pipeline steps (parsing a feed, tagging
 * its new items) off the event loop, so the loop keeps up with fetches, Redis and (in a
 * one-process install) the API. Tasks are plain data both ways. Each task goes to the
 * thread with the fewest tasks in hand. A thread takes every message as it arrives and runs
 * its live tasks before its bulk ones (each lane first in, first out), and between the slices
 * of a bulk one, so a live task posted during a 10,000-item backlog waits for the slice the
 * thread is running, not for the backlog;
 * bulk tasks beyond BULK_IN_HAND per thread wait in the pool. State every thread must hold (the compiled anchors)
 * is broadcast, and kept to be replayed into a thread that replaces one that died; a dead
 * thread's tasks fail with its error, so the job fails and BullMQ retries it.
 */
export class ThreadPool {
  private readonly members: Member[] = [];
  private seq = 0;
  private closed = false;
  /** Why the last thread standing could not start: every later task fails with it. */
  private broken: Error | null = null;
  /** The latest broadcast of each kind, replayed into a new thread before any task. */
  private readonly shared = new Map<string, unknown>();
  /** Bulk tasks waiting for a thread with room, oldest first. */
  private readonly waiting: Queued[] = [];
  /** Bulk answers not yet handed to their callers, oldest first (see pace). */
  private readonly paced: Array<() => void> = [];
  private readonly nextPaced = (): void => {
    try {
      this.paced.shift()?.();
    } finally {
      // An immediate queued from an immediate runs on the next turn, after that turn's I/O.
      if (this.paced.length > 0) setImmediate(this.nextPaced);
    }
  };

  constructor(
    private readonly script: ThreadScript,
    readonly size: number,
    private readonly rebuildError: (e: ThreadError) => Error = (e) => Object.assign(new Error(e.message), { name: e.name }),
  ) {
    for (let i = 0; i < size; i++) this.members.push(this.spawn());
  }

  private spawn(): Member {
    const { file, loader } = this.script;
    const worker = loader
      ? new Worker(`import(${JSON.stringify(pathToFileURL(loader).href)}).then((m) => m.register()).then(() => import(${JSON.stringify(pathToFileURL(file).href)}))`, { eval: true, resourceLimits: THREAD_LIMITS })
      : new Worker(file, { resourceLimits: THREAD_LIMITS });
    // An idle pool must not keep a process alive that is otherwise done.
    worker.unref();
    const member: Member = { worker, pending: new Map(), answered: false, elu: worker.performance.eventLoopUtilization() };
    worker.on('message', (reply: ThreadReply) => {
      member.answered = true;
      const p = member.pending.get(reply.id);
      if (!p) return;
      member.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(this.rebuildError(reply.error));
      this.pump();
    });
    const fail = (err: unknown) => {
      const index = this.members.indexOf(member);
      for (const p of member.pending.values()) p.reject(err instanceof Error ? err : new Error(String(err)));
      member.pending.clear();
      if (index < 0 || this.closed) return;
      if (member.answered) this.members[index] = this.spawn();
      else {
        this.members.splice(index, 1);
        this.broken = err instanceof Error ? err : new Error(String(err));
      }
      if (this.members.length === 0) for (const q of this.waiting.splice(0)) q.pending.reject(this.broken ?? err);
      else this.pump();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.members.includes(member)) fail(new Error(`pipeline thread exited with code ${code}`));
    });
    for (const [kind, state] of this.shared) worker.postMessage({ id: 0, task: { kind, state }, shared: true } satisfies Envelope);
    return member;
  }

  /** The threads' mean event-loop utilisation (0 to 1) since the previous call. */
  busyShare(): number {
    if (this.members.length === 0) return 1;
    let sum = 0;
    for (const m of this.members) {
      const now = m.worker.performance.eventLoopUtilization();
      sum += m.worker.performance.eventLoopUtilization(now, m.elu).utilization;
      m.elu = now;
    }
    return sum / this.members.length;
  }

  /** Threads running (a thread that could not start is not replaced). */
  get running(): number {
    return this.members.length;
  }

  /**
   * Runs one task on the least busy thread: a live one at once, a bulk one once a thread
   * holds fewer than BULK_IN_HAND tasks (queued bulk tasks start in the order they came).
   */
  run<T>(task: { kind: string }, lane: Lane = 'bulk'): Promise<T> {
    if (this.closed) return Promise.reject(new Error('thread pool is closed'));
    if (this.members.length === 0) return Promise.reject(this.broken ?? new Error('no pipeline thread is running'));
    const member = this.leastBusy();
    if (lane === 'live' || (this.waiting.length === 0 && member.pending.size < BULK_IN_HAND)) return this.runOn<T>(member, task, lane);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ id: ++this.seq, task, pending: { resolve: resolve as (v: unknown) => void, reject } });
    });
  }

  private leastBusy(): Member {
    let member = this.members[0]!;
    for (const m of this.members) if (m.pending.size < member.pending.size) member = m;
    return member;
  }

  /** Hands waiting bulk tasks to threads with room. */
  private pump(): void {
    while (this.waiting.length > 0 && this.members.length > 0 && !this.closed) {
      const member = this.leastBusy();
      if (member.pending.size >= BULK_IN_HAND) return;
      const next = this.waiting.shift()!;
      this.handOver(member, next.id, next.task, next.pending);
    }
  }

  /** Posts a task nobody waits for to the least busy thread (it answers nothing, and what it fails at is lost with it). */
  post(task: { kind: string }): void {
    if (this.closed || this.members.length === 0) return;
    this.leastBusy().worker.postMessage({ id: 0, task } satisfies Envelope);
  }

  /** Runs `task` once on every thread: `ready` waits until each has loaded its modules and answered. */
  async each(task: { kind: string }): Promise<void> {
    await this.onEach(task);
  }

  /** Runs `task` once on every thread running now; their answers. */
  onEach<T>(task: { kind: string }): Promise<T[]> {
    return Promise.all(this.members.map((m) => this.runOn<T>(m, task)));
  }

  private runOn<T>(member: Member, task: { kind: string }, lane: Lane = 'bulk'): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => this.handOver(member, id, task, { resolve: resolve as (v: unknown) => void, reject }, lane));
  }

  /** Hands a task to a thread: it answers `pending` (the thread is kept referenced while it holds tasks). */
  private handOver(member: Member, id: number, task: { kind: string }, pending: Pending, lane: Lane = 'bulk'): void {
    const settle = () => {
      if (member.pending.size === 0) member.worker.unref();
    };
    member.pending.set(id, {
      resolve: (v) => {
        const answer = () => {
          pending.resolve(v);
          settle();
        };
        if (lane === 'live') answer();
        else this.pace(answer);
      },
      reject: (e) => {
        pending.reject(e);
        settle();
      },
    });
    if (member.pending.size === 1) member.worker.ref();
    member.worker.postMessage({ id, task, lane } satisfies Envelope);
  }

  /**
   * Hands bulk answers to their callers one per turn of the event loop. A thread's answers
   * arrive together (a port delivers every queued message in one callback), and each caller's
   * continuation (storing a feed's items, writing their tags) runs on to its next await: 30
   * of them back to back held the loop for hundreds of ms, with the stream hub's reads and
   * an API request waiting behind. One per turn lets I/O in between; a live answer is at once.
   */
  private pace(answer: () => void): void {
    this.paced.push(answer);
    if (this.paced.length === 1) setImmediate(this.nextPaced);
  }

  /**
   * Resolves on a later turn of the event loop, in the same one-per-turn line as the bulk
   * answers. Backlog work on the event loop (storing a new feed's archive, writing a large
   * batch's tags) waits for a turn after each Redis reply before its next CPU stretch, so a
   * turn holds at most one such stretch and a live item's continuations, which do not queue,
   * run in the I/O phase between two of them instead of behind all that were ready at once.
   */
  bulkTurn(): Promise<void> {
    return new Promise<void>((resolve) => this.pace(resolve));
  }

  /**
   * Sends state to every thread (no answer): messages to a thread arrive in order, so every
   * task posted after this sees it. Kept and replayed into a replacement thread.
   */
  broadcast(kind: string, state: unknown): void {
    this.shared.set(kind, state);
    for (const m of this.members) m.worker.postMessage({ id: 0, task: { kind, state }, shared: true } satisfies Envelope);
  }

  /** Stops every thread; tasks still running fail. */
  async close(): Promise<void> {
    this.closed = true;
    const members = this.members.splice(0);
    for (const q of this.waiting.splice(0)) q.pending.reject(new Error('thread pool closed'));
    await Promise.all(members.map((m) => m.worker.terminate()));
    for (const m of members) for (const p of m.pending.values()) p.reject(new Error('thread pool closed'));
  }
}
