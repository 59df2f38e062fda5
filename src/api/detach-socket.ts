import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/**
 * node:http's parser pool release (the one its upgrade path calls); absent on a Node that no
 * longer has it, and then no socket is detached (the stream stays an ordinary response).
 */
const freeParser: ((parser: unknown, req: IncomingMessage, socket: Socket) => void) | null = (() => {
  try {
    const common = createRequire(import.meta.url)('_http_common') as { freeParser?: unknown };
    return typeof common.freeParser === 'function' ? (common.freeParser as (parser: unknown, req: IncomingMessage, socket: Socket) => void) : null;
  } catch {
    return null;
  }
})();

/** The listeners node:http puts on a server connection, removed as its own upgrade path removes them. */
const HTTP_CONNECTION_EVENTS = ['data', 'end', 'close', 'drain', 'error', 'timeout', 'pause', 'resume'] as const;

/** Detached sockets per server, so that stopping the server can end them (closeAllConnections no longer sees them). */
const detached = new WeakMap<Server, Set<Socket>>();

type ServerSocket = Socket & { parser?: unknown; _httpMessage?: unknown; server?: Server };

/**
 * Takes a response's connection away from node:http once its head is sent, as node:http does
 * for an Upgrade: its listeners removed, its parser back in the pool, the request and response
 * objects left to the garbage collector. An open event stream then costs its socket and the
 * session alone instead of the socket plus a live request, response, parser and a dozen bound
 * listeners: with 10,000 streams that is most of the per-connection memory.
 *
 * Returns the socket, now the caller's alone (it reads and discards what the client sends, and
 * a client that ends its side is closed), or null when it cannot be detached safely: the head
 * not written to this socket yet (a pipelined request behind another answer), or a Node whose
 * http internals differ; the response then stays an ordinary one.
 */
export function detachSocket(req: IncomingMessage, res: ServerResponse): Socket | null {
  const socket = res.socket as ServerSocket | null;
  if (!freeParser || !socket || socket.destroyed || socket._httpMessage !== res || !socket.parser || !res.headersSent || res.writableLength > 0) return null;
  const server = socket.server;
  for (const event of HTTP_CONNECTION_EVENTS) socket.removeAllListeners(event);
  res.detachSocket(socket);
  freeParser(socket.parser, req, socket);
  // A client may send nothing more; whatever it sends is not a request of this stream.
  socket.on('data', ignore);
  socket.on('end', destroy);
  socket.on('error', destroy);
  if (server) {
    let sockets = detached.get(server);
    if (!sockets) detached.set(server, (sockets = new Set()));
    sockets.add(socket);
    socket.once('close', forget);
  }
  return socket;
}

// The detached sockets' listeners: shared functions (`this` is the socket), no closures per connection.
function ignore(): void {}
function destroy(this: Socket): void {
  this.destroy();
}
function forget(this: ServerSocket): void {
  if (this.server) detached.get(this.server)?.delete(this);
}

/** Destroys the detached sockets of a server (its stop: node:http's closeAllConnections no longer reaches them). */
export function destroyDetachedSockets(server: Server): void {
  const sockets = detached.get(server);
  if (!sockets) return;
  for (const socket of [...sockets]) socket.destroy();
}
