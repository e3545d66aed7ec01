import { describe, expect, it } from 'vitest';
import { filterFromQuery, filterKey, narrowed, userFilter } from '../../src/mcp/tool-filter.js';

const query = (q: string) => filterFromQuery(new URLSearchParams(q));

describe('tool filters', () => {
  it('reads every spelling of the same toolsets as one filter, so the lists kept per filter stay few', () => {
    const a = query('toolsets=jobs,hosts');
    const b = query('toolsets=hosts,jobs,hosts,%20jobs');
    expect(a).toEqual({ toolsets: ['hosts', 'jobs'] });
    expect(b).toEqual(a);
    expect(filterKey(b as never)).toBe(filterKey(a as never));
    expect(filterKey(userFilter({ toolsets: ['jobs', 'hosts', 'jobs', 'gone'] }))).toBe(
      filterKey(a as never),
    );
  });

  it('narrows and never widens: toolsets meet, read-only holds if either says so', () => {
    expect(
      narrowed({ toolsets: ['hosts', 'exec'] }, { toolsets: ['exec', 'jobs'], readOnly: true }),
    ).toEqual({ toolsets: ['exec'], readOnly: true });
    expect(narrowed({}, { toolsets: ['jobs'] })).toEqual({ toolsets: ['jobs'] });
  });

  it('refuses an unknown toolset or a readonly that is not a switch, saying what to write', () => {
    expect(query('toolsets=hosts,shells')).toMatchObject({
      error: expect.stringMatching(/unknown toolsets \(shells\)/),
    });
    expect(query('toolsets=')).toMatchObject({ error: expect.stringMatching(/names no toolset/) });
    expect(query('readonly=maybe')).toMatchObject({
      error: expect.stringMatching(/readonly=true/),
    });
  });
});
