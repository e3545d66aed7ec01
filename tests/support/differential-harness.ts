import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startGateway } from './gateway.js';
import { SANDBOX_OTHER, startSandboxHost } from './sandbox-host.js';
import { commandCorpus, everydayCommands } from './shell-corpus.js';

export interface DifferentialReport {
  readonly seed: number;
  readonly total: number;
  /** Plan said allow under read-only. */
  readonly allowed: number;
  readonly approvalRequired: number;
  readonly denied: number;
  /** The failures: read-only said allow and the host changed. */
  readonly unsafeAllows: readonly { command: string; changes: readonly string[] }[];
  /** Denied under read-only, run anyway (unrestricted), and the host changed: the corpus bites. */
  readonly deniedThatChanged: number;
  /** Everyday diagnostics that read-only does not allow. */
  readonly everydayDenied: readonly { command: string; reason: string }[];
  readonly durationMs: number;
}

const HOST = 'sandbox';

interface Plan {
  results: { decision: 'allow' | 'deny' | 'approval_required'; reason: string }[];
}

/**
 * Plans each generated command under the built-in read-only profile, then runs it through the
 * production exec path (an MCP client, the gateway, ssh2, the pinned shell) on a sandbox host as
 * a user whose profile runs everything, and compares the host before and after. Every command
 * runs, allowed or not, so the report also shows that the corpus changes the host when the
 * policy says no.
 */
export async function runDifferential(options: {
  size: number;
  seed: number;
  log?: (line: string) => void;
}): Promise<DifferentialReport> {
  const started = Date.now();
  const host = await startSandboxHost();
  const gateway = await startGateway({
    credentials: { sandbox: { privateKeyFile: host.clientKeyFile } },
    hosts: [
      {
        name: HOST,
        address: host.address,
        port: host.port,
        user: host.user,
        credential: 'sandbox',
        hostKey: host.hostKeyFingerprint,
        tags: ['sandbox'],
      },
    ],
    limits: { commandTimeoutSeconds: 5, connectTimeoutSeconds: 3, syncBudgetSeconds: 20 },
  });
  try {
    const planner = await gateway.client(
      await gateway.user({
        name: 'planner',
        role: 'operator',
        policy: 'read-only',
        access: { hosts: [HOST] },
      }),
    );
    const runner = await gateway.client(
      await gateway.user({
        name: 'runner',
        role: 'operator',
        policy: 'unrestricted',
        access: { hosts: [HOST] },
      }),
    );
    const plan = async (client: Client, command: string) => {
      const r = await client.callTool({ name: 'plan_command', arguments: { command, host: HOST } });
      const result = (r.structuredContent as Plan | undefined)?.results[0];
      if (!result)
        throw new Error(`plan_command gave no result for ${command}: ${JSON.stringify(r)}`);
      return result;
    };

    const everydayDenied: { command: string; reason: string }[] = [];
    for (const command of everydayCommands(readFileSync('docs/policy.md', 'utf8'))) {
      const p = await plan(planner, command);
      if (p.decision !== 'allow') everydayDenied.push({ command, reason: p.reason });
    }

    const corpus = fc.sample(commandCorpus(host.watched, SANDBOX_OTHER), {
      numRuns: options.size,
      seed: options.seed,
    });
    const unsafeAllows: { command: string; changes: string[] }[] = [];
    let allowed = 0;
    let approvalRequired = 0;
    let denied = 0;
    let deniedThatChanged = 0;
    for (const [i, command] of corpus.entries()) {
      const p = await plan(planner, command);
      await runner.callTool({
        name: 'run_command',
        arguments: { command, host: HOST, timeoutSeconds: 3 },
      });
      const changes = await host.changes();
      if (changes.length > 0) host.reset();
      if (p.decision === 'allow') {
        allowed++;
        if (changes.length > 0) {
          unsafeAllows.push({ command, changes });
          options.log?.(`UNSAFE ALLOW ${JSON.stringify(command)}: ${changes.join('; ')}`);
        }
      } else {
        if (p.decision === 'deny') denied++;
        else approvalRequired++;
        if (changes.length > 0) deniedThatChanged++;
      }
      if ((i + 1) % 250 === 0) options.log?.(`${i + 1}/${corpus.length} commands`);
    }
    return {
      seed: options.seed,
      total: corpus.length,
      allowed,
      approvalRequired,
      denied,
      unsafeAllows,
      deniedThatChanged,
      everydayDenied,
      durationMs: Date.now() - started,
    };
  } finally {
    await gateway.close();
    await host.stop();
  }
}
