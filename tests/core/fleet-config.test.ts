import { describe, expect, it } from 'vitest';
import { parseFleet } from '../../src/adapters/config/file-fleet-source.js';
import { ConfigError } from '../../src/core/errors.js';
import { readFileSync } from 'node:fs';

const FP = `SHA256:${'A'.repeat(43)}`;

function problems(yaml: string): string[] {
  try {
    parseFleet(yaml, { source: 'test.yaml', baseDir: '/nonexistent' });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('fleet config', () => {
  it('accepts a minimal fleet and fills in defaults', () => {
    const fleet = parseFleet(
      `credentials: { k: { password: pw12 } }\nhosts: [{ name: a, address: 127.0.0.1, user: u, credential: k, hostKey: "${FP}" }]`,
      { source: 't' },
    );
    expect(fleet.hosts[0]).toMatchObject({ name: 'a', port: 22, tags: [], hostKeys: [FP] });
    expect(fleet.limits).toMatchObject({
      commandTimeoutSeconds: 60,
      maxOutputBytes: 65536,
      maxConcurrency: 32,
    });
  });

  it('takes approval settings, with webhooks that are https or stay on this machine', () => {
    expect(parseFleet('', { source: 't' }).approvals).toEqual({
      ttlMinutes: 15,
      selfApproval: false,
      maxWindowMinutes: 60,
      notify: [],
    });
    expect(
      problems(
        `approvals: { ttlMinutes: 0, notify: [{ url: "http://hooks.example.com/x" }, { url: "ftp://x/y" }] }`,
      ),
    ).toEqual([
      expect.stringMatching(/^approvals\.ttlMinutes: /),
      'approvals.notify[0].url: must be an https URL (http only to this machine)',
      'approvals.notify[1].url: must be an https URL (http only to this machine)',
    ]);
  });

  it('an empty document is an empty fleet', () => {
    expect(parseFleet('', { source: 't' }).hosts).toEqual([]);
  });

  it('lists every problem by path, not just the first', () => {
    const found = problems(`
credentials:
  ops: { password: secret }
hosts:
  - { name: a, address: x, user: u, credential: ops, hostKey: "${FP}" }
  - { name: a, address: x, user: u, credential: ops }
  - { name: b, address: x, user: u, credential: ops, port: 70000 }
  - { name: c, address: x, user: u, credential: opz, hostKey: "md5:zz" }
groups:
  g: { hosts: [nope] }
`);
    expect(found).toEqual(
      expect.arrayContaining([
        'hosts[2].port: Too big: expected number to be <=65535',
        expect.stringMatching(/^hosts\[3\]\.hostKey: /),
      ]),
    );
    // Cross-reference checks run once the shapes are right; fix the shapes and they appear.
    const refs = problems(`
credentials:
  ops: { password: secret }
hosts:
  - { name: a, address: x, user: u, credential: ops }
  - { name: a, address: x, user: u, credential: ops }
  - { name: c, address: x, user: u, credential: opz }
groups:
  g: { hosts: [nope] }
`);
    expect(refs).toEqual([
      'hosts[1].name: duplicate host name "a" (also hosts[0])',
      'hosts[2].credential: unknown credential "opz"',
      'groups.g.hosts[0]: unknown host "nope"',
    ]);
  });

  it('rejects unknown keys so typos do not pass silently', () => {
    expect(problems('hostz: []')).toEqual([expect.stringMatching(/hostz/)]);
  });

  it('reports YAML syntax errors with a line number', () => {
    expect(problems('hosts:\n  - name: a\n   bad: indent')[0]).toMatch(/^line \d+: /);
  });

  it('reports an unreadable key file by path without a stack trace', () => {
    expect(problems('credentials: { k: { privateKeyFile: ./missing_key } }')).toEqual([
      'credentials.k.privateKeyFile: cannot read ./missing_key: no such file',
    ]);
  });

  it('accepts the shipped fleet.example.yaml shape except its placeholder fingerprints and key file', () => {
    const found = problems(readFileSync('fleet.example.yaml', 'utf8'));
    expect(found.every((p) => /hostKey|privateKeyFile/.test(p))).toBe(true);
  });
});
