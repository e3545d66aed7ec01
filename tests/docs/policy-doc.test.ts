import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinProfilesMarkdown, programSpecsMarkdown } from '../../scripts/policy-doc.js';

describe('docs/policy.md', () => {
  it('lists the built-in profiles exactly as the code defines them (npm run docs:policy regenerates it)', () => {
    expect(readFileSync('docs/policy.md', 'utf8')).toContain(builtinProfilesMarkdown());
  });

  it('lists every program spec, its options and why each is safe (npm run docs:policy)', () => {
    const specs = programSpecsMarkdown();
    expect(specs).toContain('### `sort`');
    expect(readFileSync('docs/policy.md', 'utf8')).toContain(specs);
  });
});
