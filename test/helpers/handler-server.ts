import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { AppError } from '../../src/errors.ts';

/** A real HTTP server on loopback with one handler, counting connections and keeping requests. */
export interface TestServer {
  url: string;
  port: number;
  connections: number;
  requests: http.IncomingMessage[];
  close: () => Promise<void>;
}

/** Servers started by the current test, closed by closeTestServers. */
const servers: TestServer[] = [];

/** Starts a handler server on a free port of `host`. */
export async function startServer(handler: http.RequestListener, host = '127.0.0.1'): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    state.requests.push(req);
    handler(req, res);
  });
  const state: TestServer = {
    url: '',
    port: 0,
    connections: 0,
    requests: [],
    close: async () => {
      server.closeAllConnections();
      server.close();
    },
  };
  server.on('connection', () => {
    state.connections += 1;
  });
  server.listen(0, host);
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://${host}:${state.port}`;
  servers.push(state);
  return state;
}

/** Closes every server the current test started (call from afterEach). */
export async function closeTestServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((s) => s.close()));
}

/** Awaits a promise that must reject with an AppError, and returns the error. */
export async function expectAppError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError');
}
