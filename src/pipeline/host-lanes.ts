import { randomBytes } from 'node:crypto';

/** The shared slot registry the lanes lease from (FeedStore's host slots). */
export interface HostSlotRegistry {
  /** Takes (or, when `token` holds one already, renews) a slot among `limit` for the host; false when all are taken. */
  acquireHostSlot(host: string, token: string, limit: number, leaseMs: number, now: number, renew?: boolean): Promise<boolean>;
  /** Gives a host slot back. */
  releaseHostSlot(host: string, token: string): Promise<void>;
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

  /** Runs `work` (one request to the URL's host) holding one of the host's slots. */
  async run<T>(url: string, work: () => Promise<T>): Promise<T> {
    const host = hostOf(url);
    const slot = await this.acquire(host);
    try {
      return await work();
    } finally {
      await this.release(host, slot);
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

  private async acquire(host: string): Promise<Slot> {
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
        const handed = await new Promise<Slot | null>((resolve) => lane.waiters.push(resolve));
        if (handed && (await this.renewIfOld(host, handed))) return handed;
        continue;
      }
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
