import type { ApiKeyRecord, User } from './users/user.js';
import type { ApprovalPatch, ApprovalRecord, ApprovalStatus } from './approvals/approval.js';
import type { Credential, Host } from './fleet/fleet.js';
import type { AuditRecord } from './audit/audit-record.js';
import type { ApproverSession } from './approvals/approver-session-record.js';

export type { ApproverSession } from './approvals/approver-session-record.js';
import type { HistoryEntry } from './exec/history-entry.js';
import type { JobHostRecord, JobRecord, JobStatus, OutputChunk, OutputStream } from './jobs/job.js';
import type {
  AuthorizationCodeRecord,
  OAuthClient,
  SpendResult,
  TokenRecord,
} from './oauth/oauth-records.js';

/** Users and their API keys. Lookup by key hash is a point read, never a scan. */
export interface UserStore {
  /** Creates the user; ConflictError when the name is taken. */
  createUser(user: User): Promise<void>;
  getUser(name: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  /** Replaces the stored user (same name); NotFoundError when absent. */
  putUser(user: User): Promise<void>;
  addKey(key: ApiKeyRecord): Promise<void>;
  findKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** The key and the user together, in one read (authentication's hot path). */
  findKeyAndUser(
    keyHash: string,
    userName: string,
  ): Promise<{ readonly key?: ApiKeyRecord; readonly user?: User }>;
  listKeys(userName: string): Promise<ApiKeyRecord[]>;
  removeKey(userName: string, keyHash: string): Promise<void>;
}

/** Append-only audit records ordered by `seq`. */
export interface AuditStore {
  /** The record with the highest seq, or undefined for an empty log. */
  head(): Promise<AuditRecord | undefined>;
  /** Writes the record only if its seq is free; false when another writer took it. */
  append(record: AuditRecord): Promise<boolean>;
  /** At most `limit` records with afterSeq < seq < beforeSeq, oldest first unless `newestFirst`. */
  range(options: {
    afterSeq?: number;
    beforeSeq?: number;
    limit: number;
    newestFirst?: boolean;
  }): Promise<AuditRecord[]>;
}

/**
 * Approval requests. Every change of status is a conditional write, so two approvers cannot both
 * decide and an approval cannot be used twice; expiry is decided by callers on read.
 */
export interface ApprovalStore {
  /** Stores a new request; ConflictError when the id is taken. */
  create(record: ApprovalRecord): Promise<void>;
  get(id: string): Promise<ApprovalRecord | undefined>;
  /** A requester's requests, newest first. */
  listByRequester(requester: string, limit: number): Promise<ApprovalRecord[]>;
  /** Everyone's requests, newest first. */
  list(limit: number): Promise<ApprovalRecord[]>;
  /**
   * Moves the request from `from` to `patch.status` only if it is still in `from` and, when
   * `before` is given, has not expired by then (epoch seconds); false otherwise.
   */
  transition(
    id: string,
    from: ApprovalStatus,
    patch: ApprovalPatch,
    before?: number,
  ): Promise<boolean>;
  /**
   * Takes one run of an approved request: only while it is approved, unexpired at `before` and has
   * runs left (`used < runs`, runs defaulting to 1). Answers the runs used so far including this
   * one, or undefined when none was left.
   */
  use(id: string, before: number): Promise<{ used: number; runs: number } | undefined>;
}

/** Sessions of the approval page, and its wrong-key counts per address. */
export interface ApproverSessionStore {
  createSession(session: ApproverSession): Promise<void>;
  /** The session, or undefined when there is none or it has expired by `now` (epoch seconds). */
  getSession(tokenHash: string, now: number): Promise<ApproverSession | undefined>;
  /** Ends a session at `now` (signing out): from then on it is absent. */
  endSession(tokenHash: string, now: number): Promise<void>;
  /** Counts one wrong key from `address` in the window starting at `windowStart`; the new count. */
  countFailure(address: string, windowStart: number, retainUntil: number): Promise<number>;
  failures(address: string, windowStart: number): Promise<number>;
}

/** Delivers a JSON body to a webhook; rejects with an AppError saying why when it is not accepted. */
export interface Notifier {
  post(url: string, body: unknown): Promise<void>;
}

export interface HistoryStore {
  put(entry: HistoryEntry): Promise<void>;
  /** Several items with as few requests as the store allows (a fan-out's hosts). */
  putMany(entries: readonly HistoryEntry[]): Promise<void>;
  /** Most recent first. */
  listByHost(host: string, limit: number): Promise<HistoryEntry[]>;
}

/** Jobs, their hosts and their output, durable across processes and containers. */
export interface JobStore {
  create(job: JobRecord, hosts: readonly JobHostRecord[]): Promise<void>;
  get(id: string): Promise<{ job: JobRecord; hosts: JobHostRecord[] } | undefined>;
  /** The job record alone (cheap: what a runner polls for cancellation). */
  getRecord(id: string): Promise<JobRecord | undefined>;
  /**
   * Applies `patch` only when the stored job matches `when` (a status among the given ones and/or
   * the given heartbeat, `null` for none); false when it did not match.
   */
  update(
    id: string,
    patch: Partial<JobRecord>,
    when?: { status?: readonly JobStatus[]; heartbeatAt?: string | null },
  ): Promise<boolean>;
  /** Stores a host's state; `expiresAt` is the job's (the runner has it, so no read is needed). */
  putHost(id: string, host: JobHostRecord, expiresAt: number): Promise<void>;
  /** Stores one chunk of output; `expiresAt` is the job's, so output goes with its job. */
  appendOutput(id: string, chunk: OutputChunk, expiresAt: number): Promise<void>;
  /**
   * How far one stream is stored: its bytes, and the raw bytes on the host they were scrubbed
   * from (the last chunk that says so); undefined when nothing says so yet.
   */
  outputEnd(
    id: string,
    host: string,
    stream: OutputStream,
  ): Promise<{ readonly bytes: number; readonly raw: number } | undefined>;
  /** Bytes [offset, offset + limit) of one stream, as stored so far. */
  readOutput(
    id: string,
    host: string,
    stream: OutputStream,
    offset: number,
    limit: number,
  ): Promise<Uint8Array>;
  /**
   * The owner's jobs queued or running — counting no further than `atMost` — and the SSH sessions
   * they hold open at most (their `sessions`).
   */
  countActive(
    owner: string,
    atMost: number,
  ): Promise<{ readonly jobs: number; readonly sessions: number }>;
  /** Newest first; by owner, or every job when owner is undefined. */
  list(options: { owner?: string; limit: number }): Promise<JobRecord[]>;
}

/**
 * The authorization server's state: clients, codes, tokens (all secrets stored as SHA-256), revoked
 * token families and wrong-key counters. Expired items read back as absent.
 */
export interface OAuthStore {
  putClient(client: OAuthClient): Promise<void>;
  getClient(clientId: string): Promise<OAuthClient | undefined>;
  putCode(code: AuthorizationCodeRecord): Promise<void>;
  /** Marks the code used, once: a second spend answers `replayed` with the record. */
  spendCode(codeHash: string): Promise<SpendResult<AuthorizationCodeRecord>>;
  putToken(token: TokenRecord): Promise<void>;
  getToken(tokenHash: string): Promise<TokenRecord | undefined>;
  /** Marks a refresh token used, once: a second spend answers `replayed` with the record. */
  spendRefreshToken(tokenHash: string): Promise<SpendResult<TokenRecord>>;
  deleteToken(tokenHash: string): Promise<void>;
  /** Every token of the family stops working; kept until `expiresAt` (epoch seconds). */
  revokeFamily(familyId: string, expiresAt: number): Promise<void>;
  isFamilyRevoked(familyId: string): Promise<boolean>;
  /** Adds one to the counter `key`, which lives until `expiresAt`; answers the new count. */
  countAttempt(key: string, expiresAt: number): Promise<number>;
  attempts(key: string): Promise<number>;
}

/**
 * Fetches a client ID metadata document. Refuses private and loopback addresses (checked on the
 * address actually connected to), redirects and oversized bodies; throws an AppError that says why.
 */
export interface ClientMetadataFetcher {
  fetchJson(url: URL): Promise<FetchedDocument>;
}

export interface FetchedDocument {
  readonly body: unknown;
  /**
   * How long the publisher lets it be reused, from its Cache-Control: `max-age` in seconds, 0 for
   * `no-store` / `no-cache`, undefined when it says nothing.
   */
  readonly maxAgeSeconds?: number;
}

/** Where and as whom to connect; the adapter turns this into an SSH session. */
export interface SshTarget {
  readonly host: Host;
  readonly credential: Credential;
}

export const CONNECT_FAILURES = [
  'unreachable',
  'timeout',
  'auth_failed',
  'hostkey_mismatch',
  'denied',
] as const;
export type ConnectFailure = (typeof CONNECT_FAILURES)[number];

/** Why connecting to a resolved IP address is refused, or undefined when it is allowed. */
export type AddressCheck = (address: string) => string | undefined;

export interface ConnectOptions {
  readonly connectTimeoutMs: number;
  /** Checked against the address actually connected to, after DNS, before any SSH byte. */
  readonly checkAddress?: AddressCheck;
}

export interface ExecOptions extends ConnectOptions {
  readonly timeoutMs: number;
  /**
   * Output kept in the outcome, per stream; streamed output (onData) is not limited by it. 0 when
   * the caller takes the output through onData alone.
   */
  readonly maxOutputBytes: number;
  /**
   * Kill the command when it prints nothing for this long; any output resets the timer. The
   * host enforces it too (a little later), gateway or not, on a command it keeps a spool for.
   */
  readonly idleTimeoutMs?: number;
  /** Aborting kills the remote process group; the outcome is `cancelled`. */
  readonly signal?: AbortSignal;
  /**
   * Aborting lets go of a spooled command: the channel closes and the command goes on on its host
   * (read it back with `readSpool`); the outcome then says nothing of its end.
   */
  readonly release?: AbortSignal;
  /** The command is running on its host, under its supervisor (its spool exists). */
  readonly onStart?: () => void;
  /** Output as it arrives; a returned promise holds the output back until it settles. */
  readonly onData?: (stream: 'stdout' | 'stderr', chunk: Uint8Array) => void | Promise<unknown>;
  /**
   * The name the host keeps the command's state under (see `spoolName`), so another process can
   * read it back (`readSpool`) or stop it (`killSpool`); without one, a name of the executor's
   * own, removed once the command ends.
   */
  readonly spool?: string;
  /**
   * Each stream's spool file on the host keeps at least this much (up to twice, by the login
   * shell's ulimit unit), then stops growing; a read then says the stream is cut.
   */
  readonly spoolBytes?: number;
}

/** Where a spooled command stands on its host. */
export type SpoolState =
  | { readonly state: 'running' }
  | {
      readonly state: 'ended';
      readonly exitCode: number;
      /** The host killed it for printing nothing for this many seconds (its idle timeout). */
      readonly idleSeconds?: number;
    }
  /** Its processes are gone and it left no exit status: the host rebooted, or they were killed. */
  | { readonly state: 'dead' }
  /** The host has no such spool entry (never started, removed, or the spool deleted). */
  | { readonly state: 'gone' };

/** Streams a host's spool stopped keeping (its size limit, a full disk): what followed is not there. */
export interface SpoolCut {
  readonly stdout?: boolean;
  readonly stderr?: boolean;
}

/** What a read of a spooled command found: its state and the bytes from the offsets asked. */
export type SpoolRead =
  | (SpoolState & {
      readonly stdout: Uint8Array;
      readonly stderr: Uint8Array;
      readonly cut?: SpoolCut;
    })
  | { readonly state: 'unreachable'; readonly status: ConnectFailure; readonly error: string };

export interface ExecOutcome {
  readonly status: 'ok' | 'failed' | 'cancelled' | ConnectFailure;
  readonly exitCode: number | null;
  readonly signal?: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
  readonly durationMs: number;
  /** A short public reason for a non-ok status (never secret material). */
  readonly error?: string;
  /**
   * The connection closed while the command ran: it may go on on its host, and its spool says how
   * it ends (`readSpool`).
   */
  readonly connectionLost?: boolean;
  /** Cancelled or let go before the command was sent: nothing ran, and no spool exists. */
  readonly notStarted?: boolean;
  /**
   * The host could not keep the command's spool (a full disk, a home it cannot write): it ran
   * without one, so only its own channel saw it end.
   */
  readonly unspooled?: boolean;
}

export interface ProbeOutcome {
  readonly status: 'ok' | ConnectFailure;
  readonly latencyMs: number;
  readonly error?: string;
}

/** Runs commands on hosts. Never throws for host-level failures: they are outcomes. */
export interface SshExecutor {
  exec(target: SshTarget, command: string, options: ExecOptions): Promise<ExecOutcome>;
  /** TCP connect + SSH handshake + host key check + authentication, on a fresh connection. */
  probe(target: SshTarget, options: ConnectOptions): Promise<ProbeOutcome>;
  /**
   * The state of a command started with `spool`, and up to `maxBytes` of each stream from the
   * given byte offsets (raw bytes, as the host wrote them).
   */
  readSpool(
    target: SshTarget,
    spool: string,
    from: { readonly stdout: number; readonly stderr: number },
    options: ConnectOptions & { readonly maxBytes: number; readonly timeoutMs: number },
  ): Promise<SpoolRead>;
  /** Stops a command started with `spool` (its whole session), from any process; never throws. */
  killSpool(target: SshTarget, spool: string, options: ConnectOptions): Promise<void>;
  /** The command's end is recorded: its spool files may go (lazily, with the next command). */
  forgetSpool(target: SshTarget, spool: string): void;
  close(): Promise<void>;
}

/**
 * A secret key read when first needed and then kept (the request-state key: a file in the data dir
 * locally, a Secrets Manager secret on AWS). A failed read is tried again next time.
 */
export type KeySource = () => Promise<Uint8Array>;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Failures an operator is alerted on (a CloudWatch alarm each on AWS), counted as they happen. */
export const FAILURE_METRICS = ['AuditWriteFailures', 'HistoryWriteFailures'] as const;
export type FailureMetric = (typeof FAILURE_METRICS)[number];

/** Structured log sink; secrets must never be passed in. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Counts one occurrence of a failure metric. */
  count(metric: FailureMetric): void;
}
