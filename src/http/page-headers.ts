import type { Context } from 'hono';

/**
 * The headers every server-rendered page gets (consent, approvals): a CSP that allows only our
 * own nonce'd style and forms posting to us (and, for consent, the client's redirect target),
 * no framing, no sniffing, no caching.
 */
export function securityHeaders(c: Context, nonce: string, formTarget?: string): void {
  const formAction = formTarget ? `'self' ${formTarget}` : `'self'`;
  c.header(
    'content-security-policy',
    `default-src 'none'; style-src 'nonce-${nonce}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  );
  c.header('x-frame-options', 'DENY');
  c.header('x-content-type-options', 'nosniff');
  // same-origin, not no-referrer: under no-referrer the form's own POST carries Origin: null,
  // which /authorize refuses; other sites still get no referrer.
  c.header('referrer-policy', 'same-origin');
  c.header('cache-control', 'no-store');
}
