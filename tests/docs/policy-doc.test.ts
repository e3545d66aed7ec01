import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinProfilesMarkdown } from '../../scripts/policy-doc.js';

describe('docs/policy.md', () => {
  it('lists the built-in profiles exactly as the code defines them (npm run docs:policy regenerates it)', () => {
    expect(readFileSync('docs/policy.md', 'utf8')).toContain(builtinProfilesMarkdown());
  });
});
