import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import { publicMessage } from '../errors.js';
import { approvalPage, type ApprovalRecord } from './approval.js';
import { isoFromEpoch } from '../expiry.js';

/**
 * Tells each `approvals.notify` webhook of a new request, all at once and each within the
 * notifier's timeout; a webhook that fails is logged (by host: the URL may hold a token) and
 * never delays or fails the call beyond that timeout. Awaited by the caller: on Lambda nothing
 * runs after the answer.
 */
export async function notifyApprovers(
  deps: Pick<CoreDeps, 'notifier' | 'logger'>,
  fleet: Fleet,
  record: ApprovalRecord,
  origin?: string,
): Promise<void> {
  const hooks = fleet.approvals.notify;
  if (hooks.length === 0) return;
  const approve = `ssh-mcp-gateway approvals approve ${record.id}`;
  const url = origin ? approvalPage(origin, record.id) : undefined;
  const expires = isoFromEpoch(record.expiresAt);
  const hosts = record.hosts.map((h) => h.host);
  const results = await Promise.allSettled(
    hooks.map((hook) =>
      deps.notifier.post(
        hook.url,
        hook.format === 'slack'
          ? {
              text:
                `Approval needed: ${record.requester} asks to run \`${record.command}\` on ${hosts.join(', ')} (${record.tool})` +
                `${record.justification ? ` — “${record.justification}”` : ''}. ` +
                `Approve or deny with your own key${url ? ` at ${url} or` : ''}: \`${approve}\` (or \`deny\`). Expires ${expires}.`,
            }
          : {
              type: 'approval.requested',
              id: record.id,
              requester: record.requester,
              tool: record.tool,
              command: record.command,
              hosts: record.hosts,
              ...(record.justification ? { justification: record.justification } : {}),
              expiresAt: expires,
              approve,
              ...(url ? { url } : {}),
            },
      ),
    ),
  );
  results.forEach((result, i) => {
    if (result.status === 'rejected')
      deps.logger.warn('approval notification failed', {
        approvalId: record.id,
        webhook: new URL(hooks[i]?.url ?? 'http://unknown').host,
        error: publicMessage(result.reason),
      });
  });
}
