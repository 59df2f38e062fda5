import { AppError, ErrorCodes } from '../errors.ts';
import { mayHaveLostEntries, type StreamEntry, type StreamStore } from '../storage/stream-store.ts';
import type { StreamFollower } from '../storage/stream-follower.ts';
import { compareStreamIds, isStreamId } from '../storage/stream-id.ts';
import { formatEvent, type SseSession } from './sse-session.ts';

/** One event to send, rendered from a stream entry (null to skip the entry). */
export type RenderedEvent = { event: string; data: string } | null;

// An entry's frame is formatted once and written to every client that follows the stream:
// with a thousand clients the per-client cost is one socket write.
const frames = new WeakMap<object, string>();

function frameOf(event: { event: string; data: string }, id: string): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = formatEvent(event.event, event.data, id);
    frames.set(event, frame);
  }
  return frame;
}

const CATCH_UP_PAGE = 200;

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
 * The live subscription starts first and buffers; the catch-up then reads the stream up to
 * the point where the subscription begins, so no entry falls between the two and none is
 * sent twice. A client whose id has been trimmed away is told to reload instead of being
 * silently skipped ahead.
 */
export async function serveResumableStream(opts: {
  session: SseSession;
  follower: StreamFollower;
  streams: StreamStore;
  key: string;
  lastEventId: string | null;
  render(entries: StreamEntry[]): Promise<RenderedEvent[]>;
}): Promise<void> {
  const { session, follower, streams, key } = opts;
  let lastSent: string | null = opts.lastEventId;
  let live = false;
  const buffered: StreamEntry[] = [];
  let chain: Promise<void> = Promise.resolve();

  const deliver = async (entries: StreamEntry[]) => {
    const fresh = lastSent === null ? entries : entries.filter((e) => compareStreamIds(e.id, lastSent!) > 0);
    if (fresh.length === 0 || session.closed) return;
    const rendered = await opts.render(fresh);
    for (let i = 0; i < fresh.length; i++) {
      const event = rendered[i];
      if (event && !session.sendFrame(frameOf(event, fresh[i]!.id))) return;
      lastSent = fresh[i]!.id;
    }
  };

  const subscription = await follower.subscribe(key, (entries) => {
    if (!live) buffered.push(...entries);
    else chain = chain.then(() => deliver(entries)).catch(() => session.close());
  });
  session.onClose(() => subscription.unsubscribe());

  if (lastSent === null) {
    lastSent = subscription.fromId;
  } else if (compareStreamIds(lastSent, subscription.fromId) < 0) {
    const trim = await streams.trimState(key);
    if (mayHaveLostEntries(trim, lastSent, compareStreamIds)) {
      session.send('reload', JSON.stringify({ reason: 'trimmed', lastEventId: lastSent, oldestAvailable: trim.firstId }));
      lastSent = subscription.fromId;
    } else {
      let cursor = lastSent;
      while (!session.closed && compareStreamIds(cursor, subscription.fromId) < 0) {
        const page = await streams.range(key, cursor, subscription.fromId, CATCH_UP_PAGE);
        if (page.length === 0) break;
        await deliver(page);
        cursor = page[page.length - 1]!.id;
        await session.drained();
      }
    }
  }
  live = true;
  chain = chain.then(() => deliver(buffered.splice(0))).catch(() => session.close());
  await chain;
}
