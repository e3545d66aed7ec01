import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BASELINE, runConformance } from './run-conformance.js';

describe('MCP conformance (official server scenarios)', () => {
  it('gives every expected failure a one-line reason, and never excuses the DNS-rebinding scenario', () => {
    const entries = readFileSync(BASELINE, 'utf8')
      .split('\n')
      .filter((line) => /^\s+-\s/.test(line));
    expect(entries.length).toBeGreaterThan(0);
    for (const line of entries) expect(line, line).toMatch(/^\s+- [a-z0-9-]+ # \S.{10,}$/);
    expect(entries.join('\n')).not.toContain('dns-rebinding-protection');
    expect(entries.join('\n')).not.toContain('server-initialize');
  });

  it('matches the committed baseline, with the DNS-rebinding scenario passing', async () => {
    const run = await runConformance();
    expect(run.nodeVersion).toMatch(/^v2[2-9]\./);
    expect(run.output).toMatch(/dns-rebinding-protection: 2 passed, 0 failed/);
    expect(run.output).toMatch(/tools-list: 1 passed, 0 failed/);
    expect(run.exitCode, run.output.slice(-3000)).toBe(0);
  }, 300_000);
});
