/**
 * Fan-out: one run_command by tag to N hosts vs bare ssh2 connecting and running on all N in
 * parallel; then the same with dead hosts (closed ports) and tarpits (accept TCP, never speak SSH)
 * mixed in — the answer must come within the call's timeout plus 10 %.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { TestFleet, TestHost } from '../tests/support/ssh-fleet.js';
import { randomBytes } from 'node:crypto';
import { pinnedShellCommand } from '../src/adapters/ssh/pinned-shell.js';
import { bareConnectExec } from './lib/bare-ssh.js';
import { round, timed } from './lib/stats.js';

export interface FanOutRow {
  hosts: number;
  bareMs: number;
  bareErrors: number;
  gatewayColdMs: number;
  gatewayWarmMs: number;
  gatewayErrors: number;
  ratioCold: number;
  /** The same bare fan-out, running the supervisor (pinned shell, spool) around `true`. */
  bareWrappedMs: number;
}

async function bareFanOut(
  fleet: TestFleet,
  hosts: TestHost[],
  command: () => string = () => 'true',
): Promise<{ ms: number; errors: number }> {
  let errors = 0;
  const ms = await timed(() =>
    Promise.all(hosts.map((h) => bareConnectExec(fleet, h, command()).catch(() => errors++))),
  );
  return { ms, errors };
}

/** The median of three bare fan-outs. */
async function bareMedian(fleet: TestFleet, hosts: TestHost[], command?: () => string) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await bareFanOut(fleet, hosts, command));
  return runs.sort((a, b) => a.ms - b.ms)[1]!;
}

type RunResult = { structuredContent?: { summary: Record<string, number> } };

/**
 * `tag` selects exactly `hosts` in the gateway's fleet; the gateway has not touched them yet. The
 * target is a cold pool, not a cold process: the bare side runs three times in a warm process, so
 * the gateway first runs a few calls on `spare`, a host outside the set.
 */
export async function measureFanOut(
  fleet: TestFleet,
  client: Client,
  hosts: TestHost[],
  tag: string,
  spare: TestHost,
): Promise<FanOutRow> {
  for (let i = 0; i < 20; i++)
    await client.callTool({
      name: 'run_command',
      arguments: { host: spare.name, command: 'true' },
    });
  const bare = await bareMedian(fleet, hosts);
  const bareWrapped = await bareMedian(fleet, hosts, () =>
    pinnedShellCommand('true', {
      name: randomBytes(12).toString('base64url'),
      timeoutSeconds: 30,
      maxBytes: 1 << 24,
      nonce: randomBytes(9).toString('hex'),
    }),
  );
  const call = async () => {
    let result: RunResult | undefined;
    const ms = await timed(
      async () =>
        (result = (await client.callTool({
          name: 'run_command',
          arguments: { tags: [tag], command: 'true' },
        })) as RunResult),
    );
    return { ms, errors: hosts.length - (result?.structuredContent?.summary.ok ?? 0) };
  };
  const cold = await call();
  const warm = [await call(), await call(), await call()].sort((a, b) => a.ms - b.ms)[1]!;
  return {
    hosts: hosts.length,
    bareMs: round(bare.ms, 1),
    bareErrors: bare.errors,
    gatewayColdMs: round(cold.ms, 1),
    gatewayWarmMs: round(warm.ms, 1),
    gatewayErrors: cold.errors + warm.errors,
    ratioCold: round(cold.ms / bare.ms),
    bareWrappedMs: round(bareWrapped.ms, 1),
  };
}

export interface DegradedResult {
  hosts: number;
  dead: number;
  /** Hosts that accept TCP and never speak SSH. */
  tarpits: number;
  timeoutSeconds: number;
  totalMs: number;
  summary: Record<string, number>;
}

/** `tag` covers healthy hosts, closed ports and tarpits; the call's timeout must bound it all. */
export async function measureDegraded(
  client: Client,
  tag: string,
  counts: { hosts: number; dead: number; tarpits: number },
  timeoutSeconds: number,
): Promise<DegradedResult> {
  let result: RunResult | undefined;
  const totalMs = await timed(
    async () =>
      (result = (await client.callTool({
        name: 'run_command',
        arguments: { tags: [tag], command: 'true', timeoutSeconds },
      })) as RunResult),
  );
  const summary = Object.fromEntries(
    Object.entries(result?.structuredContent?.summary ?? {}).filter(([, v]) => v > 0),
  );
  return { ...counts, timeoutSeconds, totalMs: round(totalMs, 1), summary };
}
