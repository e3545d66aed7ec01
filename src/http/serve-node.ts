import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
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
    const server = serve(
      { fetch: app.fetch, hostname: options.hostname, port: options.port },
      (info: AddressInfo) => {
        const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        resolve({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: (graceMs = 0) =>
            new Promise<void>((done) => {
              const http = server as Server;
              server.close(() => done());
              http.closeIdleConnections();
              if (graceMs <= 0) http.closeAllConnections();
              else setTimeout(() => http.closeAllConnections(), graceMs).unref();
            }),
        });
      },
    );
    server.once('error', reject);
  });
}
