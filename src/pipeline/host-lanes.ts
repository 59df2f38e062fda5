import { randomBytes } from 'node:crypto';

/** The shared slot registry the lanes lease from (FeedStore's host slots). */
export interface HostSlotRegistry {
  /** Takes (or, when `token` holds one already, renews) a slot among `limit` for the host; false when all are taken. */
  acquireHostSlot(host: string, token: string, limit: number, leaseMs: number, now: number, renew?: boolean): Promise<boolean>;
  /** Gives a host slot back. */
  releaseHostSlot(host: string, token: string): Promise<void>;
}

/** How long a host slot is leased; renewed every third of it while its request runs. */
export const HOST_SLOT_LEASE_MS = 15_000;

/** No slot of the host came free within the time a caller would wait. */
export class HostBusyError extends Error {
  constructor(readonly host: string) {
    super(`Every request slot for ${host} stayed busy`);
    this.name = 'HostBusyError';
  }
}

/** What the lanes need. */
export interface HostLanesDeps {
  slots: HostSlotRegistry;
  /** Requests in flight to one host at most, across every worker (HOST_CONCURRENCY). */
  hostConcurrency: number;
  /** How long a slot is leased: a process that dies holding one gives it back by expiry. */
  leaseMs: number;
  now(): number;
}

/** The host a URL's requests count against ("invalid" for a URL without one). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}

interface Slot {
  token: string;
  /** When its lease was last taken or renewed. */
  leasedAt: number;
}

interface Lane {
  /** Slots this process holds for the host (in use or being handed on). */
  held: number;
  /** Requests of this process waiting for one of its slots. */
  waiters: Array<(slot: Slot | null) => void>;
}

/** How long a request waits before asking again when other processes hold every slot of its host. */
const RETRY_MIN_MS = 10;
const RETRY_SPREAD_MS = 30;

/**
 * Per-host request slots, leased from Redis so no host sees more than HOST_CONCURRENCY
 * requests from all workers together, and handed straight to this process's next waiting
 * request when one finishes: a host's slots stay busy while it has due feeds, with no trip
 * through Redis or a delayed job between two requests. A slot goes back to Redis when no
 * request of this process waits for it; a renewed lease keeps a long run of hand-overs
 * safe, and a dead process's slots come back when their lease ends.
 */
export class HostLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly processTag = randomBytes(6).toString('hex');
  private seq = 0;

  constructor(private readonly deps: HostLanesDeps) {}

  /**
   * Runs `work` (one request to the URL's host) holding one of the host's slots. The slot's
   * lease is renewed while the work runs, so a lease can stay short: a process killed while
   * holding slots blocks its hosts for one lease at most. With `maxWaitMs`, gives up with
   * HostBusyError when no slot came in that time (an enrichment that may be skipped).
   */
  async run<T>(url: string, work: () => Promise<T>, opts: { maxWaitMs?: number } = {}): Promise<T> {
    const host = hostOf(url);
    const slot = await this.acquire(host, opts.maxWaitMs === undefined ? null : this.deps.now() + opts.maxWaitMs);
    const beat = setInterval(() => void this.heartbeat(host, slot), Math.max(10, Math.floor(this.deps.leaseMs / 3)));
    beat.unref();
    try {
      return await work();
    } finally {
      clearInterval(beat);
      await this.release(host, slot);
    }
  }

  /** Extends the lease of a slot in use; a lapsed one is left to the hand-over check. */
  private async heartbeat(host: string, slot: Slot): Promise<void> {
    const { slots, hostConcurrency, leaseMs, now } = this.deps;
    const t = now();
    try {
      if (await slots.acquireHostSlot(host, slot.token, hostConcurrency, leaseMs, t, true)) slot.leasedAt = t;
    } catch {
      // Redis away for a moment: the next beat tries again, the lease has two beats of margin.
    }
  }

  /** Requests of this process waiting for a slot of the host, and slots it holds (for tests). */
  state(url: string): { held: number; waiting: number } {
    const lane = this.lanes.get(hostOf(url));
    return { held: lane?.held ?? 0, waiting: lane?.waiters.length ?? 0 };
  }

  private lane(host: string): Lane {
    let lane = this.lanes.get(host);
    if (!lane) {
      lane = { held: 0, waiters: [] };
      this.lanes.set(host, lane);
    }
    return lane;
  }

  private async acquire(host: string, deadline: number | null): Promise<Slot> {
    const { slots, hostConcurrency, leaseMs, now } = this.deps;
    for (;;) {
      const lane = this.lane(host);
      if (lane.held < hostConcurrency) {
        lane.held++;
        const slot = { token: `${this.processTag}-${++this.seq}`, leasedAt: now() };
        let ok = false;
        try {
          ok = await slots.acquireHostSlot(host, slot.token, hostConcurrency, leaseMs, slot.leasedAt);
        } finally {
          if (!ok) this.drop(host, lane);
        }
        if (ok) return slot;
      }
      if (lane.held > 0) {
        // One of this process's slots will be handed on when its request ends.
        const handed = await this.waitForHandOver(lane, deadline);
        if (handed === 'timeout') throw new HostBusyError(host);
        if (handed && (await this.renewIfOld(host, handed))) return handed;
        continue;
      }
      if (deadline !== null && now() >= deadline) throw new HostBusyError(host);
      // Other processes hold every slot: ask again shortly (spread, so askers do not align).
      await new Promise((resolve) => setTimeout(resolve, RETRY_MIN_MS + Math.random() * RETRY_SPREAD_MS));
    }
  }

  /** True when the slot's lease is still good (renewed when a third of it has passed); a lost slot is dropped. */
  private async renewIfOld(host: string, slot: Slot): Promise<boolean> {
    const { slots, hostConcurrency, leaseMs, now } = this.deps;
    const t = now();
    if (t - slot.leasedAt < leaseMs / 3) return true;
    let ok = false;
    try {
      ok = await slots.acquireHostSlot(host, slot.token, hostConcurrency, leaseMs, t, true);
    } finally {
      if (!ok) this.drop(host, this.lane(host));
    }
    if (ok) slot.leasedAt = t;
    return ok;
  }

  /** The slot handed on to this waiter, null when the lane emptied, 'timeout' past the deadline. */
  private waitForHandOver(lane: Lane, deadline: number | null): Promise<Slot | null | 'timeout'> {
    return new Promise((resolve) => {
      const waiter = (slot: Slot | null) => {
        if (timer) clearTimeout(timer);
        resolve(slot);
      };
      lane.waiters.push(waiter);
      // A waiter already handed a slot is no longer in the list: the timeout then does nothing.
      const timer =
        deadline === null
          ? null
          : setTimeout(() => {
              const i = lane.waiters.indexOf(waiter);
              if (i < 0) return;
              lane.waiters.splice(i, 1);
              resolve('timeout');
            }, Math.max(0, deadline - this.deps.now()));
    });
  }

  private async release(host: string, slot: Slot): Promise<void> {
    const lane = this.lane(host);
    const next = lane.waiters.shift();
    if (next) {
      next(slot);
      return;
    }
    this.drop(host, lane);
    await this.deps.slots.releaseHostSlot(host, slot.token);
  }

  /** Forgets one held slot; when none is left, waiters go back to asking Redis themselves. */
  private drop(host: string, lane: Lane): void {
    lane.held--;
    if (lane.held > 0) return;
    for (const w of lane.waiters.splice(0)) w(null);
    this.lanes.delete(host);
  }
}
