#!/usr/bin/env node
// Runs before the test suite: the tests start real OpenSSH sshd processes, so sshd must exist.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SSHD = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/usr/bin/sshd'];
const found = () => SSHD.find((p) => existsSync(p));

if (!found()) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error('The tests need OpenSSH sshd, which is not installed. Install it, then run the tests again:');
    console.error('  sudo apt-get update && sudo apt-get install -y openssh-server');
    process.exit(1);
  }
  console.log('sshd not found; installing openssh-server with apt-get (running as root)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'openssh-server']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(' ')} failed (exit ${r.status}); install openssh-server by hand and retry.`);
      process.exit(1);
    }
  }
  if (!found()) {
    console.error('openssh-server installed but sshd is still missing; check the apt output above.');
    process.exit(1);
  }
}
execFileSync(found(), ['-V'], { stdio: 'ignore' });
