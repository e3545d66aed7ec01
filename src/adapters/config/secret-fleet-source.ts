import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FleetSource } from '../../core/deps.js';
import type { Fleet } from '../../core/fleet/fleet.js';
import type { Clock, Logger } from '../../core/ports.js';
import { systemClock } from '../../core/ports.js';
import { AppError, ConfigError } from '../../core/errors.js';
import { parseFleet } from './file-fleet-source.js';

/** The fleet cannot be served: the secret is unreadable or invalid. Public message, no content. */
export class FleetUnavailableError extends AppError {
  override readonly name = 'FleetUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', message, options);
  }
}

/**
 * The fleet document (YAML or JSON, credentials inline) from a Secrets Manager secret, cached for
 * `maxAgeMs` and read again after. A secret that turns bad keeps the last good fleet serving and
 * logs why; with no good fleet yet, requests fail with a clear error instead of a crash loop.
 */
export class SecretFleetSource implements FleetSource {
  private cached: { fleet: Fleet; loadedAt: number; versionId?: string } | undefined;
  private loading: Promise<Fleet> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly options: { maxAgeMs: number; logger: Logger; clock?: Clock },
  ) {}

  async current(): Promise<Fleet> {
    const now = (this.options.clock ?? systemClock).now().getTime();
    if (this.cached && now - this.cached.loadedAt < this.options.maxAgeMs) return this.cached.fleet;
    this.loading ??= this.reload(now).finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async reload(now: number): Promise<Fleet> {
    try {
      const secret = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      if (this.cached && secret.VersionId && secret.VersionId === this.cached.versionId) {
        this.cached = { ...this.cached, loadedAt: now };
        return this.cached.fleet;
      }
      const text =
        secret.SecretString ??
        (secret.SecretBinary ? Buffer.from(secret.SecretBinary).toString('utf8') : '');
      const fleet = parseFleet(text, { source: 'the fleet secret' });
      this.cached = {
        fleet,
        loadedAt: now,
        ...(secret.VersionId ? { versionId: secret.VersionId } : {}),
      };
      this.options.logger.info('fleet loaded', {
        hosts: fleet.hosts.length,
        versionId: secret.VersionId,
      });
      return fleet;
    } catch (error) {
      // Problems name paths and lines, never values: they are safe to log.
      const detail = error instanceof ConfigError ? error.problems : [(error as Error).name];
      this.options.logger.error('fleet secret unusable', {
        secretId: this.secretId,
        problems: detail,
      });
      if (this.cached) {
        this.cached = { ...this.cached, loadedAt: now };
        return this.cached.fleet;
      }
      throw new FleetUnavailableError(
        error instanceof ConfigError
          ? 'the fleet configuration in Secrets Manager is invalid; an admin can see the problems in the function log (fleet secret unusable)'
          : 'the fleet configuration could not be read from Secrets Manager; an admin can see why in the function log',
        { cause: error },
      );
    }
  }
}
