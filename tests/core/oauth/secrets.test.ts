import { describe, expect, it } from 'vitest';
import { issueSecret, looksLike, pkceMatches } from '../../../src/core/oauth/secrets.js';
import { redirectUriProblem, withQuery } from '../../../src/core/oauth/redirect-uri.js';
import { pkcePair } from '../../support/oauth.js';

describe('OAuth secrets and redirect URIs', () => {
  it('checks PKCE S256 (BASE64URL(SHA256(verifier))), and rejects other or malformed verifiers', () => {
    const { verifier, challenge } = pkcePair();
    expect(pkceMatches(verifier, challenge)).toBe(true);
    expect(pkceMatches(pkcePair().verifier, challenge)).toBe(false);
    expect(pkceMatches(verifier.slice(0, 42), challenge)).toBe(false);
    expect(pkceMatches(`${verifier}!`, challenge)).toBe(false);
    expect(pkceMatches(verifier, challenge.slice(0, 42))).toBe(false);
  });

  it('issues prefixed 256-bit secrets whose shape is checked before any lookup', () => {
    const a = issueSecret('access');
    expect(a.value).toMatch(/^smat_[A-Za-z0-9_-]{43}$/);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(looksLike('access', a.value)).toBe(true);
    expect(looksLike('refresh', a.value)).toBe(false);
    expect(looksLike('access', `${a.value}x`)).toBe(false);
    expect(issueSecret('access').value).not.toBe(a.value);
  });

  it('accepts https, loopback http and app schemes as redirect URIs, and nothing that could leak a code', () => {
    for (const ok of [
      'https://claude.ai/api/mcp/auth_callback',
      'https://chatgpt.com/connector_platform_oauth_redirect',
      'http://127.0.0.1:33418/',
      'http://localhost:8080/cb',
      'http://[::1]:9/cb',
      'vscode://vscode.github-authentication/did-authenticate',
      'cursor://anysphere.cursor-retrieval/oauth/user-fleet/callback',
    ]) {
      expect(redirectUriProblem(ok), ok).toBeUndefined();
    }
    for (const bad of [
      'http://example.com/cb',
      'http://127.0.0.1.evil.example/cb',
      'https://a.example/cb#x',
      'javascript:alert(1)',
      'data:text/html,x',
      'file:///etc/passwd',
      '/relative',
      '',
    ]) {
      expect(redirectUriProblem(bad), bad).toBeDefined();
    }
  });

  it('adds parameters to a redirect URI without losing its own', () => {
    const url = new URL(
      withQuery('https://app.example/cb?tenant=a&x=1', {
        code: 'c&d',
        state: 'a b',
        iss: undefined,
      }),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: 'a',
      x: '1',
      code: 'c&d',
      state: 'a b',
    });
  });
});
