import type { FeedStore } from '../storage/feed-store.ts';

/** What the per-host gate needs. */
export interface HostGateDeps {
  feeds: FeedStore;
  /** Requests in flight to one host at most, across every worker (HOST_CONCURRENCY). */
  hostConcurrency: number;
  /** How long a slot is held at most: a process that dies holding one gives it back by expiry. */
  leaseMs: number;
  now(): number;
}

/** The answer of the gate: the work's value, or "busy" with when to come back. */
export type Gated<T> = { busy: false; value: T } | { busy: true; retryAt: number };

/** The host a URL's requests count against ("invalid" for a URL without one). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}

/**
 * Runs `work` holding one of a host's slots, so one host never sees more than
 * HOST_CONCURRENCY requests from all workers together. When every slot is busy the work does
 * not run, and the caller is told to come back shortly (with jitter, so waiters spread out).
 */
export async function withHostSlot<T>(url: string, token: string, deps: HostGateDeps, work: () => Promise<T>): Promise<Gated<T>> {
  const host = hostOf(url);
  if (!(await deps.feeds.acquireHostSlot(host, token, deps.hostConcurrency, deps.leaseMs, deps.now()))) {
    return { busy: true, retryAt: deps.now() + 250 + Math.floor(Math.random() * 500) };
  }
  try {
    return { busy: false, value: await work() };
  } finally {
    await deps.feeds.releaseHostSlot(host, token);
  }
}
