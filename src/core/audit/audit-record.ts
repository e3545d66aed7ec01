/** What happened, as the audit log keeps it. Never contains secrets. */
export interface AuditEvent {
  /** `request.refused`: refused before any tool ran (no or a bad credential, Host, body size). */
  readonly type:
    | 'tool.call'
    | 'exec.intent'
    | 'exec.outcome'
    | 'exec.history-missing'
    | 'admin'
    | 'oauth'
    | 'request.refused'
    | 'approval.requested'
    | 'approval.approved'
    | 'approval.denied'
    | 'approval.expired'
    | 'approval.consumed'
    | 'approvals.signed-in'
    | 'approvals.signed-out';
  readonly requestId: string;
  readonly user: string;
  readonly tool?: string;
  readonly targets?: readonly string[];
  readonly command?: string;
  readonly decision?: string;
  /** Per host: the policy decision, the rule that made it and the risk class. */
  readonly decisions?: readonly { host: string; decision: string; rule?: string; risk?: string }[];
  readonly outcome?: string;
  readonly hosts?: readonly {
    host: string;
    status: string;
    exitCode: number | null;
    durationMs: number;
  }[];
  readonly durationMs?: number;
  readonly detail?: string;
  /** The approval request the record is about, or that let an execution run. */
  readonly approvalId?: string;
  /** Who decided that approval. */
  readonly approver?: string;
  /** The caller's network address, where the record is about a refused request. */
  readonly address?: string;
  /** SHA-256 of the whole command, when `command` was cut to fit. */
  readonly commandSha256?: string;
  /** What was cut to keep the record storable (see fit-event.ts); absent when nothing was. */
  readonly cut?: string;
}

/** One link of the hash chain: `hash` = SHA-256 over the canonical JSON of everything else. */
export interface AuditRecord {
  readonly seq: number;
  readonly time: string;
  readonly prevHash: string;
  readonly hash: string;
  readonly event: AuditEvent;
}

export const GENESIS_HASH = '0'.repeat(64);
