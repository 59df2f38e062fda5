import { randomBytes } from 'node:crypto';

/** The shared slot registry the lanes lease from (FeedStore's host slots). */
export interface HostSlotRegistry {
  /** Takes up to `tokens.length` free slots among `limit` for the host, leased until now + leaseMs; returns how many (the first ones of `tokens`). */
  acquireHostSlots(host: string, tokens: string[], limit: number, leaseMs: number, now: number): Promise<number>;
  /** Renews the leases of slots held by `tokens`; returns the tokens that no longer hold one. */
  renewHostSlots(host: string, tokens: string[], leaseMs: number, now: number): Promise<string[]>;
  /** Gives host slots back. */
  releaseHostSlots(host: string, tokens: string[]): Promise<void>;
}

/** How long a host slot is leased; every slot a process holds is renewed every third of it. */
export const HOST_SLOT_LEASE_MS = 15_000;

/**
 * How long a slot no request of this process waits for is kept before it goes back to Redis:
 * the host's next request within this time (a batch's next feed on that host) takes it without
 * a round trip. Other processes wait at most this long for it.
 */
export const HOST_SLOT_LINGER_MS = 50;

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
  /** How long an unused slot is kept for the host's next request (default HOST_SLOT_LINGER_MS). */
  lingerMs?: number;
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
  /** A renewal found it taken back (this process stalled past its lease): not handed on. */
  lost: boolean;
}

interface Waiter {
  give(slot: Slot): void;
  fail(err: unknown): void;
}

interface Lane {
  host: string;
  /** Slots held and not in use (lingering). */
  idle: Slot[];
  /** Slots held by a running request. */
  busy: Set<Slot>;
  /** Slots being asked of Redis right now. */
  asking: number;
  /** Requests of this process waiting for a slot, first come first served. */
  waiters: Waiter[];
  /** A coalesced ask is queued for the end of this turn. */
  pumpQueued: boolean;
  /** Another ask after other processes held every slot. */
  retry: NodeJS.Timeout | null;
  linger: NodeJS.Timeout | null;
  renewal: NodeJS.Timeout | null;
}

/** How long a lane waits before asking again when other processes hold every slot of its host. */
const RETRY_MIN_MS = 10;
const RETRY_SPREAD_MS = 30;

/**
 * Per-host request slots, leased from Redis so no host sees more than HOST_CONCURRENCY
 * requests from all workers together, and handed straight to this process's next waiting
 * request when one finishes: a host's slots stay busy while it has due feeds, with no trip
 * through Redis or a delayed job between two requests. Requests arriving together are served
 * by one ask for as many slots as they need; a slot nobody waits for lingers briefly, then goes
 * back with the host's other idle ones in one call. Every slot the process holds for a host is
 * renewed in one call per third of the lease, and a dead process's slots come back when their
 * lease ends.
 */
export class HostLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly processTag = randomBytes(6).toString('hex');
  private seq = 0;

  constructor(private readonly deps: HostLanesDeps) {}

  /**
   * Runs `work` (one request to the URL's host) holding one of the host's slots. With
   * `maxWaitMs`, gives up with HostBusyError when no slot came in that time (an enrichment that
   * may be skipped).
   */
  async run<T>(url: string, work: () => Promise<T>, opts: { maxWaitMs?: number } = {}): Promise<T> {
    const host = hostOf(url);
    const deadline = opts.maxWaitMs === undefined ? undefined : this.deps.now() + opts.maxWaitMs;
    let lane: Lane;
    let slot: Slot;
    for (;;) {
      lane = this.lane(host);
      const idle = lane.idle.pop();
      if (idle) {
        lane.busy.add(idle);
        slot = idle;
      } else {
        slot = await this.waitForSlot(lane, deadline === undefined ? undefined : Math.max(0, deadline - this.deps.now()));
      }
      if (await this.fresh(lane, slot)) break;
      // Taken back while this process stalled past its lease: find another.
      lane.busy.delete(slot);
      this.give(lane, slot);
    }
    try {
      return await work();
    } finally {
      lane.busy.delete(slot);
      this.give(lane, slot);
    }
  }

  /**
   * True when the slot's lease has a third or more left. The renewal timer keeps it so; when the
   * timer ran late (a blocked event loop) the slot is renewed before use, and a lost one is marked.
   */
  private fresh(lane: Lane, slot: Slot): boolean | Promise<boolean> {
    const t = this.deps.now();
    if (t - slot.leasedAt < (this.deps.leaseMs * 2) / 3) return true;
    return this.deps.slots.renewHostSlots(lane.host, [slot.token], this.deps.leaseMs, t).then(
      (lost) => {
        if (lost.length > 0) slot.lost = true;
        else slot.leasedAt = t;
        return lost.length === 0;
      },
      (err: unknown) => {
        lane.busy.delete(slot);
        this.give(lane, slot);
        throw err;
      },
    );
  }

  /** Requests of this process waiting for a slot of the host, and slots it holds (in use, asked for or lingering), for tests. */
  state(url: string): { held: number; waiting: number } {
    const lane = this.lanes.get(hostOf(url));
    return { held: lane ? this.held(lane) : 0, waiting: lane?.waiters.length ?? 0 };
  }

  /** Gives every lingering slot back now (at shutdown, and for tests); slots in use are kept. */
  async releaseIdle(): Promise<void> {
    await Promise.all([...this.lanes.values()].map((lane) => this.releaseLingering(lane)));
  }

  private held(lane: Lane): number {
    return lane.idle.length + lane.busy.size + lane.asking;
  }

  private lane(host: string): Lane {
    let lane = this.lanes.get(host);
    if (!lane) {
      lane = { host, idle: [], busy: new Set(), asking: 0, waiters: [], pumpQueued: false, retry: null, linger: null, renewal: null };
      this.lanes.set(host, lane);
    }
    return lane;
  }

  private waitForSlot(lane: Lane, maxWaitMs: number | undefined): Promise<Slot> {
    return new Promise((resolve, reject) => {
      const timer =
        maxWaitMs === undefined
          ? null
          : setTimeout(() => {
              const i = lane.waiters.indexOf(waiter);
              if (i < 0) return;
              lane.waiters.splice(i, 1);
              reject(new HostBusyError(lane.host));
              this.forgetIfEmpty(lane);
            }, maxWaitMs);
      const waiter: Waiter = {
        give: (slot) => {
          if (timer) clearTimeout(timer);
          resolve(slot);
        },
        fail: (err) => {
          if (timer) clearTimeout(timer);
          reject(err);
        },
      };
      lane.waiters.push(waiter);
      if (!lane.pumpQueued) {
        // Requests of the same turn (a batch's fetches starting together) share one ask.
        lane.pumpQueued = true;
        queueMicrotask(() => {
          lane.pumpQueued = false;
          this.pump(lane);
        });
      }
    });
  }

  /** Asks Redis for as many slots as waiters need and the limit allows, unless an ask is under way. */
  private pump(lane: Lane): void {
    const { slots, hostConcurrency, leaseMs, now } = this.deps;
    if (lane.asking > 0 || lane.retry) return;
    const want = Math.min(hostConcurrency - this.held(lane), lane.waiters.length);
    // Zero: every slot is held here, and the waiters get them as they are handed on.
    if (want <= 0) return;
    const tokens = Array.from({ length: want }, () => `${this.processTag}-${++this.seq}`);
    const t = now();
    lane.asking = want;
    slots.acquireHostSlots(lane.host, tokens, hostConcurrency, leaseMs, t).then(
      (granted) => {
        lane.asking = 0;
        for (let i = 0; i < granted; i++) this.give(lane, { token: tokens[i]!, leasedAt: t, lost: false });
        if (granted > 0) this.keepRenewing(lane);
        if (lane.waiters.length === 0) return this.forgetIfEmpty(lane);
        // All granted: waiters that came meanwhile may take more. Fewer: other processes hold
        // the rest, so the waiters take hand-overs of the slots held here, and the lane asks
        // again only after a short pause (spread, so askers do not align), not once per request.
        if (granted === want) return this.pump(lane);
        lane.retry = setTimeout(() => {
          lane.retry = null;
          this.pump(lane);
          this.forgetIfEmpty(lane);
        }, RETRY_MIN_MS + Math.random() * RETRY_SPREAD_MS);
      },
      (err: unknown) => {
        // Redis away: the waiters this ask was for fail (their polls fail and are retried).
        lane.asking = 0;
        for (const w of lane.waiters.splice(0, want)) w.fail(err);
        if (this.held(lane) === 0 && lane.waiters.length > 0) this.pump(lane);
        this.forgetIfEmpty(lane);
      },
    );
  }

  /** A slot comes free (or was just leased): to the next waiter, else it lingers. */
  private give(lane: Lane, slot: Slot): void {
    if (slot.lost) {
      this.forgetIfEmpty(lane);
      if (lane.waiters.length > 0) this.pump(lane);
      return;
    }
    const next = lane.waiters.shift();
    if (next) {
      lane.busy.add(slot);
      next.give(slot);
      return;
    }
    lane.idle.push(slot);
    if (!lane.linger) {
      const linger = this.deps.lingerMs ?? HOST_SLOT_LINGER_MS;
      lane.linger = setTimeout(() => {
        lane.linger = null;
        void this.releaseLingering(lane);
      }, linger);
      lane.linger.unref();
    }
  }

  private async releaseLingering(lane: Lane): Promise<void> {
    if (lane.linger) clearTimeout(lane.linger);
    lane.linger = null;
    const tokens = lane.idle.splice(0).map((s) => s.token);
    this.forgetIfEmpty(lane);
    if (tokens.length === 0) return;
    // A release that fails leaves the slots to their lease, which ends by itself.
    await this.deps.slots.releaseHostSlots(lane.host, tokens).catch(() => undefined);
  }

  /** Renews every slot of the lane once per third of the lease while the lane holds any. */
  private keepRenewing(lane: Lane): void {
    if (lane.renewal) return;
    lane.renewal = setInterval(() => void this.renewAll(lane), Math.max(10, Math.floor(this.deps.leaseMs / 3)));
    lane.renewal.unref();
  }

  private async renewAll(lane: Lane): Promise<void> {
    const held = [...lane.idle, ...lane.busy];
    if (held.length === 0) return;
    const t = this.deps.now();
    let lost: string[];
    try {
      lost = await this.deps.slots.renewHostSlots(lane.host, held.map((s) => s.token), this.deps.leaseMs, t);
    } catch {
      // Redis away for a moment: the next beat tries again, the lease has two beats of margin.
      return;
    }
    const gone = new Set(lost);
    for (const slot of held) {
      if (gone.has(slot.token)) slot.lost = true;
      else slot.leasedAt = Math.max(slot.leasedAt, t);
    }
    // A lost slot in use is dropped when its request ends; a lingering one now.
    lane.idle = lane.idle.filter((s) => !s.lost);
    if (gone.size > 0) {
      this.forgetIfEmpty(lane);
      if (lane.waiters.length > 0) this.pump(lane);
    }
  }

  /** Drops the lane of a host this process neither holds nor waits for. */
  private forgetIfEmpty(lane: Lane): void {
    if (this.held(lane) > 0 || lane.waiters.length > 0 || lane.retry || lane.pumpQueued) return;
    if (lane.renewal) clearInterval(lane.renewal);
    lane.renewal = null;
    if (this.lanes.get(lane.host) === lane) this.lanes.delete(lane.host);
  }
}
