/** What happened, as the audit log keeps it. Never contains secrets. */
export interface AuditEvent {
  readonly type: 'tool.call' | 'exec.intent' | 'exec.outcome' | 'admin' | 'oauth';
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
