import { randomUUID } from 'node:crypto';
import { effectiveStatus, type ApprovalRecord } from '../../core/approvals/approval.js';
import { decideApproval } from '../../core/approvals/decide-approval.js';
import { viewApproval } from '../../core/approvals/view-approval.js';
import { AppError } from '../../core/errors.js';
import { systemClock } from '../../core/ports.js';
import { checkApiKey } from '../../core/users/user-admin.js';
import type { User } from '../../core/users/user.js';
import { roleAtLeast } from '../../core/users/user.js';
import type { OpenedStore } from '../../compose/store.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { hasInvisible, printable } from '../../core/text/printable.js';
import { STORE_OPTIONS, parse } from '../store-options.js';
import { withStore } from './users.js';
import { API_KEY_ENV } from './stdio.js';
import { epochSeconds, isoFromEpoch } from '../../core/expiry.js';

const USAGE =
  'approvals list | approvals show ID | approvals approve ID [--note TEXT] [--window MINUTES --runs K] | approvals deny ID [--note TEXT]  (your key: --key or SMG_API_KEY)';

/**
 * The approver's side on the command line. The person proves who they are with their own API
 * key (`--key`, or SMG_API_KEY): never by naming a user, so access to the store's files is not
 * enough to decide as someone else through this command.
 */
export async function approvalsCommand(args: string[], io: CliIO): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, {
    ...STORE_OPTIONS,
    key: { type: 'string' },
    note: { type: 'string' },
    window: { type: 'string' },
    runs: { type: 'string' },
    limit: { type: 'string', default: '20' },
  });
  if (!['list', 'show', 'approve', 'deny'].includes(action ?? '')) throw new UsageError(USAGE);
  const id = positionals[0] ?? '';
  if (action !== 'list' && !id) throw new UsageError(`approvals ${action} needs an ID: ${USAGE}`);
  if (values.note !== undefined && hasInvisible(values.note))
    throw new UsageError('--note must be plain text, without control or invisible characters');
  const key = (values.key ?? process.env[API_KEY_ENV])?.trim();
  if (!key)
    throw new UsageError(
      `give your own API key with --key or ${API_KEY_ENV}: approvals are decided by a person, proven by their key`,
    );
  return withStore(values, async (store) => {
    const person = await whoHolds(store, key);
    const deps = { approvals: store.approvals, audit: store.audit, clock: systemClock };
    const requestId = `cli-${randomUUID()}`;
    if (action === 'list') {
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError('--limit takes a positive whole number');
      const records = roleAtLeast(person.role, 'approver')
        ? await store.approvals.list(limit)
        : await store.approvals.listByRequester(person.name, limit);
      const now = epochSeconds(new Date());
      for (const r of records) io.out(line({ ...r, status: effectiveStatus(r, now) }));
      if (records.length === 0) io.out('no approval requests');
      return 0;
    }
    if (action === 'show') {
      io.out(details(await viewApproval(deps, person, id)));
      return 0;
    }
    if ((values.window === undefined) !== (values.runs === undefined))
      throw new UsageError('--window MINUTES and --runs K go together');
    const window =
      values.window !== undefined && values.runs !== undefined
        ? { minutes: Number(values.window), runs: Number(values.runs) }
        : undefined;
    const decided = await decideApproval(
      deps,
      person,
      id,
      action === 'approve' ? 'approve' : 'deny',
      {
        requestId,
        ...(values.note ? { note: values.note } : {}),
        ...(window ? { window } : {}),
      },
    );
    io.out(
      `${decided.id} ${decided.status} by ${person.name}${window ? ` for ${window.runs} runs until ${isoFromEpoch(decided.expiresAt)}` : ''}; ${decided.requester} may now call ${decided.tool} again with approvalId "${decided.id}"${decided.status === 'denied' ? ' (it will be told it was denied)' : ''}`,
    );
    return 0;
  });
}

async function whoHolds(store: OpenedStore, key: string): Promise<User> {
  const checked = await checkApiKey(store.users, key);
  if (!('user' in checked))
    throw new AppError('UNAUTHORIZED', `${checked.refused}; use your own current API key`);
  return checked.user;
}

function line(r: ApprovalRecord): string {
  return printable(
    [
      r.id,
      r.status,
      r.requester,
      r.tool,
      r.hosts.map((h) => h.host).join(','),
      JSON.stringify(r.command),
      `expires ${isoFromEpoch(r.expiresAt)}`,
      ...(decidedBy(r) ? [`by ${decidedBy(r)}`] : []),
    ].join('\t'),
  );
}

/** Who decided, once someone has (a decision the audit could not record is rolled back). */
function decidedBy(r: ApprovalRecord): string | undefined {
  return r.status === 'pending' ? undefined : r.approver;
}

function details(r: ApprovalRecord): string {
  return printable(
    [
      `approval ${r.id}: ${r.status}${decidedBy(r) ? ` by ${r.approver} at ${r.decidedAt ?? '?'}` : ''}${r.note && decidedBy(r) ? ` — ${r.note}` : ''}`,
      `asked by ${r.requester} at ${r.createdAt} (${r.tool}); expires ${isoFromEpoch(r.expiresAt)}`,
      `command: ${r.command}`,
      ...r.hosts.map(
        (h) =>
          `  ${h.host}${h.rule ? `  rule: ${h.rule}` : ''}${h.risk ? `  risk: ${h.risk}` : ''}`,
      ),
      ...(r.justification ? [`justification: ${r.justification}`] : []),
    ].join('\n'),
  );
}
