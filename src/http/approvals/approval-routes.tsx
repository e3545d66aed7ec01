/** @jsxImportSource hono/jsx */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CoreDeps } from '../../core/deps.js';
import { effectiveStatus } from '../../core/approvals/approval.js';
import { decideApproval } from '../../core/approvals/decide-approval.js';
import { viewApproval } from '../../core/approvals/view-approval.js';
import {
  SESSION_SECONDS,
  sessionUser,
  signIn,
  signOut,
} from '../../core/approvals/approver-session.js';
import { planCommand, type PlanResult } from '../../core/exec/plan-command.js';
import { AppError, publicMessage } from '../../core/errors.js';
import { roleAtLeast, type User } from '../../core/users/user.js';
import { hasInvisible } from '../../core/text/printable.js';
import { hostOrigin } from '../middleware/host-origin/index.js';
import type { RefusalVariables } from '../middleware/audit-refusals/index.js';
import { securityHeaders } from '../page-headers.js';
import { QueuePage, RequestPage, SignInPage } from './approval-pages.js';
import { epochSeconds, isoFromEpoch } from '../../core/expiry.js';

const SESSION_COOKIE = 'smg_approver';
const SIGN_IN_COOKIE = 'smg_signin';
const ID = /^apr_[A-Za-z0-9_-]{12}$/;
const QUEUE_LIMIT = 50;

export interface ApprovalRouteOptions {
  readonly allowedHosts: readonly string[];
  readonly clientAddress: (c: Context) => string;
  readonly publicUrl?: string;
}

type Env = { Variables: RefusalVariables };
type ApprovalApp = Hono<Env>;
type Signed = { user: User; session: { csrf: string } };

/**
 * The approver's page: `/approvals` (the queue) and `/approvals/{id}` (one request, with Approve /
 * Deny for those who may decide). A person signs in with their own API key; the session cookie
 * is HttpOnly, SameSite=Strict, Secure behind https, 15 minutes, stored hashed; every form
 * carries a CSRF token and a cross-site or sandboxed (Origin: null) post is refused. The pages
 * are server-rendered under the consent page's CSP.
 */
export function approvalRoutes(deps: CoreDeps, options: ApprovalRouteOptions): ApprovalApp {
  const app: ApprovalApp = new Hono();
  app.use('/approvals', hostOrigin({ allowedHosts: options.allowedHosts }));
  app.use('/approvals/*', hostOrigin({ allowedHosts: options.allowedHosts }));
  const pages = approvalPages(deps, options);
  queueRoute(app, deps, pages);
  sessionRoutes(app, deps, options, pages);
  requestRoutes(app, deps, pages);
  return app;
}

type Pages = ReturnType<typeof approvalPages>;

/** How the pages are answered: rendered under a fresh CSP nonce, cookies Secure behind https. */
function approvalPages(deps: CoreDeps, options: ApprovalRouteOptions) {
  // https as the browser sees it: the request itself, the configured public URL, or the first
  // proxy's X-Forwarded-Proto.
  const secure = (c: Context) =>
    options.publicUrl?.startsWith('https:') === true ||
    new URL(c.req.url).protocol === 'https:' ||
    c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';

  /** The sign-in form's token: a random seed in a SameSite=Strict cookie, hashed into the form. */
  const signInToken = (c: Context): string => {
    let seed = getCookie(c, SIGN_IN_COOKIE);
    if (!seed || !/^[A-Za-z0-9_-]{43}$/.test(seed)) {
      seed = randomBytes(32).toString('base64url');
      setCookie(c, SIGN_IN_COOKIE, seed, {
        path: '/approvals',
        httpOnly: true,
        sameSite: 'Strict',
        secure: secure(c),
        maxAge: SESSION_SECONDS,
      });
    }
    return createHash('sha256').update(seed).digest('base64url');
  };

  const render = (
    c: Context,
    status: 200 | 400 | 401 | 403 | 404 | 409 | 429,
    node: (nonce: string) => unknown,
  ) => {
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(c, nonce);
    return c.html(node(nonce) as string, status);
  };

  const signInPage = (
    c: Context,
    next: string,
    status: 200 | 401 | 403 | 429 = 200,
    error?: string,
  ) =>
    render(c, status, (nonce) => (
      <SignInPage nonce={nonce} csrf={signInToken(c)} next={next} {...(error ? { error } : {})} />
    ));

  const requestPage = requestPageOf(deps, render);
  return { secure, signInToken, render, signInPage, requestPage };
}

/** One request's page: the record, the policy's plan for its requester now, and the decision form. */
function requestPageOf(
  deps: CoreDeps,
  render: (
    c: Context,
    status: 200 | 400 | 401 | 403 | 404 | 409 | 429,
    node: (nonce: string) => unknown,
  ) => Response | Promise<Response>,
) {
  return async (
    c: Context,
    signed: Signed,
    id: string,
    status: 200 | 400 | 403 | 409,
    extra: { message?: string; error?: string },
    done?: string,
  ) => {
    let record;
    try {
      record = ID.test(id) ? await viewApproval(deps, signed.user, id) : undefined;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
    if (!record)
      return render(c, 404, (nonce) => (
        <QueuePage nonce={nonce} who={signed.user.name} csrf={signed.session.csrf} records={[]} />
      ));
    const mayDecide =
      record.status === 'pending' &&
      roleAtLeast(signed.user.role, 'approver') &&
      (record.requester !== signed.user.name || record.selfApproval === true);
    let plan: PlanResult | undefined;
    const requester = await deps.users.getUser(record.requester);
    if (requester) {
      try {
        plan = planCommand(deps, await deps.fleet.current(), requester, {
          hosts: record.hosts.map((h) => h.host),
          command: record.command,
        });
      } catch {
        plan = undefined; // hosts gone from the fleet, or access changed: no plan to show
      }
    }
    const shown = record;
    // A decision just made is confirmed only when it is the request's status (a link cannot
    // put words on the page).
    const confirmed =
      done !== undefined && done === record.status && (done === 'approved' || done === 'denied')
        ? { message: `Recorded: ${done}.` }
        : {};
    return render(c, status, (nonce) => (
      <RequestPage
        nonce={nonce}
        who={signed.user.name}
        csrf={signed.session.csrf}
        record={shown}
        {...(plan ? { plan } : {})}
        {...(mayDecide ? { decide: signed.session.csrf } : {})}
        {...confirmed}
        {...extra}
      />
    ));
  };
}

/** The queue: everyone's requests for those who decide, one's own for the others. */
function queueRoute(app: ApprovalApp, deps: CoreDeps, { render, signInPage }: Pages): void {
  app.get('/approvals', async (c) => {
    const signed = await sessionUser(deps, getCookie(c, SESSION_COOKIE));
    if (!signed) return signInPage(c, '/approvals');
    c.set('user', signed.user);
    const now = epochSeconds(deps.clock);
    const mayDecide = roleAtLeast(signed.user.role, 'approver');
    const records = (
      mayDecide
        ? await deps.approvals.list(QUEUE_LIMIT)
        : await deps.approvals.listByRequester(signed.user.name, QUEUE_LIMIT)
    ).map((r) => ({ ...r, status: effectiveStatus(r, now) }));
    return render(c, 200, (nonce) => (
      <QueuePage
        nonce={nonce}
        who={signed.user.name}
        csrf={signed.session.csrf}
        records={records}
      />
    ));
  });
}

/** Signing in with one's own API key (counted per address), and out. */
function sessionRoutes(
  app: ApprovalApp,
  deps: CoreDeps,
  options: ApprovalRouteOptions,
  { secure, signInToken, signInPage }: Pages,
): void {
  app.post('/approvals/sign-in', async (c) => {
    const form = (await formParams(c)) ?? {};
    const next = ID.test((form['next'] ?? '').replace('/approvals/', ''))
      ? (form['next'] ?? '')
      : '/approvals';
    if (c.req.header('origin') === 'null' || !sameToken(signInToken(c), form['csrf_token'])) {
      c.set('refusal', 'approvals sign-in: form not from this page');
      return signInPage(
        c,
        next,
        403,
        'This form did not come from this page, or it expired. Try again.',
      );
    }
    const result = await signIn(deps, form['api_key'] ?? '', options.clientAddress(c));
    if (result.kind === 'rate-limited') {
      c.set('refusal', 'approvals sign-in: rate-limited');
      c.header('retry-after', String(result.retryAfterSeconds));
      return signInPage(
        c,
        next,
        429,
        `Too many wrong keys from this address. Try again in ${Math.ceil(result.retryAfterSeconds / 60)} minute(s).`,
      );
    }
    if (result.kind === 'wrong-key') {
      c.set('refusal', 'approvals sign-in: wrong API key');
      return signInPage(c, next, 401, result.message);
    }
    // Recorded before the session is handed over: who signed in to decide, from where.
    await deps.audit.append({
      type: 'approvals.signed-in',
      requestId: c.var.requestId,
      user: result.session.user,
      address: options.clientAddress(c),
      detail: `session until ${isoFromEpoch(result.session.expiresAt)}`,
    });
    setCookie(c, SESSION_COOKIE, result.token, {
      path: '/approvals',
      httpOnly: true,
      sameSite: 'Strict',
      secure: secure(c),
      maxAge: SESSION_SECONDS,
    });
    deleteCookie(c, SIGN_IN_COOKIE, { path: '/approvals' });
    return c.redirect(next, 303);
  });

  app.post('/approvals/sign-out', async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    const signed = await sessionUser(deps, token);
    if (!signed || !token) return c.redirect('/approvals', 303);
    c.set('user', signed.user);
    const form = await formParams(c);
    if (
      c.req.header('origin') === 'null' ||
      !sameToken(signed.session.csrf, form?.['csrf_token'])
    ) {
      c.set('refusal', 'approvals sign-out: form not from this page');
      return c.text('This form did not come from this page; you are still signed in.', 403);
    }
    await signOut(deps, token);
    await deps.audit.append({
      type: 'approvals.signed-out',
      requestId: c.var.requestId,
      user: signed.user.name,
      address: options.clientAddress(c),
    });
    deleteCookie(c, SESSION_COOKIE, { path: '/approvals' });
    return c.redirect('/approvals', 303);
  });
}

/** One request, and the decision on it: checked as ours, then decided once. */
function requestRoutes(app: ApprovalApp, deps: CoreDeps, { signInPage, requestPage }: Pages): void {
  app.get('/approvals/:id', async (c) => {
    const id = c.req.param('id');
    const signed = await sessionUser(deps, getCookie(c, SESSION_COOKIE));
    if (!signed) return signInPage(c, ID.test(id) ? `/approvals/${id}` : '/approvals');
    c.set('user', signed.user);
    return requestPage(c, signed, id, 200, {}, c.req.query('done'));
  });

  app.post('/approvals/:id', async (c) => {
    const id = c.req.param('id');
    const signed = await sessionUser(deps, getCookie(c, SESSION_COOKIE));
    if (!signed)
      return signInPage(
        c,
        ID.test(id) ? `/approvals/${id}` : '/approvals',
        401,
        'Your session ended; sign in again.',
      );
    c.set('user', signed.user);
    if (!ID.test(id)) return requestPage(c, signed, id, 400, {});
    const form = await formParams(c);
    if (!form) return requestPage(c, signed, id, 400, { error: 'That form could not be read.' });
    if (c.req.header('origin') === 'null' || !sameToken(signed.session.csrf, form['csrf_token'])) {
      c.set('refusal', `approvals: decision on ${id} not from this page`);
      return requestPage(c, signed, id, 403, {
        error: 'This form did not come from this page. Nothing was decided.',
      });
    }
    const decision = form['decision'];
    const note = (form['note'] ?? '').trim().slice(0, 500);
    if ((decision !== 'approve' && decision !== 'deny') || hasInvisible(note))
      return requestPage(c, signed, id, 400, {
        error: 'Choose Approve or Deny; the note must be plain text.',
      });
    try {
      const decided = await decideApproval(deps, signed.user, id, decision, {
        requestId: c.var.requestId,
        ...(note ? { note } : {}),
      });
      return c.redirect(`/approvals/${id}?done=${decided.status}`, 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      c.set('refusal', `approvals: ${publicMessage(error)}`);
      return requestPage(c, signed, id, error.code === 'CONFLICT' ? 409 : 403, {
        error: publicMessage(error),
      });
    }
  });
}

function sameToken(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A urlencoded form's fields; undefined when the body is not one or cannot be read. */
async function formParams(c: Context): Promise<Record<string, string> | undefined> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  try {
    const body = await c.req.parseBody();
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(body))
      if (typeof value === 'string') out[name] = value;
    return out;
  } catch {
    return undefined;
  }
}
