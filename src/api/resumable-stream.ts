import { AppError, ErrorCodes } from '../errors.ts';
import { mayHaveLostEntries, type StreamEntry, type StreamStore } from '../storage/stream-store.ts';
import type { StreamFollower } from '../storage/stream-follower.ts';
import { compareStreamIds, isStreamId } from '../storage/stream-id.ts';
import type { Frame, SseSession } from './sse-session.ts';
import { frameOf, StreamHubs, type HubClient, type RenderedEvent } from './stream-hub.ts';

export type { RenderedEvent } from './stream-hub.ts';

const CATCH_UP_PAGE = 200;

// One set of hubs per follower (that is, per API process).
const hubsOf = new WeakMap<StreamFollower, StreamHubs>();

/** A session as a hub client: its methods on the prototype, no closures per connection. */
class SessionClient implements HubClient {
  live = false;
  buffered: StreamEntry[] = [];

  constructor(
    private readonly session: SseSession,
    public lastSent: string | null,
  ) {}

  write(frame: Frame): boolean {
    return this.session.sendFrame(frame);
  }

  fail(): void {
    this.session.close();
  }
}

/** The Last-Event-ID of a request (header first, then `?lastEventId=`); 400 when it is not a stream id. */
export function lastEventIdOf(header: string | undefined, query: unknown): string | null {
  const value = header ?? (typeof query === 'string' ? query : undefined);
  if (value === undefined || value === '') return null;
  if (!isStreamId(value)) {
    throw new AppError(ErrorCodes.validation, 'Last-Event-ID must be an event id this stream sent (like 1732900000000-0).', {
      fieldErrors: [{ field: 'lastEventId', message: 'is not a stream event id' }],
    });
  }
  return value;
}

/**
 * Serves a Redis Stream to an SSE session with the resume promise: a client that comes back
 * with Last-Event-ID gets every entry it missed, once and in order, then the live ones.
 *
 * The client joins its stream's hub first (live entries buffer for it); the catch-up then
 * reads the stream up to the point where the hub's subscription begins, so no entry falls
 * between the two and none is sent twice; then the client goes live and the hub writes to
 * it with every other client. A client whose id has been trimmed away is told to reload
 * instead of being silently skipped ahead. `renderKey` tells apart renders of one stream
 * that differ (an anchor's version); clients with the same key share one render per entry.
 */
export async function serveResumableStream(opts: {
  session: SseSession;
  follower: StreamFollower;
  streams: StreamStore;
  key: string;
  lastEventId: string | null;
  renderKey?: string;
  render(entries: StreamEntry[]): Promise<RenderedEvent[]>;
}): Promise<void> {
  const { session, follower, streams, key } = opts;
  let hubs = hubsOf.get(follower);
  if (!hubs) {
    hubs = new StreamHubs(follower);
    hubsOf.set(follower, hubs);
  }
  const client = new SessionClient(session, opts.lastEventId);

  // The client's own sends (catch-up and what buffered meanwhile), in order, skipping what it has.
  const deliver = async (entries: StreamEntry[]) => {
    const fresh = client.lastSent === null ? entries : entries.filter((e) => compareStreamIds(e.id, client.lastSent!) > 0);
    if (fresh.length === 0 || session.closed) return;
    const rendered = await opts.render(fresh);
    for (let i = 0; i < fresh.length; i++) {
      // The hub may have written newer entries meanwhile (the client went live): never go back.
      if (client.lastSent !== null && compareStreamIds(fresh[i]!.id, client.lastSent) <= 0) continue;
      const event = rendered[i];
      if (event && !session.sendFrame(frameOf(event, fresh[i]!.id))) return;
      client.lastSent = fresh[i]!.id;
    }
  };

  const membership = await hubs.join(key, opts.renderKey ?? '', opts.render, client);
  session.onClose(() => membership.leave());

  if (client.lastSent === null) {
    client.lastSent = membership.fromId;
  } else if (compareStreamIds(client.lastSent, membership.fromId) < 0) {
    const trim = await streams.trimState(key);
    if (mayHaveLostEntries(trim, client.lastSent, compareStreamIds)) {
      session.send('reload', JSON.stringify({ reason: 'trimmed', lastEventId: client.lastSent, oldestAvailable: trim.firstId }));
      client.lastSent = membership.fromId;
    } else {
      let cursor = client.lastSent;
      while (!session.closed && compareStreamIds(cursor, membership.fromId) < 0) {
        const page = await streams.range(key, cursor, membership.fromId, CATCH_UP_PAGE);
        if (page.length === 0) break;
        await deliver(page);
        cursor = page[page.length - 1]!.id;
        await session.drained();
      }
    }
  }
  try {
    // What arrived during the catch-up, until nothing is left: then the hub takes over, in the same turn.
    while (client.buffered.length > 0 && !session.closed) await deliver(client.buffered.splice(0));
    client.live = true;
  } catch {
    session.close();
  }
}
