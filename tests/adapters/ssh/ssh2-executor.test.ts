import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Socket, type AddressInfo } from 'node:net';
import { Ssh2Executor } from '../../../src/adapters/ssh/ssh2-executor.js';
import { addClientKey, freePort, startSshFleet, type TestFleet } from '../../support/ssh-fleet.js';
import { targetFor } from '../../support/targets.js';

const opts = { timeoutMs: 10_000, connectTimeoutMs: 5_000, maxOutputBytes: 65_536 };

describe('Ssh2Executor', () => {
  let fleet: TestFleet;
  let ssh: Ssh2Executor;

  beforeAll(async () => {
    fleet = await startSshFleet(3, { prefix: 'exec' });
    ssh = new Ssh2Executor({ poolIdleMs: 60_000 });
  });
  afterAll(async () => {
    await ssh?.close();
    await fleet?.stop();
  });

  const host = (i: number) => fleet.hosts[i]!;

  it('runs a command and returns stdout, stderr and the exit code', async () => {
    const out = await ssh.exec(
      targetFor(fleet, host(0)),
      'echo hello; echo oops >&2; exit 3',
      opts,
    );
    expect(out).toMatchObject({
      status: 'failed',
      exitCode: 3,
      stdout: 'hello\n',
      stderr: 'oops\n',
      truncated: false,
    });
  });

  it('gives a command that reads its input EOF at once instead of waiting for the timeout', async () => {
    const started = Date.now();
    const out = await ssh.exec(targetFor(fleet, host(0)), 'cat; wc -c', {
      ...opts,
      timeoutMs: 5_000,
    });
    expect(out).toMatchObject({ status: 'ok', stdout: expect.stringMatching(/^\s*0\n$/) });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('returns ok with exit code 0 and keeps output that starts without a newline intact', async () => {
    const out = await ssh.exec(targetFor(fleet, host(0)), "printf 'a'; printf 'b'", opts);
    expect(out).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'ab' });
  });

  it('caps output per stream and says it truncated', async () => {
    const out = await ssh.exec(targetFor(fleet, host(0)), 'head -c 100000 /dev/zero | tr "\\0" x', {
      ...opts,
      maxOutputBytes: 1024,
    });
    expect(out.stdout).toHaveLength(1024);
    expect(out.truncated).toBe(true);
    expect(out.status).toBe('ok');
  });

  it('kills the whole remote process group on timeout', async () => {
    const marker = `smg-timeout-${process.pid}-${Date.now()}`;
    const started = Date.now();
    const out = await ssh.exec(
      targetFor(fleet, host(1)),
      `sh -c 'sleep 30; echo ${marker}' & sleep 30`,
      { ...opts, timeoutMs: 700 },
    );
    expect(out.status).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    const ps = await ssh.exec(
      targetFor(fleet, host(1)),
      `ps -eo args | grep -c '[s]leep 30; echo ${marker}' || true`,
      opts,
    );
    expect(ps.stdout.trim()).toBe('0');
  });

  it('streams output as it arrives, every byte once', async () => {
    const seen: Record<string, Buffer[]> = { stdout: [], stderr: [] };
    const out = await ssh.exec(
      targetFor(fleet, host(0)),
      'for i in 1 2 3; do echo line$i; sleep 0.1; done; echo warn >&2; head -c 300000 /dev/zero | tr "\\0" y',
      {
        ...opts,
        maxOutputBytes: 1024,
        onData: (stream, chunk) => void seen[stream]!.push(Buffer.from(chunk)),
      },
    );
    expect(out.status).toBe('ok');
    const stdout = Buffer.concat(seen.stdout!).toString();
    expect(stdout.startsWith('line1\nline2\nline3\n')).toBe(true);
    expect(stdout.length).toBe(18 + 300_000);
    expect(Buffer.concat(seen.stderr!).toString()).toBe('warn\n');
    expect(out.truncated).toBe(true);
  });

  it('holds output back while the caller is busy with it: the command waits, and no byte is lost', async () => {
    let received = 0;
    let duringPause = 0;
    let pausedUntil = 0;
    const started = Date.now();
    const out = await ssh.exec(
      targetFor(fleet, host(0)),
      'head -c 3000000 /dev/zero | tr "\\0" y',
      {
        ...opts,
        maxOutputBytes: 0,
        onData: (_stream, chunk) => {
          if (Date.now() < pausedUntil) duringPause++;
          received += chunk.length;
          // Busy for 300 ms after the first megabyte.
          if (received >= 1_000_000 && pausedUntil === 0) {
            pausedUntil = Date.now() + 300;
            return new Promise((r) => setTimeout(r, 300));
          }
          return undefined;
        },
      },
    );
    expect(out.status).toBe('ok');
    expect(received).toBe(3_000_000);
    expect(duringPause).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('fires the idle timeout on a silent command but not on a chatty one', async () => {
    const silent = await ssh.exec(targetFor(fleet, host(1)), 'echo start; sleep 20', {
      ...opts,
      idleTimeoutMs: 600,
    });
    expect(silent).toMatchObject({ status: 'timeout', stdout: 'start\n' });
    expect(silent.error).toMatch(/idle timeout/);
    const chatty = await ssh.exec(
      targetFor(fleet, host(1)),
      'for i in 1 2 3 4 5 6; do echo $i; sleep 0.25; done',
      { ...opts, idleTimeoutMs: 600 },
    );
    expect(chatty).toMatchObject({ status: 'ok', stdout: '1\n2\n3\n4\n5\n6\n' });
  });

  it('cancels on abort and kills the remote process', async () => {
    const marker = `smg-cancel-${process.pid}-${Date.now()}`;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const started = Date.now();
    const out = await ssh.exec(targetFor(fleet, host(1)), `sh -c 'sleep 30; echo ${marker}'`, {
      ...opts,
      signal: controller.signal,
    });
    expect(out.status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(3_000);
    const ps = await ssh.exec(
      targetFor(fleet, host(1)),
      `ps -eo args | grep -c '[s]leep 30; echo ${marker}' || true`,
      opts,
    );
    expect(ps.stdout.trim()).toBe('0');
  });

  // Every channel of one SSH connection is served by the same sshd process: the parent of the
  // login shell, which leads the command's session.
  const sshdOfThisConnection = 'ps -o ppid= -p $(ps -o sid= -p $$)';

  it('reuses one pooled connection for sequential calls', async () => {
    const target = targetFor(fleet, host(2));
    const parents = new Set<string>();
    for (let i = 0; i < 5; i++)
      parents.add((await ssh.exec(target, sshdOfThisConnection, opts)).stdout);
    expect(parents.size).toBe(1);
  });

  it('opens a second connection only when the first has no free channel', async () => {
    const target = targetFor(fleet, host(2));
    const outs = await Promise.all(
      Array.from({ length: 12 }, () =>
        ssh.exec(target, `sleep 0.3; ${sshdOfThisConnection}`, opts),
      ),
    );
    expect(outs.every((o) => o.status === 'ok')).toBe(true);
    expect(new Set(outs.map((o) => o.stdout)).size).toBe(2);
  });

  it('replaces pooled connections to a host that restarted without surfacing an error', async () => {
    const target = targetFor(fleet, host(2));
    expect((await ssh.exec(target, 'true', opts)).status).toBe('ok');
    await fleet.stopHost(host(2).name);
    await fleet.startHost(host(2).name);
    const out = await ssh.exec(targetFor(fleet, host(2)), 'echo back', opts);
    expect(out).toMatchObject({ status: 'ok', stdout: 'back\n' });
  });

  it('retries on a fresh connection when every pooled one is half-dead', async () => {
    const target = targetFor(fleet, host(2));
    await Promise.all(Array.from({ length: 12 }, () => ssh.exec(target, 'sleep 0.2', opts)));
    fleet.killSessionMonitors(host(2).name);
    const out = await ssh.exec(target, 'echo again', opts);
    expect(out).toMatchObject({ status: 'ok', stdout: 'again\n' });
  });

  it('reports unreachable for a closed port', async () => {
    const dead = { ...host(0), port: await freePort() };
    const out = await ssh.exec(targetFor(fleet, dead), 'true', opts);
    expect(out.status).toBe('unreachable');
    expect(out.error).toMatch(/refused/);
  });

  it('counts connecting against the command timeout: a host that accepts TCP and never speaks', async () => {
    // A tarpit: takes the connection, sends no banner.
    const held: Socket[] = [];
    const tarpit = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => tarpit.listen(0, '127.0.0.1', resolve));
    const dead = { ...host(0), port: (tarpit.address() as AddressInfo).port };
    try {
      const started = Date.now();
      const out = await ssh.exec(targetFor(fleet, dead), 'true', {
        ...opts,
        timeoutMs: 1_000,
        connectTimeoutMs: 10_000,
      });
      expect(out.status).toBe('timeout');
      // Bounded by the command's timeout, not the ten-second connect timeout.
      expect(Date.now() - started).toBeLessThan(5_000);
      // The same call on a live host still gets the rest of its timeout for the command.
      const live = await ssh.exec(targetFor(fleet, host(0)), 'sleep 0.2; echo done', {
        ...opts,
        timeoutMs: 3_000,
      });
      expect(live).toMatchObject({ status: 'ok', stdout: 'done\n' });
    } finally {
      held.forEach((s) => s.destroy());
      tarpit.close();
    }
  });

  it('refuses a host whose key does not match the pinned fingerprint', async () => {
    const out = await ssh.exec(
      targetFor(fleet, host(0), { hostKeys: [host(1).hostKeyFingerprint] }),
      'true',
      opts,
    );
    expect(out.status).toBe('hostkey_mismatch');
    expect(out.error).toContain(host(0).hostKeyFingerprint);
  });

  it('refuses a host with no pinned key, and accepts it only with insecure-accept-any', async () => {
    expect((await ssh.exec(targetFor(fleet, host(0), { hostKeys: [] }), 'true', opts)).status).toBe(
      'hostkey_mismatch',
    );
    expect(
      (await ssh.exec(targetFor(fleet, host(0), { hostKeys: 'any' }), 'true', opts)).status,
    ).toBe('ok');
  });

  it('reports auth_failed for a key the host does not accept', async () => {
    const stranger = `${fleet.dir}/stranger`;
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const { readFileSync } = await import('node:fs');
    const out = await ssh.exec(
      targetFor(
        fleet,
        host(0),
        {},
        { name: 'stranger', privateKey: readFileSync(stranger, 'utf8') },
      ),
      'true',
      opts,
    );
    expect(out.status).toBe('auth_failed');
  });

  it('logs in with a passphrase-protected key, and reports a wrong passphrase as auth_failed', async () => {
    const key = addClientKey(fleet, 'locked', 'correct horse');
    const ok = await ssh.exec(
      targetFor(
        fleet,
        host(0),
        {},
        { name: 'locked', privateKey: key, passphrase: 'correct horse' },
      ),
      'echo in',
      opts,
    );
    expect(ok).toMatchObject({ status: 'ok', stdout: 'in\n' });
    const bad = await ssh.exec(
      targetFor(fleet, host(0), {}, { name: 'locked2', privateKey: key, passphrase: 'zebra-7f3q' }),
      'true',
      opts,
    );
    expect(bad.status).toBe('auth_failed');
    expect(bad.error).not.toContain('zebra-7f3q');
  });

  it('probes a host: handshake latency, and the same failure statuses as exec', async () => {
    const ok = await ssh.probe(targetFor(fleet, host(0)), { connectTimeoutMs: 5_000 });
    expect(ok.status).toBe('ok');
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    const bad = await ssh.probe(
      targetFor(fleet, host(0), { hostKeys: [host(1).hostKeyFingerprint] }),
      { connectTimeoutMs: 5_000 },
    );
    expect(bad.status).toBe('hostkey_mismatch');
  });
});
