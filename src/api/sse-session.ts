import type { Request, Response } from 'express';

/** Tuning of an event stream. */
export interface SseOptions {
  /** A comment line at least this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** Bytes a slow client may leave unread before it is cut off (it can resume). */
  maxBufferedBytes: number;
  /** Reconnection advice sent to the client. */
  retryMs: number;
}

/** Default stream tuning: heartbeat under the contract's 15 s, 1 MiB of slack per client. */
export const defaultSseOptions: SseOptions = { heartbeatMs: 10_000, maxBufferedBytes: 1024 * 1024, retryMs: 3000 };

/** An event encoded once for every client: its bytes, and the same bytes framed as one HTTP/1.1 chunk. */
export interface Frame {
  bytes: Buffer;
  chunk: Buffer;
}

/** Bytes to send as they are, and the same bytes framed as one HTTP/1.1 chunk. */
export function frameOfBytes(bytes: Buffer): Frame {
  return { bytes, chunk: Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]) };
}

/** The wire form of one event: optional id, the event name, the data split into lines. */
export function formatEvent(event: string, data: string, id?: string): string {
  const lines = data.split('\n').map((l) => `data: ${l}`).join('\n');
  return `${id ? `id: ${id}\n` : ''}event: ${event}\n${lines}\n\n`;
}

/**
 * Heartbeats of every open session with the same period share one timer: with 10,000 streams
 * that is one timer and one encoded comment per tick instead of 10,000 of each.
 */
const heartbeats = new Map<number, { timer: NodeJS.Timeout; sessions: Set<SseSession> }>();

function joinHeartbeat(periodMs: number, session: SseSession): () => void {
  let beat = heartbeats.get(periodMs);
  if (!beat) {
    const sessions = new Set<SseSession>();
    const timer = setInterval(() => {
      const comment = frameOfBytes(Buffer.from(`: keep-alive ${new Date().toISOString()}\n\n`, 'utf8'));
      for (const s of sessions) s.heartbeat(comment);
    }, periodMs);
    // Open streams end with their sockets; the shared timer alone never keeps a process up.
    timer.unref();
    beat = { timer, sessions };
    heartbeats.set(periodMs, beat);
  }
  const joined = beat;
  joined.sessions.add(session);
  return () => {
    joined.sessions.delete(session);
    if (joined.sessions.size === 0 && heartbeats.get(periodMs) === joined) {
      clearInterval(joined.timer);
      heartbeats.delete(periodMs);
    }
  };
}

/**
 * One Server-Sent Events response: headers, heartbeat, and a bounded send buffer. A client
 * that stops reading is disconnected once its unread bytes pass the cap, so memory stays
 * flat however slow it is; it resumes from its Last-Event-ID when it reconnects.
 */
export class SseSession {
  private readonly leaveHeartbeat: () => void;
  private closedFlag = false;
  private readonly onCloseHandlers: Array<() => void> = [];

  constructor(
    private readonly res: Response,
    req: Request,
    private readonly options: SseOptions,
    /** Counts open sessions (the metrics gauge): up now, down when the session ends. */
    clients?: { inc(): void; dec(): void },
  ) {
    clients?.inc();
    if (clients) this.onCloseHandlers.push(() => clients.dec());
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // Tell nginx-style proxies not to buffer the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.write(`retry: ${options.retryMs}\n\n`);
    this.leaveHeartbeat = joinHeartbeat(options.heartbeatMs, this);
    const close = () => this.close();
    req.on('close', close);
    res.on('close', close);
    res.on('error', close);
  }

  /** True once the client is gone or was cut off. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Runs when the session ends, for whatever reason. */
  onClose(handler: () => void): void {
    if (this.closedFlag) handler();
    else this.onCloseHandlers.push(handler);
  }

  /** Sends one event; false when the session is closed (or was just cut off for being slow). */
  send(event: string, data: string, id?: string): boolean {
    return this.write(formatEvent(event, data, id));
  }

  /**
   * Sends an event encoded once for every client of a stream. On a chunked HTTP/1.1 response
   * the pre-framed chunk goes straight to the socket, one write and no per-client framing;
   * whole chunks only, so it interleaves safely with the response's own writes.
   */
  sendFrame(frame: Frame): boolean {
    if (this.closedFlag) return false;
    const socket = this.res.socket;
    const raw = this.res as unknown as { chunkedEncoding?: boolean; writableCorked?: number };
    if (!socket || raw.chunkedEncoding !== true || this.res.writableLength > 0 || this.res.writableCorked) return this.write(frame.bytes);
    socket.write(frame.chunk);
    if (socket.writableLength > this.options.maxBufferedBytes) {
      socket.destroy();
      this.close();
      return false;
    }
    return true;
  }

  /** Writes the shared heartbeat comment (called by the period's timer): framed once for every stream. */
  heartbeat(comment: Frame): void {
    this.sendFrame(comment);
  }

  /** Resolves once the socket has drained (or the session closed), to pace large catch-ups. */
  async drained(): Promise<void> {
    // 'drain' only follows a write that reported a full buffer; otherwise there is nothing to wait for.
    if (this.closedFlag || !this.res.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        resolve();
      };
      this.res.on('drain', done);
      this.onClose(done);
    });
  }

  /** Ends the stream. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.leaveHeartbeat();
    if (!this.res.writableEnded) this.res.end();
    // A client that stopped reading never lets end() flush: drop the socket outright.
    this.res.socket?.destroySoon?.();
    for (const handler of this.onCloseHandlers.splice(0)) handler();
  }

  private write(chunk: string | Buffer): boolean {
    if (this.closedFlag) return false;
    this.res.write(chunk);
    if (this.res.writableLength > this.options.maxBufferedBytes) {
      this.res.socket?.destroy();
      this.close();
      return false;
    }
    return true;
  }
}
