import { describe, expect, it } from 'vitest';
import { runDifferential } from '../support/differential-harness.js';

// The full size (≥ 2,000 commands) runs in `npm run bench:policy-harness`; this is its small size.
const SIZE = 150;

describe('policy differential harness', () => {
  it('never allows under read-only a command that changes the sandbox host', async () => {
    const report = await runDifferential({ size: SIZE, seed: 20261129 });
    expect(report.unsafeAllows).toEqual([]);
    expect(report.everydayDenied).toEqual([]);
    // A policy that denies everything does not pass.
    expect(report.allowed / report.total).toBeGreaterThanOrEqual(0.3);
    // The corpus bites: run anyway, what read-only denies does change the host.
    expect(report.deniedThatChanged).toBeGreaterThan(SIZE / 10);
  }, 240_000);
});
