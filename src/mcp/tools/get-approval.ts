import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { approvalRecordSchema } from '../../core/approvals/approval.js';
import { viewApproval } from '../../core/approvals/view-approval.js';
import { printable } from '../../core/text/printable.js';
import { isoFromEpoch } from '../../core/expiry.js';

/** An approval as get_approval shows it: the record without what binds it, its expiry a date. */
const approvalShown = approvalRecordSchema
  .pick({
    id: true,
    status: true,
    requester: true,
    tool: true,
    command: true,
    hosts: true,
    justification: true,
    createdAt: true,
    approver: true,
    decidedAt: true,
    note: true,
    consumedAt: true,
  })
  .extend({ expiresAt: z.string() });

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
  outputSchema: approvalShown.shape,
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handler(input, { deps, user }) {
    const record = await viewApproval(deps, user, input.approvalId);
    // The shown fields of the record (parsing picks them), its expiry as a date.
    return approvalShown.parse({ ...record, expiresAt: isoFromEpoch(record.expiresAt) });
  },
  toText: approvalText,
});

function approvalText(a: z.infer<typeof approvalShown>): string {
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
