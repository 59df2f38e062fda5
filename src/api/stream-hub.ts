import type { StreamEntry } from '../storage/stream-store.ts';
import type { StreamFollower, Subscription } from '../storage/stream-follower.ts';
import { compareStreamIds } from '../storage/stream-id.ts';
import { formatEvent, frameOfBytes, type Frame } from './sse-session.ts';

/** One event to send, rendered from a stream entry (null to skip the entry). */
export type RenderedEvent = { event: string; data: string } | null;

/** Renders stream entries to events (the same for every client of a hub). */
export type Render = (entries: StreamEntry[]) => Promise<RenderedEvent[]>;

/** A client of a hub: where it stands, and how to write to it. */
export interface HubClient {
  /** The id of the last entry this client was sent (or was told to start after). */
  lastSent: string | null;
  /** False while the client catches up on its own; the hub writes only to live clients. */
  live: boolean;
  /** Entries that arrived while the client was not live: its own to send. */
  buffered: StreamEntry[];
  /** Writes one frame; false when the client is gone (or was cut off for being slow). */
  write(frame: Frame): boolean;
  /** Ends the client's stream (a render failed): it comes back with its Last-Event-ID and misses nothing. */
  fail(): void;
}

// An event's frame is formatted and encoded once and the same bytes written to every client.
const frames = new WeakMap<object, Frame>();

/** The wire bytes of a rendered event with its id (plain, and as one HTTP/1.1 chunk), built once per event. */
export function frameOf(event: { event: string; data: string }, id: string): Frame {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = frameOfBytes(Buffer.from(formatEvent(event.event, event.data, id), 'utf8'));
    frames.set(event, frame);
  }
  return frame;
}

/** Several frames as one: their bytes back to back, and their chunks back to back (still whole HTTP/1.1 chunks). */
function joinFrames(frames: Frame[]): Frame {
  return { bytes: Buffer.concat(frames.map((f) => f.bytes)), chunk: Buffer.concat(frames.map((f) => f.chunk)) };
}

interface Hub {
  clients: Set<HubClient>;
  subscription: Subscription;
  /** The newest entry the hub has received: a client joining now catches up to here on its own. */
  lastId: string;
  /** The last entry id of the previous fan-out: a client that was sent exactly that is level with the hub. */
  wroteUpTo: string | null;
  chain: Promise<void>;
}

/**
 * The live fan-out of one process: per stream (and render), one follower subscription that
 * renders each new entry once and writes the same Buffer to every live client in one
 * synchronous pass: with 10,000 clients the per-client cost is one socket write, with no
 * promise, no render lookup and no string encoding per client.
 */
export class StreamHubs {
  private readonly hubs = new Map<string, Promise<Hub>>();

  constructor(private readonly follower: StreamFollower) {}

  /**
   * Adds a client to the hub of `key` (`renderKey` tells renders apart: an anchor's version);
   * returns the id after which live entries start and the function that removes the client.
   */
  async join(key: string, renderKey: string, render: Render, client: HubClient): Promise<{ fromId: string; leave(): void }> {
    const id = `${key}\u0000${renderKey}`;
    let pending = this.hubs.get(id);
    if (!pending) {
      pending = this.open(key, render);
      this.hubs.set(id, pending);
      pending.catch(() => this.hubs.delete(id));
    }
    const hub = await pending;
    hub.clients.add(client);
    return {
      fromId: hub.lastId,
      leave: () => {
        hub.clients.delete(client);
        if (hub.clients.size === 0 && this.hubs.get(id) === pending) {
          this.hubs.delete(id);
          hub.subscription.unsubscribe();
        }
      },
    };
  }

  private async open(key: string, render: Render): Promise<Hub> {
    const hub: Hub = { clients: new Set(), subscription: null as unknown as Subscription, lastId: '0-0', wroteUpTo: null, chain: Promise.resolve() };
    hub.subscription = await this.follower.subscribe(key, (entries) => {
      hub.lastId = entries[entries.length - 1]!.id;
      // Clients still catching up keep the entries for themselves, in order.
      for (const c of hub.clients) if (!c.live) c.buffered.push(...entries);
      // Renders start at once, each read's beside the previous ones (a render waits on Redis,
      // which an ingest keeps busy); only the writes keep the stream's order.
      const rendering = (async () => render(entries))();
      rendering.catch(() => {});
      hub.chain = hub.chain
        .then(() => fanOut(hub, entries, rendering))
        .catch(() => {
          for (const c of [...hub.clients]) if (c.live) c.fail();
        });
    });
    if (compareStreamIds(hub.subscription.fromId, hub.lastId) > 0) hub.lastId = hub.subscription.fromId;
    return hub;
  }
}

async function fanOut(hub: Hub, entries: StreamEntry[], rendering: Promise<RenderedEvent[]>): Promise<void> {
  const rendered = await rendering;
  const out: Array<{ id: string; frame: Frame }> = [];
  entries.forEach((e, i) => {
    const event = rendered[i];
    if (event) out.push({ id: e.id, frame: frameOf(event, e.id) });
  });
  const lastId = entries[entries.length - 1]!.id;
  const level = hub.wroteUpTo;
  hub.wroteUpTo = lastId;
  // Clients level with the hub get every frame of the read: as one write (one syscall per
  // client, however many entries the read brought, as during an ingest's bursts).
  const all = out.length === 1 ? out[0]!.frame : out.length > 1 ? joinFrames(out.map((o) => o.frame)) : null;
  for (const client of hub.clients) {
    if (!client.live) continue;
    // The common case, level with the hub since the last fan-out: no id parsing.
    if (level !== null && client.lastSent === level) {
      if (all === null || client.write(all)) client.lastSent = lastId;
      else hub.clients.delete(client);
      continue;
    }
    // A client that just went live may have sent some of these itself.
    const behind = client.lastSent === null || compareStreamIds(client.lastSent, entries[0]!.id) < 0;
    let ok = true;
    for (const { id, frame } of out) {
      if (!behind && compareStreamIds(id, client.lastSent!) <= 0) continue;
      if (!client.write(frame)) {
        ok = false;
        break;
      }
    }
    if (!ok) hub.clients.delete(client);
    else if (behind || compareStreamIds(lastId, client.lastSent!) > 0) client.lastSent = lastId;
  }
}
