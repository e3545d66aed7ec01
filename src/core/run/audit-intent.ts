import type { CoreDeps } from '../deps.js';
import type { User } from '../users/user.js';
import type { RunPlan } from './decide.js';

/**
 * The `exec.intent` record: who asks to run what where, and the decision per host — durable
 * before any SSH starts. Names the approval the call waits for or runs with, and the job the
 * work is stored as when it is stored from the start.
 */
export function recordIntent(
  deps: Pick<CoreDeps, 'audit'>,
  plan: RunPlan,
  call: {
    readonly user: User;
    readonly tool: string;
    readonly requestId: string;
    /** The job the work is stored as from the start (start_job, the worker); absent otherwise. */
    readonly jobId?: string;
  },
): Promise<unknown> {
  const { gate, decided } = plan;
  const counts = [...new Set(decided.map((p) => p.decision.decision))].map(
    (d) => `${d}:${decided.filter((p) => p.decision.decision === d).length}`,
  );
  return deps.audit.append({
    type: 'exec.intent',
    requestId: call.requestId,
    user: call.user.name,
    tool: call.tool,
    targets: decided.map((p) => p.host.name),
    command: plan.auditedCommand,
    decision: counts.join(' '),
    decisions: decided.map(({ host, decision: d }) => ({
      host: host.name,
      decision: d.decision,
      ...(d.rule ? { rule: d.rule } : {}),
      ...(d.risk ? { risk: d.risk } : {}),
    })),
    ...(call.jobId ? { detail: `job ${call.jobId}` } : {}),
    ...(gate.approval
      ? {
          approvalId: gate.approval.id,
          ...(gate.kind === 'run' && gate.approval.approver
            ? { approver: gate.approval.approver }
            : {}),
        }
      : {}),
  });
}
