import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  keyForThisProcess,
  keyInFile,
  keyInSecret,
} from '../../../src/adapters/config/state-key.js';
import { startSecretsStandIn } from '../../support/secrets-standin.js';

describe('the request-state key', () => {
  it('is made once in the data dir, owner-only, and every process reading the dir gets the same', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'smg-key-')), 'data');
    const path = join(dir, 'request-state.key');
    // Two gateways starting together on one data dir (sharing --dynamodb tables, say).
    const [a, b] = await Promise.all([keyInFile(path)(), keyInFile(path)()]);
    expect(a.byteLength).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // After a restart: the same key.
    expect(Buffer.from(await keyInFile(path)()).equals(Buffer.from(a))).toBe(true);
  });

  it('says what to do when the file does not hold a key, or others may read it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'smg-key-')), 'request-state.key');
    writeFileSync(path, 'short\n', { mode: 0o600 });
    await expect(keyInFile(path)()).rejects.toThrow(/delete it and the gateway makes a new one/);
    writeFileSync(path, `${'ab'.repeat(32)}\n`);
    chmodSync(path, 0o644);
    await expect(keyInFile(path)()).rejects.toThrow(/readable by it alone \(chmod 600\)/);
    chmodSync(path, 0o600);
    expect((await keyInFile(path)()).byteLength).toBe(32);
  });

  it('differs between in-memory gateways', async () => {
    const [a, b] = [await keyForThisProcess()(), await keyForThisProcess()()];
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('is read from the secret on AWS, which must hold 32 bytes or more', async () => {
    const secrets = await startSecretsStandIn();
    try {
      const client = new SecretsManagerClient({
        endpoint: secrets.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      secrets.put('good', 'k'.repeat(64));
      secrets.put('short', 'k'.repeat(16));
      const good = keyInSecret(client, 'good');
      const before = secrets.calls;
      expect((await good()).byteLength).toBe(64);
      await good();
      expect(secrets.calls - before).toBe(1); // read once per container
      await expect(keyInSecret(client, 'short')()).rejects.toThrow(/redeploy the stack/);
      client.destroy();
    } finally {
      await secrets.close();
    }
  });
});
