import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REVISIONS, baselineOf, runConformance } from './run-conformance.js';

describe.each(REVISIONS)('MCP conformance, checks revision %s requires', (revision) => {
  it('gives every expected failure a check id and what it needs, and never excuses a check a correct server passes', () => {
    const entries = readFileSync(baselineOf(revision), 'utf8')
      .split('\n')
      .filter((line) => /^\s+-\s/.test(line));
    expect(entries.length).toBeGreaterThan(0);
    for (const line of entries)
      expect(line, line).toMatch(/^ {2}- [a-z0-9-]+:[a-z0-9-]+ # needs \S.{10,}$/);
    // Scenarios that need only a correct server are never excused, in part or whole.
    for (const scenario of [
      'dns-rebinding-protection',
      'http-header-validation',
      'server-initialize',
      'tools-list',
    ])
      expect(entries.join('\n')).not.toContain(`- ${scenario}:`);
    // What is excused in server-stateless and caching is only what needs a fixture or a
    // capability the gateway does not have.
    for (const line of entries.filter((l) => /- (server-stateless|caching):/.test(l)))
      expect(line).toMatch(/needs fixture (tool|prompts|resources)/);
  });

  it('matches the committed baseline', async () => {
    const run = await runConformance(revision);
    expect(run.nodeVersion).toMatch(/^v2[2-9]\./);
    expect(run.output).toMatch(/dns-rebinding-protection: \d+ passed, 0 failed/);
    expect(run.output).toMatch(/tools-list: \d+ passed, 0 failed/);
    expect(run.exitCode, run.output.slice(-3000)).toBe(0);
  }, 300_000);
});
