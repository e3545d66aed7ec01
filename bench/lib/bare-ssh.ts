import type ssh2 from 'ssh2';
import { connectSsh } from '../../src/adapters/ssh/connect.js';
import type { TestFleet, TestHost } from '../../tests/support/ssh-fleet.js';
import { targetFor } from '../../tests/support/targets.js';

/** Exec on an open connection without our wrapper: the floor. */
export function bareExec(client: ssh2.Client, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      stream.on('close', () => resolve());
      stream.resume();
      stream.stderr.resume();
    });
  });
}

/** connect (TCP_NODELAY, pinned key) + exec + close with plain ssh2. */
export async function bareConnectExec(
  fleet: TestFleet,
  host: TestHost,
  command = 'true',
): Promise<void> {
  const { client } = await connectSsh(targetFor(fleet, host), { connectTimeoutMs: 10_000 });
  try {
    await bareExec(client, command);
  } finally {
    client.end();
  }
}
