import type { AuditLog } from './audit/audit-log.js';
import type { CommandPolicy } from './exec/command-policy.js';
import type { Fleet } from './fleet/fleet.js';
import type {
  ApprovalStore,
  ApproverSessionStore,
  Clock,
  HistoryStore,
  JobStore,
  Logger,
  Notifier,
  SshExecutor,
  UserStore,
} from './ports.js';
import type { JobDispatcher } from './jobs/job-dispatcher.js';

/** Where the current fleet comes from: a file loaded once, or a secret reloaded on expiry. */
export interface FleetSource {
  current(): Promise<Fleet>;
}

/** Everything the domain needs, built once by a composition root. */
export interface CoreDeps {
  readonly fleet: FleetSource;
  readonly users: UserStore;
  readonly audit: AuditLog;
  readonly history: HistoryStore;
  readonly jobs: JobStore;
  readonly approvals: ApprovalStore;
  /** Sessions of the approval page. */
  readonly approverSessions: ApproverSessionStore;
  /** Tells approvers of new requests (approvals.notify). */
  readonly notifier: Notifier;
  readonly dispatcher: JobDispatcher;
  readonly ssh: SshExecutor;
  readonly policy: CommandPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
}
