import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../../core/errors.js';
import type { KeySource } from '../../core/ports.js';

/*
 * Where the key sealing MCP `requestState` comes from (see src/mcp/approval-rounds.ts). Every
 * process of a deployment must read the same key: a call held for approval may be retried on
 * another process, after a restart, or in another Lambda container.
 */

const KEY_BYTES = 32;
const KEY_HEX = /^[0-9a-f]{64,}$/;

/**
 * A key in a file (the data dir's `request-state.key`): 32 random bytes written as hex, readable
 * by the owner only, made on first use. Two processes starting together agree: the key is
 * written whole to a file of its own and then linked into place, which fails for the loser, who
 * reads the winner's (never a half-written one).
 */
export function keyInFile(path: string): KeySource {
  return kept(async () => {
    const text = (await readKeyFile(path)) ?? (await makeKeyFile(path));
    if (!KEY_HEX.test(text))
      throw new ConfigError(path, [
        'it does not hold a request-state key (64 or more hex digits): delete it and the gateway makes a new one (calls waiting for an approval then need to be made again)',
      ]);
    return Buffer.from(text, 'hex');
  });
}

/** The key file's text; undefined when there is none. Only a file of ours, for us alone. */
async function readKeyFile(path: string): Promise<string | undefined> {
  try {
    const file = await lstat(path);
    const uid = process.getuid?.();
    if (!file.isFile() || (uid !== undefined && file.uid !== uid) || (file.mode & 0o077) !== 0)
      throw new ConfigError(path, [
        "the request-state key must be a plain file owned by the gateway's user and readable by it alone (chmod 600)",
      ]);
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function makeKeyFile(path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const draft = `${path}.${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(draft, `${randomBytes(KEY_BYTES).toString('hex')}\n`, {
      flag: 'wx',
      mode: 0o600,
    });
    await link(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(draft, { force: true });
  }
  return (await readKeyFile(path)) ?? '';
}

/** A key for this process only: for an in-memory gateway, whose state ends with it anyway. */
export function keyForThisProcess(): KeySource {
  const key = randomBytes(KEY_BYTES);
  return () => Promise.resolve(key);
}

/**
 * A key in a Secrets Manager secret (the stack generates it), shared by every container; read
 * when first needed, so a cold start that holds no call for approval never pays for it.
 */
export function keyInSecret(client: SecretsManagerClient, secretId: string): KeySource {
  return kept(async () => {
    const { SecretString: text } = await client.send(
      new GetSecretValueCommand({ SecretId: secretId }),
    );
    const key = new TextEncoder().encode(text ?? '');
    if (key.byteLength < KEY_BYTES)
      throw new ConfigError('the request-state secret', [
        `it holds ${key.byteLength} bytes and needs ${KEY_BYTES} or more: redeploy the stack, which generates it`,
      ]);
    return key;
  });
}

/** Reads once and keeps the key; a failed read is tried again by the next caller. */
function kept(read: KeySource): KeySource {
  let key: Promise<Uint8Array> | undefined;
  return () => {
    key ??= read().catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
}
