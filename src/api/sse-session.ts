import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { detachSocket } from './detach-socket.ts';

/** Tuning of an event stream. */
export interface SseOptions {
  /** A comment line at least this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** Bytes a slow client may leave unread before it is cut off (it can resume). */
  maxBufferedBytes: number;
  /** Reconnection advice sent to the client. */
  retryMs: number;
  /**
   * Takes the connection away from node:http once the head is sent (src/api/detach-socket.ts):
   * only for a response that no request logger or middleware still listens on.
   */
  detach?: boolean;
}

/** The last chunk of a chunked HTTP/1.1 body. */
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

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
 *
 * Works on a plain node:http response as on Express's (the digest stream's fast path has no
 * Express objects). On a chunked HTTP/1.1 response every write after the head goes straight to
 * the socket as whole pre-framed chunks, so the per-client cost of a fan-out is one socket
 * write with no response-stream bookkeeping; only the final end() goes through the response.
 */
export class SseSession {
  private readonly leaveHeartbeat: () => void;
  private closedFlag = false;
  private readonly onCloseHandlers: Array<() => void> = [];
  /** The socket our chunks go to; null when the response is not chunked (HTTP/1.0): then through the response. */
  private readonly socket: Socket | null;
  /** The response, until its socket is detached from node:http (then the session holds the socket alone). */
  private readonly res: ServerResponse | null;

  constructor(
    res: ServerResponse,
    req: IncomingMessage,
    private readonly options: SseOptions,
    /** Counts open sessions (the metrics gauge): up now, down when the session ends. */
    clients?: { inc(): void; dec(): void },
  ) {
    clients?.inc();
    if (clients) this.onCloseHandlers.push(() => clients.dec());
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // Tell nginx-style proxies not to buffer the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    const chunked = (res as unknown as { chunkedEncoding?: boolean }).chunkedEncoding === true && res.socket ? res.socket : null;
    const detached = chunked && options.detach ? detachSocket(req, res) : null;
    this.socket = detached ?? chunked;
    this.res = detached ? null : res;
    this.write(Buffer.from(`retry: ${options.retryMs}\n\n`, 'utf8'));
    this.leaveHeartbeat = joinHeartbeat(options.heartbeatMs, this);
    // One listener for every way the stream ends: the response (or the detached socket) closes.
    const close = () => this.close();
    if (detached) {
      detached.on('close', close);
      detached.on('error', close);
    } else {
      req.on('close', close);
      res.on('close', close);
      res.on('error', close);
    }
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
    return this.write(Buffer.from(formatEvent(event, data, id), 'utf8'));
  }

  /** Sends an event encoded once for every client of a stream: its pre-framed chunk, one socket write. */
  sendFrame(frame: Frame): boolean {
    if (this.closedFlag) return false;
    const socket = this.socket;
    if (socket === null) return this.writeResponse(frame.bytes);
    socket.write(frame.chunk);
    if (socket.writableLength > this.options.maxBufferedBytes) return this.cutOff();
    return true;
  }

  /** Writes the shared heartbeat comment (called by the period's timer): framed once for every stream. */
  heartbeat(comment: Frame): void {
    this.sendFrame(comment);
  }

  /** Resolves once the socket has drained (or the session closed), to pace large catch-ups. */
  async drained(): Promise<void> {
    const target = this.socket ?? this.res!;
    // 'drain' only follows a write that reported a full buffer; otherwise there is nothing to wait for.
    if (this.closedFlag || !target.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        target.off('drain', done);
        resolve();
      };
      target.on('drain', done);
      this.onClose(done);
    });
  }

  /** Ends the stream. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.leaveHeartbeat();
    if (this.res === null) {
      // The detached stream's own last chunk.
      if (this.socket!.writable) this.socket!.end(LAST_CHUNK);
      this.socket!.destroySoon();
    } else {
      if (!this.res.writableEnded) this.res.end();
      // A client that stopped reading never lets end() flush: drop the socket outright.
      this.res.socket?.destroySoon?.();
    }
    for (const handler of this.onCloseHandlers.splice(0)) handler();
  }

  private write(bytes: Buffer): boolean {
    return this.sendFrame(frameOfBytes(bytes));
  }

  private writeResponse(bytes: Buffer): boolean {
    if (this.closedFlag) return false;
    const res = this.res!;
    res.write(bytes);
    if (res.writableLength > this.options.maxBufferedBytes) return this.cutOff();
    return true;
  }

  /** A client that left more than the cap unread: cut off (it resumes from its Last-Event-ID). */
  private cutOff(): false {
    (this.socket ?? this.res?.socket)?.destroy();
    this.close();
    return false;
  }
}
