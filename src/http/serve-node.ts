import type { AddressInfo } from 'node:net';
import type { Server, ServerResponse } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /**
   * Stops taking connections. Requests in flight get `graceMs` to be answered (a command's
   * answer, its records); then every connection is cut. Resolves once none is left.
   */
  close(graceMs?: number): Promise<void>;
}

/** Serves a Hono app on Node; resolves once it listens. Port 0 picks a free port. */
export function serveOnNode(
  app: Pick<Hono, 'fetch'>,
  options: { hostname: string; port: number },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    // Once closing, a connection kept open between requests takes no new work, and each answer
    // closes its connection.
    let closing = false;
    const server = serve(
      {
        fetch: (request: Request, env?: unknown) =>
          closing ? shuttingDown() : app.fetch(request, env),
        hostname: options.hostname,
        port: options.port,
      },
      (info: AddressInfo) => {
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: (graceMs = 0) =>
            new Promise<void>((done) => {
              closing = true;
              server.close(() => done());
              http.closeIdleConnections();
              if (graceMs <= 0) http.closeAllConnections();
              else setTimeout(() => http.closeAllConnections(), graceMs).unref();
            }),
        });
      },
    );
    const http = server as Server;
    http.on('request', (_request, response: ServerResponse) => {
      if (closing) response.shouldKeepAlive = false;
      response.once('finish', () => {
        if (closing) setImmediate(() => http.closeIdleConnections());
      });
    });
    server.once('error', reject);
  });
}

function shuttingDown(): Response {
  return new Response(
    JSON.stringify({
      error: 'unavailable',
      message: 'the gateway is shutting down; try again in a moment',
    }),
    { status: 503, headers: { 'content-type': 'application/json', connection: 'close' } },
  );
}
