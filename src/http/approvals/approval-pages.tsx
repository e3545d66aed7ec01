/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { ApprovalRecord } from '../../core/approvals/approval.js';
import type { PlanResult } from '../../core/exec/plan-command.js';
import { printable } from '../../core/text/printable.js';
import { Layout } from '../oauth/consent-page.js';
import { isoFromEpoch } from '../../core/expiry.js';

/** Text as it is: control and invisible characters written out (JSX escapes the rest). */
const Shown: FC<{ text: string; id?: string }> = ({ text, id }) => (
  <code {...(id ? { id } : {})}>{printable(text)}</code>
);

export const SignInPage: FC<{ nonce: string; csrf: string; next: string; error?: string }> = ({
  nonce,
  csrf,
  next,
  error,
}) => (
  <Layout title="Approvals — sign in" nonce={nonce}>
    <h1>Approvals</h1>
    <p>Sign in with your own API key to see and decide approval requests.</p>
    {error ? (
      <p class="error" id="error" role="alert">
        {error}
      </p>
    ) : null}
    <form method="post" action="/approvals/sign-in">
      <input type="hidden" name="csrf_token" value={csrf} />
      <input type="hidden" name="next" value={next} />
      <label for="api_key">Your API key</label>
      <input type="password" id="api_key" name="api_key" autocomplete="off" required />
      <div class="actions">
        <button class="approve" type="submit">
          Sign in
        </button>
      </div>
    </form>
  </Layout>
);

/** Who is signed in, and the way out: signing out is a post carrying the session's token. */
const SignedIn: FC<{ who: string; csrf: string; queueLink?: boolean }> = ({
  who,
  csrf,
  queueLink,
}) => (
  <form method="post" action="/approvals/sign-out">
    <input type="hidden" name="csrf_token" value={csrf} />
    Signed in as <strong id="who">{who}</strong>.{' '}
    {queueLink ? <a href="/approvals">All requests</a> : null}{' '}
    <button type="submit" id="sign-out">
      Sign out
    </button>
  </form>
);

export const QueuePage: FC<{
  nonce: string;
  who: string;
  csrf: string;
  records: readonly ApprovalRecord[];
}> = ({ nonce, who, csrf, records }) => (
  <Layout title="Approvals" nonce={nonce}>
    <h1>Approvals</h1>
    <SignedIn who={who} csrf={csrf} />
    {records.length === 0 ? <p id="empty">No approval requests.</p> : null}
    <ul id="queue">
      {records.map((r) => (
        <li>
          <a href={`/approvals/${r.id}`}>{r.id}</a> — <strong>{r.status}</strong> —{' '}
          {printable(r.requester)}: <Shown text={r.command} /> on{' '}
          {r.hosts.map((h) => h.host).join(', ')}
        </li>
      ))}
    </ul>
  </Layout>
);

export interface RequestPageProps {
  readonly nonce: string;
  readonly who: string;
  /** The session's CSRF token (signing out; deciding, for those who may). */
  readonly csrf: string;
  readonly record: ApprovalRecord;
  readonly plan?: PlanResult;
  /** The session's CSRF token, when this person may decide. */
  readonly decide?: string;
  readonly maxWindowMinutes?: number;
  readonly message?: string;
  readonly error?: string;
}

export const RequestPage: FC<RequestPageProps> = ({
  nonce,
  who,
  csrf,
  record: r,
  plan,
  decide,
  message,
  error,
}) => (
  <Layout title={`Approval ${r.id}`} nonce={nonce}>
    <h1>
      Approval <span id="approval-id">{r.id}</span>: <span id="status">{r.status}</span>
    </h1>
    <SignedIn who={who} csrf={csrf} queueLink />
    {message ? (
      <p id="message" role="status">
        {message}
      </p>
    ) : null}
    {error ? (
      <p class="error" id="error" role="alert">
        {error}
      </p>
    ) : null}
    <div class="box">
      <div>
        <strong id="requester">{printable(r.requester)}</strong> asks to run, through {r.tool}:
      </div>
      <Shown text={r.command} id="command" />
      {r.justification ? (
        <div>
          Justification: <span id="justification">{printable(r.justification)}</span>
        </div>
      ) : null}
      <div>
        Asked {r.createdAt}; expires {isoFromEpoch(r.expiresAt)}.
      </div>
      {r.approver && r.status !== 'pending' ? (
        <div>
          Decided by {r.approver}
          {r.note ? `: ${printable(r.note)}` : ''}
        </div>
      ) : null}
    </div>
    <h2>Hosts that need approval</h2>
    <ul id="hosts">
      {r.hosts.map((h) => (
        <li>
          {h.host}
          {h.rule ? ` — rule ${printable(h.rule)}` : ''}
          {h.risk ? ` — risk ${h.risk}` : ''}
        </li>
      ))}
    </ul>
    {plan ? (
      <>
        <h2>The policy's plan for the command as shown, as of now</h2>
        <ul id="plan">
          {plan.results.map((p) => (
            <li>
              {p.host}: {p.decision} — {printable(p.reason)}
            </li>
          ))}
        </ul>
      </>
    ) : null}
    {!decide && r.status === 'pending' && who === r.requester ? (
      <p id="waiting">
        Waiting for someone with the approver or admin role to decide: send them this page's
        address. Once it is decided, continue in your MCP client — the call picks up where it left
        off.
      </p>
    ) : null}
    {decide ? (
      <form method="post" action={`/approvals/${r.id}`}>
        <input type="hidden" name="csrf_token" value={decide} />
        <label for="note">Note (shown to the requester and kept in the audit log)</label>
        <input type="text" id="note" name="note" maxlength={500} />
        <div class="actions">
          <button class="approve" type="submit" name="decision" value="approve">
            Approve
          </button>
          <button type="submit" name="decision" value="deny">
            Deny
          </button>
        </div>
      </form>
    ) : null}
  </Layout>
);
