import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { APPROVAL_STATUSES, type ApprovalRecord } from '../../core/approvals/approval.js';
import { viewApproval } from '../../core/approvals/view-approval.js';
import { RISKS } from '../../core/policy/risk.js';
import { printable } from '../../core/text/printable.js';
import { isoFromEpoch } from '../../core/expiry.js';

export const getApprovalTool = defineTool({
  name: 'get_approval',
  toolset: 'governance',
  title: 'Check an approval request',
  description:
    'Shows where an approval request stands: pending (waiting for a second person), approved (call the tool again with approvalId to run it, once), ' +
    'denied (with the approver and their note), expired or consumed; plus the command, the hosts with the rule and risk that asked for approval, ' +
    'who asked and when it expires. Read-only. Requesters see their own requests; approvers and admins see all.',
  minRole: 'operator',
  inputSchema: {
    approvalId: z
      .string()
      .min(1)
      .max(100)
      .describe('The approval id from an approval_required answer.'),
  },
  outputSchema: {
    id: z.string(),
    status: z.enum(APPROVAL_STATUSES),
    requester: z.string(),
    tool: z.string(),
    command: z.string(),
    hosts: z.array(
      z.object({ host: z.string(), rule: z.string().optional(), risk: z.enum(RISKS).optional() }),
    ),
    justification: z.string().optional(),
    createdAt: z.string(),
    expiresAt: z.string(),
    approver: z.string().optional(),
    decidedAt: z.string().optional(),
    note: z.string().optional(),
    consumedAt: z.string().optional(),
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handler(input, { deps, user }) {
    const {
      commandSha256: _hash,
      requestId: _request,
      expiresAt,
      ...shown
    } = await viewApproval(deps, user, input.approvalId);
    return {
      ...shown,
      hosts: [...shown.hosts],
      expiresAt: isoFromEpoch(expiresAt),
    };
  },
  toText: approvalText,
});

function approvalText(
  a: Omit<ApprovalRecord, 'commandSha256' | 'requestId' | 'expiresAt'> & { expiresAt: string },
): string {
  const decided = a.approver ? ` by ${a.approver}${a.decidedAt ? ` at ${a.decidedAt}` : ''}` : '';
  return printable(
    [
      `approval ${a.id}: ${a.status}${decided}${a.note ? ` — ${a.note}` : ''}`,
      `asked by ${a.requester} at ${a.createdAt} for ${a.tool}; expires ${a.expiresAt}`,
      `command: ${a.command}`,
      ...a.hosts.map(
        (h) => `  ${h.host}${h.rule ? `: ${h.rule}` : ''}${h.risk ? ` (${h.risk})` : ''}`,
      ),
      ...(a.justification ? [`justification: ${a.justification}`] : []),
    ].join('\n'),
  );
}
