import { WebhookNotifier } from '../adapters/http/webhook-notifier.js';
import type { CoreDeps } from '../core/deps.js';
import { PolicyEngine } from '../core/policy/engine.js';
import { InProcessDispatcher } from '../core/jobs/in-process-dispatcher.js';
import { runJob } from '../core/jobs/run-job.js';
import { createTreeSitterShellParser } from '../adapters/shell/tree-sitter-parser.js';
import { systemClock, type Clock, type KeySource, type Logger } from '../core/ports.js';
import { FileFleetSource } from '../adapters/config/file-fleet-source.js';
import { Ssh2Executor } from '../adapters/ssh/ssh2-executor.js';
import { jsonLogger } from '../adapters/log/json-logger.js';
import { openStore, type OpenedStore, type StoreMode } from './store.js';
import { composeOAuth, type AuthMode } from './oauth.js';
import type { OAuthDeps } from '../core/oauth/oauth-deps.js';
import { join } from 'node:path';
import { keyForThisProcess, keyInFile } from '../adapters/config/state-key.js';

/** The request-state key's file in the key dir (the data dir). */
export const REQUEST_STATE_KEY_FILE = 'request-state.key';

export interface LocalGatewayOptions {
  readonly configPath: string;
  readonly store: StoreMode;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Default `oauth`. */
  readonly auth?: AuthMode;
  /** Tests only: client ID metadata documents may be served from loopback over http. */
  readonly allowLoopbackClientIds?: boolean;
  /**
   * Where the gateway keeps its own keys (the request-state key, `request-state.key`); every
   * process serving the same store should share it. Without it, a key for this process only.
   */
  readonly keyDir?: string;
}

export interface LocalGateway {
  readonly deps: CoreDeps;
  readonly fleetSource: FileFleetSource;
  readonly store: OpenedStore;
  readonly ssh: Ssh2Executor;
  readonly dispatcher: InProcessDispatcher;
  /** The authorization server's dependencies; undefined in key-only mode. */
  readonly oauth: OAuthDeps | undefined;
  /** Seals the state of calls held for approval between MCP rounds. */
  readonly requestStateKey: KeySource;
  close(): Promise<void>;
}

/**
 * The composition root for one machine: fleet from a YAML file, the chosen store, pooled ssh2.
 * Throws ConfigError (every problem listed) before opening anything when the fleet is invalid.
 */
export async function composeLocal(options: LocalGatewayOptions): Promise<LocalGateway> {
  const clock = options.clock ?? systemClock;
  const fleetSource = new FileFleetSource(options.configPath);
  const parser = await createTreeSitterShellParser();
  const store = await openStore(options.store, clock, { publish: true });
  const ssh = new Ssh2Executor({ poolIdleMs: fleetSource.fleet.limits.poolIdleSeconds * 1000 });
  const logger = options.logger ?? jsonLogger();
  // Jobs run in this process; the runner needs the deps it is part of.
  const dispatcher = new InProcessDispatcher(
    (jobId, signal, stored, release) =>
      runJob(deps, jobId, {
        runner: `local-${process.pid}`,
        signal,
        release,
        ...(stored ? { stored } : {}),
      }),
    logger,
  );
  const deps: CoreDeps = {
    fleet: fleetSource,
    users: store.users,
    audit: store.audit,
    history: store.history,
    jobs: store.jobs,
    notifier: new WebhookNotifier(),
    approvals: store.approvals,
    approverSessions: store.approverSessions,
    dispatcher,
    ssh,
    policy: new PolicyEngine(parser),
    clock,
    logger,
  };
  const oauth =
    (options.auth ?? 'oauth') === 'oauth'
      ? composeOAuth(store, clock, logger, {
          allowLoopbackClientIds: options.allowLoopbackClientIds ?? false,
        })
      : undefined;
  return {
    deps,
    oauth,
    requestStateKey: options.keyDir
      ? keyInFile(join(options.keyDir, REQUEST_STATE_KEY_FILE))
      : keyForThisProcess(),
    fleetSource,
    store,
    ssh,
    dispatcher,
    async close() {
      await dispatcher.stopAll();
      await ssh.close();
      await store.close();
    },
  };
}
