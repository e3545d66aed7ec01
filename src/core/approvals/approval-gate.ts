import { createHash, randomBytes } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import type { ApprovalDeps } from './decide-approval.js';
import { notifyApprovers } from './notify-approvers.js';

import type { Fleet } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { ConflictError, ForbiddenError, InvalidInputError } from '../errors.js';
import { createScrubber } from '../exec/scrub.js';
import {
  approvalPage,
  effectiveStatus,
  hostsKey,
  type ApprovalHost,
  type ApprovalRecord,
} from './approval.js';
import { expireApproval } from './decide-approval.js';
import { epochSeconds, isoFromEpoch } from '../expiry.js';

/** What the gate needs: the approval store and audit, and the webhooks to tell approvers. */
export type GateDeps = ApprovalDeps & Pick<CoreDeps, 'notifier' | 'logger'>;

/** What the call asking for hosts that need approval brings. */
export interface GateRequest {
  readonly tool: string;
  readonly command: string;
  readonly requestId: string;
  /** The approval the caller was given, when retrying after a decision. */
  readonly approvalId?: string;
  readonly justification?: string;
  /** When waiting for a pending decision must end (epoch ms); default: the sync budget from now. */
  readonly waitUntil?: number;
  /** Where people reach the gateway (public URL or allow-listed Host), for the page link. */
  readonly origin?: string;
}

/** What becomes of the call: run (with the approval used up), or hold nothing runs. */
export type GateOutcome =
  | { readonly kind: 'run'; readonly approval?: ApprovalRecord }
  | {
      readonly kind: 'held' | 'denied';
      readonly approval: ApprovalRecord;
      readonly message: string;
    };

const POLL_MS = 500;
const DEDUPE_WINDOW = 25;
/** Pending requests one person may have at once: more would bury the others for approvers. */
export const MAX_PENDING_PER_REQUESTER = 10;

export function commandSha256(command: string): string {
  return createHash('sha256').update(command, 'utf8').digest('hex');
}

/**
 * The approval step of a call some of whose hosts need approval (`gated`). Without an approval
 * id it asks (or finds the identical request still pending) and holds the whole call. With one,
 * the approval must be this user's, for these exact command bytes and these hosts (or more); a
 * pending one is waited for up to the sync budget; an approved one is used up — once, by a
 * conditional write — and the call runs.
 */
export async function approvalGate(
  deps: GateDeps,
  fleet: Fleet,
  user: User,
  gated: readonly ApprovalHost[],
  request: GateRequest,
): Promise<GateOutcome> {
  if (gated.length === 0) return { kind: 'run' };
  const sha = commandSha256(request.command);
  if (request.approvalId === undefined) return ask(deps, fleet, user, gated, request, sha);

  const id = request.approvalId;
  let record = await deps.approvals.get(id);
  if (!record)
    throw new InvalidInputError(
      `there is no approval "${id}"; call without approvalId to ask for one`,
    );
  if (record.requester !== user.name)
    throw new ForbiddenError(
      `approval ${id} was asked for by someone else; only its requester can use it`,
    );
  if (record.tool !== request.tool)
    throw new InvalidInputError(
      `approval ${id} was asked for by ${record.tool}; use it with ${record.tool}, or call ${request.tool} without approvalId to ask for this one`,
    );
  if (record.commandSha256 !== sha)
    throw new InvalidInputError(
      `approval ${id} is for another command ("${record.command}"); the command must be the same, byte for byte — or call without approvalId to ask for this one`,
    );
  const covered = new Set(record.hosts.map((h) => h.host));
  const beyond = gated.filter((h) => !covered.has(h.host)).map((h) => h.host);
  if (beyond.length > 0)
    throw new InvalidInputError(
      `approval ${id} covers ${[...covered].join(', ')}; this call also needs approval for ${beyond.join(', ')} — target only the approved hosts, or call without approvalId to ask again`,
    );

  const deadline = request.waitUntil ?? Date.now() + fleet.limits.syncBudgetSeconds * 1000;
  for (;;) {
    const now = seconds(deps);
    const status = effectiveStatus(record, now);
    if (status === 'approved') {
      const taken = await deps.approvals.use(id, now);
      if (taken) {
        if (taken.used >= taken.runs)
          await deps.approvals.transition(id, 'approved', {
            status: 'consumed',
            consumedAt: deps.clock.now().toISOString(),
          });
        await deps.audit.append({
          type: 'approval.consumed',
          requestId: request.requestId,
          user: user.name,
          tool: request.tool,
          approvalId: id,
          ...(record.approver ? { approver: record.approver } : {}),
          targets: gated.map((h) => h.host),
          command: record.command,
          ...(taken.runs > 1 ? { detail: `run ${taken.used} of ${taken.runs}` } : {}),
        });
        return { kind: 'run', approval: { ...record, used: taken.used } };
      }
    } else if (status === 'denied') {
      return {
        kind: 'denied',
        approval: record,
        message: `approval ${id} was denied by ${record.approver ?? 'an approver'}${record.note ? `: ${record.note}` : ''}`,
      };
    } else if (status === 'expired') {
      await expireApproval(deps, record, request.requestId);
      throw new InvalidInputError(
        `approval ${id} expired at ${isoFromEpoch(record.expiresAt)} before it was ${record.status === 'approved' ? 'used' : 'decided'}; call without approvalId to ask again`,
      );
    } else if (status === 'consumed') {
      throw new InvalidInputError(
        (record.runs ?? 1) > 1
          ? `approval ${id} was already used for all ${record.runs} of its runs; call without approvalId to ask again`
          : `approval ${id} was already used (${record.consumedAt ?? 'earlier'}); an approval runs a command once — call without approvalId to ask again`,
      );
    } else if (Date.now() + POLL_MS > deadline) {
      return {
        kind: 'held',
        approval: record,
        message: heldMessage(record, request.tool, request.origin),
      };
    } else {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const next = await deps.approvals.get(id);
    if (!next)
      throw new InvalidInputError(`approval ${id} is gone; call without approvalId to ask again`);
    record = next;
  }
}

/** A new request — or the identical one this user already has pending — and the call is held. */
async function ask(
  deps: GateDeps,
  fleet: Fleet,
  user: User,
  gated: readonly ApprovalHost[],
  request: GateRequest,
  sha: string,
): Promise<GateOutcome> {
  const now = seconds(deps);
  const key = hostsKey(gated);
  const pending = (await deps.approvals.listByRequester(user.name, DEDUPE_WINDOW)).filter(
    (r) => effectiveStatus(r, now) === 'pending',
  );
  const same = pending.find(
    (r) => r.commandSha256 === sha && hostsKey(r.hosts) === key && r.tool === request.tool,
  );
  if (same)
    return {
      kind: 'held',
      approval: same,
      message: heldMessage(same, request.tool, request.origin),
    };
  if (pending.length >= MAX_PENDING_PER_REQUESTER)
    throw new ConflictError(
      `you have ${pending.length} approval requests waiting for a decision (${pending.map((r) => r.id).join(', ')}); wait for them to be decided or to expire before asking for more`,
    );
  const record: ApprovalRecord = {
    id: `apr_${randomBytes(9).toString('base64url')}`,
    requester: user.name,
    tool: request.tool,
    command: createScrubber(fleet.secretValues())(request.command),
    commandSha256: sha,
    hosts: gated,
    ...(request.justification ? { justification: request.justification } : {}),
    ...(fleet.approvals.selfApproval ? { selfApproval: true } : {}),
    ...(fleet.approvals.maxWindowMinutes > 0
      ? { maxWindowMinutes: fleet.approvals.maxWindowMinutes }
      : {}),
    requestId: request.requestId,
    createdAt: deps.clock.now().toISOString(),
    expiresAt: now + fleet.approvals.ttlMinutes * 60,
    status: 'pending',
  };
  // Recorded before it exists: an approval nobody can trace is worse than a trace of none.
  await deps.audit.append({
    type: 'approval.requested',
    requestId: request.requestId,
    user: user.name,
    tool: request.tool,
    approvalId: record.id,
    targets: gated.map((h) => h.host),
    command: record.command,
    decisions: gated.map((h) => ({
      host: h.host,
      decision: 'approval_required',
      ...(h.rule ? { rule: h.rule } : {}),
      ...(h.risk ? { risk: h.risk } : {}),
    })),
    ...(request.justification ? { detail: `justification: ${request.justification}` } : {}),
  });
  await deps.approvals.create(record);
  await notifyApprovers(deps, fleet, record, request.origin);
  return {
    kind: 'held',
    approval: record,
    message: heldMessage(record, request.tool, request.origin),
  };
}

/** What the model should tell the person: who may decide, how, and what to do after. */
export function heldMessage(record: ApprovalRecord, tool: string, origin?: string): string {
  const who = record.selfApproval
    ? 'someone with the approver or admin role (self-approval is on, so you may too)'
    : `someone with the approver or admin role other than ${record.requester}`;
  return (
    `needs approval ${record.id}, pending until ${isoFromEpoch(record.expiresAt)}: ` +
    `ask ${who} to approve it with their own key${origin ? ` at ${approvalPage(origin, record.id)} or` : ''} with "ssh-mcp-gateway approvals approve ${record.id}"; ` +
    `then call ${tool} again with the same arguments and approvalId "${record.id}". Nothing ran.`
  );
}

function seconds(deps: ApprovalDeps): number {
  return epochSeconds(deps.clock);
}
