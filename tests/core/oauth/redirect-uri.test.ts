import { describe, expect, it } from 'vitest';
import { reachesThisComputer } from '../../../src/core/oauth/redirect-uri.js';

describe('reachesThisComputer', () => {
  it.each([
    ['http://127.0.0.1:3000/cb', true],
    ['http://127.8.9.10/cb', true],
    ['http://[::1]:8080/cb', true],
    ['https://[::ffff:127.0.0.1]/cb', true],
    ['http://0.0.0.0:4000/cb', true],
    ['http://localhost/cb', true],
    ['http://LOCALHOST./cb', true],
    ['https://app.localhost/cb', true],
    ['cursor://anysphere.cursor-retrieval/oauth/callback', true],
    ['https://claude.ai/api/mcp/auth_callback', false],
    ['https://localhost.example.com/cb', false],
    ['https://192.0.2.10/cb', false],
  ])('%s → %s', (uri, expected) => {
    expect(reachesThisComputer(new URL(uri))).toBe(expected);
  });
});
