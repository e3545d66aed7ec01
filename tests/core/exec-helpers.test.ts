import { describe, expect, it } from 'vitest';
import { fanOut } from '../../src/core/exec/fan-out.js';
import { createScrubber, REDACTED } from '../../src/core/exec/scrub.js';
import { issueApiKey } from '../../src/core/users/api-key.js';
import { issueSecret } from '../../src/core/oauth/secrets.js';
import { groupIdenticalOutputs } from '../../src/core/exec/output-groups.js';

describe('fanOut', () => {
  it('never has more than the limit in flight and keeps order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await fanOut([...Array(20).keys()], 3, async (i) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5 + (i % 3)));
      inFlight--;
      return i * 2;
    });
    expect(peak).toBe(3);
    expect(out).toEqual([...Array(20).keys()].map((i) => i * 2));
  });
});

describe('createScrubber', () => {
  const pem =
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE\nbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n';
  const scrub = createScrubber(['hunter22', pem, 'ab']);

  it('replaces every occurrence of a secret', () => {
    expect(scrub('pw=hunter22 again hunter22')).toBe(`pw=${REDACTED} again ${REDACTED}`);
  });

  it('removes key material even when printed line by line with other line endings', () => {
    const printed = pem.replace(/\n/g, '\r\n');
    expect(scrub(printed)).not.toMatch(
      /b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE|bm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW/,
    );
  });

  it('leaves very short secrets alone rather than redacting ordinary text', () => {
    expect(scrub('about')).toBe('about');
  });

  it('redacts the gateway’s own keys and OAuth secrets pasted into a command, configured or not', () => {
    const key = issueApiKey('ann@example.com').key;
    const token = issueSecret('access').value;
    const none = createScrubber([]);
    expect(none(`curl -H "Authorization: Bearer ${key}" x; echo ${token}`)).toBe(
      `curl -H "Authorization: Bearer ${REDACTED}" x; echo ${REDACTED}`,
    );
    // A look-alike that is not one (too short, or part of a longer word) stays.
    expect(none('smg_short and xsmg_' + 'a'.repeat(50))).toBe(
      'smg_short and xsmg_' + 'a'.repeat(50),
    );
  });
});

describe('groupIdenticalOutputs', () => {
  it('groups by status, exit code and output, largest group first', () => {
    const r = (host: string, stdout: string, exitCode = 0) => ({
      host,
      status: exitCode ? 'failed' : 'ok',
      exitCode,
      stdout,
      stderr: '',
      truncated: false,
    });
    const groups = groupIdenticalOutputs([r('a', 'x'), r('b', 'y'), r('c', 'y'), r('d', 'y', 1)]);
    expect(groups.map((g) => g.hosts)).toEqual([['b', 'c'], ['a'], ['d']]);
  });
});
