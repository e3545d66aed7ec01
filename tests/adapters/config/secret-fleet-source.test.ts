import { recordingLogger } from '../../support/logger.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  SecretFleetSource,
  FleetUnavailableError,
} from '../../../src/adapters/config/secret-fleet-source.js';
import { startSecretsStandIn, type SecretsStandIn } from '../../support/secrets-standin.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:smg-fleet-AbCdEf';
const FLEET = (name: string) =>
  `credentials: { k: { password: "pw-in-secret" } }\nhosts: [{ name: ${name}, address: 127.0.0.1, user: u, credential: k, hostKey: insecure-accept-any }]\n`;

describe('SecretFleetSource with the real SDK client', () => {
  let standIn: SecretsStandIn;
  let client: SecretsManagerClient;
  const { logger, lines: logged } = recordingLogger();
  let now = 0;
  const clock = { now: () => new Date(now) };

  beforeAll(async () => {
    standIn = await startSecretsStandIn();
    client = new SecretsManagerClient({
      endpoint: standIn.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await standIn?.close();
  });

  it('loads the fleet once per max age and again after it', async () => {
    standIn.put(ARN, FLEET('alpha'));
    const source = new SecretFleetSource(client, ARN, { maxAgeMs: 60_000, logger, clock });
    const before = standIn.calls;
    expect((await source.current()).hosts.map((h) => h.name)).toEqual(['alpha']);
    await source.current();
    expect(standIn.calls - before).toBe(1);
    standIn.put(ARN, FLEET('beta'));
    now += 61_000;
    expect((await source.current()).hosts.map((h) => h.name)).toEqual(['beta']);
  });

  it('keeps serving the last good fleet when the secret turns bad, and logs why without its content', async () => {
    standIn.put(ARN, FLEET('gamma'));
    const source = new SecretFleetSource(client, ARN, { maxAgeMs: 1_000, logger, clock });
    await source.current();
    standIn.put(ARN, 'hosts: [{ name: bad, credential: nope, password: pw-in-secret }]');
    now += 2_000;
    expect((await source.current()).hosts.map((h) => h.name)).toEqual(['gamma']);
    const error = logged.findLast((l) => l.message === 'fleet secret unusable')!;
    expect(error['problems']).toEqual(
      expect.arrayContaining([expect.stringMatching(/^hosts\[0\]/)]),
    );
    expect(JSON.stringify(logged)).not.toContain('pw-in-secret');
  });

  it('with no good fleet yet, fails with a clear public error', async () => {
    const source = new SecretFleetSource(client, `${ARN}-missing`, {
      maxAgeMs: 1_000,
      logger,
      clock,
    });
    await expect(source.current()).rejects.toBeInstanceOf(FleetUnavailableError);
    standIn.put(`${ARN}-bad`, '{ not yaml: [');
    const bad = new SecretFleetSource(client, `${ARN}-bad`, { maxAgeMs: 1_000, logger, clock });
    await expect(bad.current()).rejects.toThrow(
      /fleet configuration in Secrets Manager is invalid/,
    );
  });
});
