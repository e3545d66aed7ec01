import { describe, expect, it } from 'vitest';
import { summarize, summarySchema, summaryText } from '../../src/core/summary.js';

describe('summary: one shape for every tool', () => {
  const outcomes = ['ok', 'failed', 'denied'] as const;

  it('counts every outcome, zeros included, and the total', () => {
    const summary = summarize(outcomes, ['ok', 'ok', 'failed']);
    expect(summary).toEqual({ total: 3, ok: 2, failed: 1, denied: 0 });
    expect(summarySchema(outcomes).parse(summary)).toEqual(summary);
  });

  it('refuses a summary that leaves an outcome out', () => {
    expect(summarySchema(outcomes).safeParse({ total: 1, ok: 1 }).success).toBe(false);
  });

  it('says only what happened, in a sentence', () => {
    expect(summaryText(summarize(outcomes, ['denied', 'ok', 'denied']))).toBe('1 ok, 2 denied');
  });
});
