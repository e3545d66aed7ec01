/**
 * run_command latency through the whole stack against the raw floor on the same loopback hosts:
 *   cold: first run_command to a host   vs  bare ssh2 connect + exec + close (TCP_NODELAY)
 *   warm: repeated run_command to a host vs  exec on one open ssh2 connection
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectSsh } from '../src/adapters/ssh/connect.js';
import { runOnConnection } from '../src/adapters/ssh/run-on-connection.js';
import type { TestFleet, TestHost } from '../tests/support/ssh-fleet.js';
import { targetFor } from '../tests/support/targets.js';
import { bareConnectExec, bareExec } from './lib/bare-ssh.js';
import { summary, timed } from './lib/stats.js';

export interface LatencyResult {
  cold: {
    bare: ReturnType<typeof summary>;
    gateway: ReturnType<typeof summary>;
    samples: { bare: number[]; gateway: number[] };
  };
  warm: {
    bare: ReturnType<typeof summary>;
    wrappedExec: ReturnType<typeof summary>;
    gateway: ReturnType<typeof summary>;
    samples: { bare: number[]; gateway: number[] };
  };
}

/** `coldHosts` must not have been used by the gateway yet; `spare` takes the warm-up. */
export async function measureLatency(
  fleet: TestFleet,
  client: Client,
  coldHosts: TestHost[],
  spare: TestHost,
  warmCalls = 50,
): Promise<LatencyResult> {
  const run = (host: string) =>
    client.callTool({ name: 'run_command', arguments: { host, command: 'true' } });
  for (let i = 0; i < 20; i++) await run(spare.name);
  for (let i = 0; i < 5; i++) await bareConnectExec(fleet, spare);

  const coldBare: number[] = [];
  const coldGateway: number[] = [];
  // Interleaved per host, so drift on a noisy machine hits both sides alike.
  for (const host of coldHosts) {
    coldBare.push(await timed(() => bareConnectExec(fleet, host)));
    coldGateway.push(await timed(() => run(host.name)));
  }

  const warmHost = coldHosts[0]!;
  const { client: open } = await connectSsh(targetFor(fleet, warmHost), {
    connectTimeoutMs: 5_000,
  });
  const warmBare: number[] = [];
  const warmWrapped: number[] = [];
  const warmGateway: number[] = [];
  for (let i = 0; i < warmCalls; i++) {
    warmBare.push(await timed(() => bareExec(open, 'true')));
    warmWrapped.push(
      await timed(() =>
        runOnConnection(open, 'true', {
          timeoutMs: 10_000,
          maxOutputBytes: 65_536,
          spool: {
            name: randomBytes(12).toString('base64url'),
            timeoutSeconds: 15,
            maxBytes: 1 << 24,
          },
        }),
      ),
    );
    warmGateway.push(await timed(() => run(warmHost.name)));
  }
  open.end();
  return {
    cold: {
      bare: summary(coldBare),
      gateway: summary(coldGateway),
      samples: { bare: coldBare, gateway: coldGateway },
    },
    warm: {
      bare: summary(warmBare),
      wrappedExec: summary(warmWrapped),
      gateway: summary(warmGateway),
      samples: { bare: warmBare, gateway: warmGateway },
    },
  };
}
