#!/usr/bin/env node
// Runs before the test suite: the tests start real OpenSSH sshd processes and fill in the OAuth
// consent page in Debian's Chromium, and the policy harness host needs sudo, so they must exist. As root, missing ones are installed with apt.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDED = [
  {
    pkg: 'openssh-server',
    why: 'real sshd hosts',
    paths: ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/usr/bin/sshd'],
  },
  {
    pkg: 'sudo',
    why: 'the policy harness host, whose login may sudo to a second account',
    paths: ['/usr/bin/sudo'],
  },
  {
    pkg: 'chromium',
    why: 'the consent page in a real browser',
    paths: [process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'],
  },
];
const found = (n) => n.paths.find((p) => existsSync(p));
const missing = NEEDED.filter((n) => !found(n));

if (missing.length > 0) {
  const names = missing.map((n) => n.pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      `The tests need ${missing.map((n) => `${n.pkg} (${n.why})`).join(' and ')}. Install, then run the tests again:`,
    );
    console.error(`  sudo apt-get update && sudo apt-get install -y ${names.join(' ')}`);
    process.exit(1);
  }
  console.log(`installing ${names.join(' ')} with apt-get (running as root)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', ...names],
  ]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) {
      console.error(
        `apt-get ${args.join(' ')} failed (exit ${r.status}); install ${names.join(' ')} by hand and retry.`,
      );
      process.exit(1);
    }
  }
  const still = missing.filter((n) => !found(n));
  if (still.length > 0) {
    console.error(
      `${still.map((n) => n.pkg).join(' and ')} installed but still not found; check the apt output above.`,
    );
    process.exit(1);
  }
}
execFileSync(found(NEEDED[0]), ['-V'], { stdio: 'ignore' });
