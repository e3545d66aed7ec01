import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../../src/core/policy/engine.js';
import { ConfigError } from '../../../src/core/errors.js';
import { NetworkPolicy } from '../../../src/core/policy/network-policy.js';
import { engine, policyFleet, userWith } from '../../support/policy.js';

function configProblems(policies: unknown, network?: unknown): string[] {
  try {
    policyFleet(policies);
    if (network !== undefined)
      NetworkPolicy.parse(network as { allow: string[]; deny: string[] }, []);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configured profiles', () => {
  let policy: PolicyEngine;
  beforeAll(async () => {
    policy = await engine();
  });

  const fleet = policyFleet({
    profiles: {
      'web-ops': {
        extends: 'read-only',
        rules: [
          { allow: 'nginx -t' },
          { allow: 'nginx -s reload', when: { tags: ['web'] } },
          { allow: 'curl -s http://localhost/**' },
          {
            approve: 'curl **',
            except: ['curl -s http://localhost/**'],
            reason: 'outbound requests need a human',
          },
        ],
      },
    },
    hosts: [{ when: { tags: ['prod'] }, profile: 'read-only' }],
  });
  const decide = (profile: string, hostName: string, command: string) =>
    policy.decide({ fleet, user: userWith(profile), host: fleet.host(hostName)! }, command);

  it('extends a built-in profile with its own rules', () => {
    expect(decide('web-ops', 'web-1', 'nginx -t').decision).toBe('allow');
    expect(decide('web-ops', 'web-1', 'uptime').decision).toBe('allow');
    expect(decide('web-ops', 'web-1', 'nginx -s stop').decision).toBe('deny');
  });

  it('applies a rule only on hosts its `when` names', () => {
    expect(decide('web-ops', 'web-1', 'nginx -s reload').decision).toBe('allow');
    expect(decide('web-ops', 'db-1', 'nginx -s reload').decision).toBe('deny');
  });

  it('keeps an inherited deny: an extending profile cannot allow what its parent denies', () => {
    const shadowed = policyFleet({
      profiles: { lenient: { extends: 'operator', rules: [{ allow: 'rm -rf /' }] } },
    });
    expect(
      policy.decide(
        { fleet: shadowed, user: userWith('lenient'), host: shadowed.host('web-1')! },
        'rm -rf /',
      ).decision,
    ).toBe('deny');
  });

  it('extends read-only with what its allow rules cap: maxRisk low', () => {
    const wider = policyFleet({
      profiles: {
        reloader: { extends: 'read-only', rules: [{ allow: 'systemctl reload nginx' }] },
      },
    });
    const on = (command: string) =>
      policy.decide(
        { fleet: wider, user: userWith('reloader'), host: wider.host('web-1')! },
        command,
      );
    expect(on('systemctl reload nginx').decision).toBe('allow');
    expect(on('systemctl restart nginx')).toMatchObject({
      decision: 'deny',
      reason: expect.stringMatching(
        /risk medium \(restarts units\), which read-only allow "systemctl \*\*" up to risk low does not cover/,
      ),
    });
  });

  it('honours `except` on a broader rule', () => {
    expect(decide('web-ops', 'web-1', 'curl -s http://localhost/health').decision).toBe('allow');
    expect(decide('web-ops', 'web-1', 'curl -s http://localhost/../health').decision).toBe('allow');
    expect(decide('web-ops', 'web-1', 'curl -s http://example.com/')).toMatchObject({
      decision: 'approval_required',
      reason: expect.stringMatching(/outbound requests need a human/),
    });
  });

  it('narrows by host: a prod host holds operators to read-only as well, and says so', () => {
    expect(decide('operator', 'web-1', 'systemctl restart nginx').decision).toBe('allow');
    const onProd = decide('operator', 'db-1', 'systemctl restart nginx');
    expect(onProd).toMatchObject({ decision: 'deny', profile: 'operator + read-only' });
    expect(onProd.reason).toMatch(/risk medium/);
  });

  it('denies with a clear reason when the user names a profile the config lacks', () => {
    expect(decide('gone', 'web-1', 'uptime')).toMatchObject({
      decision: 'deny',
      reason: expect.stringMatching(/profile "gone" is not defined/),
    });
  });

  it('reports every configuration problem by path', () => {
    expect(
      configProblems({
        default: 'nope',
        profiles: {
          a: {
            extends: 'missing',
            rules: [{ allow: 'ls "unterminated' }, { allow: 'x', deny: 'y' }],
          },
          b: { extends: 'c' },
          c: { extends: 'b' },
          operator: { rules: [] },
        },
        hosts: [{ when: { tags: ['x'] }, profile: 'ghost' }],
      }),
    ).toEqual(
      expect.arrayContaining([
        'policies.profiles.a.rules[1]: a rule needs exactly one of allow, approve or deny',
      ]),
    );
    const refs = configProblems({
      default: 'nope',
      profiles: {
        a: { extends: 'missing', rules: [{ allow: 'ls "unterminated' }] },
        b: { extends: 'c' },
        c: { extends: 'b' },
        operator: { rules: [] },
      },
      hosts: [{ when: { tags: ['x'] }, profile: 'ghost' }],
    });
    expect(refs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^policies\.profiles\.operator: "operator" is a built-in profile/),
        expect.stringMatching(/^policies\.profiles\.a\.extends: unknown profile "missing"/),
        'policies.profiles.a.rules[0].allow: unbalanced " in pattern',
        expect.stringMatching(/extends: profiles extend each other in a cycle/),
        'policies.default: unknown profile "nope"',
        'policies.hosts[0].profile: unknown profile "ghost"',
      ]),
    );
  });
});

describe('network policy', () => {
  const problems: string[] = [];
  const net = NetworkPolicy.parse(
    { allow: ['10.0.0.0/8', '127.0.0.0/8', '::1'], deny: ['10.9.0.0/16', '127.0.0.2'] },
    problems,
  );

  it('allows addresses in allow ranges and not in deny ranges', () => {
    expect(problems).toEqual([]);
    expect(net.refusal('10.1.2.3')).toBeUndefined();
    expect(net.refusal('127.0.0.1')).toBeUndefined();
    expect(net.refusal('::1')).toBeUndefined();
  });

  it('refuses addresses outside allow, and inside deny even when allow covers them', () => {
    expect(net.refusal('192.168.1.1')).toMatch(/not in network.allow/);
    expect(net.refusal('10.9.4.4')).toMatch(/in network.deny \(10.9.0.0\/16\)/);
    expect(net.refusal('127.0.0.2')).toMatch(/network.deny/);
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(net.refusal('::ffff:10.9.0.1')).toMatch(/network.deny/);
    expect(net.refusal('::ffff:10.1.0.1')).toBeUndefined();
  });

  it('with no allow list allows everything not denied', () => {
    const open = NetworkPolicy.parse({ allow: [], deny: ['169.254.169.254'] }, []);
    expect(open.refusal('8.8.8.8')).toBeUndefined();
    expect(open.refusal('169.254.169.254')).toMatch(/deny/);
  });

  it('reports malformed ranges by path', () => {
    const found: string[] = [];
    NetworkPolicy.parse({ allow: ['10.0.0.0/33', 'banana'], deny: [] }, found);
    expect(found).toEqual([
      'network.allow[0]: "10.0.0.0/33" is not an IP address or CIDR range',
      'network.allow[1]: "banana" is not an IP address or CIDR range',
    ]);
  });
});
