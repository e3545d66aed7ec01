import {
  INSECURE_ACCEPT_ANY,
  describeIssues,
  fleetConfigSchema,
  type FleetConfig,
  type Limits,
  type ApprovalSettings,
} from './config-schema.js';
import { ConfigError, operatorMessage } from '../errors.js';
import { compilePolicies, type PolicySet } from '../policy/profiles.js';
import { NetworkPolicy } from '../policy/network-policy.js';
import { InternalError } from '../errors.js';

/** Secret material for one SSH login. Never logged, never returned by a tool. */
export interface Credential {
  readonly name: string;
  readonly privateKey?: string;
  readonly passphrase?: string;
  readonly password?: string;
}

/** A host as the rest of the system sees it: no secrets, only the credential's name. */
export interface Host {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly credential: string;
  /** Pinned SHA256 fingerprints; `any` only when the operator wrote `insecure-accept-any`. */
  readonly hostKeys: readonly string[] | 'any';
  readonly tags: readonly string[];
  readonly description?: string;
}

export interface Group {
  readonly name: string;
  readonly hosts: readonly string[];
  readonly tags: readonly string[];
}

/** Reads a key file named in the config; throws a message-bearing Error when it cannot. */
export type KeyFileReader = (path: string) => string;

/** The validated fleet: hosts, groups, credentials and limits. Immutable once built. */
export class Fleet {
  private readonly byName: Map<string, Host>;

  constructor(
    readonly hosts: readonly Host[],
    readonly groups: ReadonlyMap<string, Group>,
    private readonly credentials: ReadonlyMap<string, Credential>,
    readonly limits: Limits,
    readonly policies: PolicySet,
    readonly network: NetworkPolicy,
    readonly approvals: ApprovalSettings,
  ) {
    this.byName = new Map(hosts.map((h) => [h.name, h]));
  }

  host(name: string): Host | undefined {
    return this.byName.get(name);
  }

  credentialFor(host: Host): Credential {
    const credential = this.credentials.get(host.credential);
    // Validation guarantees every host names a known credential.
    if (!credential)
      throw new InternalError(`host ${host.name} names unknown credential ${host.credential}`);
    return credential;
  }

  /** Hosts that belong to a group: named members plus hosts carrying any of its tags. */
  membersOf(group: Group): Host[] {
    return this.hosts.filter(
      (h) => group.hosts.includes(h.name) || h.tags.some((t) => group.tags.includes(t)),
    );
  }

  groupsOf(host: Host): string[] {
    return [...this.groups.values()]
      .filter((g) => this.membersOf(g).includes(host))
      .map((g) => g.name);
  }

  /** Every configured secret value, for scrubbing command output. */
  secretValues(): string[] {
    const values: string[] = [];
    for (const c of this.credentials.values()) {
      for (const v of [c.password, c.passphrase, c.privateKey]) if (v) values.push(v);
    }
    // Webhook URLs carry their own token (Slack's do).
    for (const n of this.approvals.notify) values.push(n.url);
    return values;
  }

  static empty(): Fleet {
    return Fleet.fromDocument({}, { source: 'empty fleet', readKeyFile: () => '' });
  }

  /**
   * Validates a fleet document (parsed YAML or JSON) and reads the key files it names.
   * Throws ConfigError listing every problem by path; never a stack trace.
   */
  static fromDocument(
    document: unknown,
    options: { source: string; readKeyFile: KeyFileReader },
  ): Fleet {
    const parsed = fleetConfigSchema.safeParse(document ?? {});
    if (!parsed.success) throw new ConfigError(options.source, describeIssues(parsed.error));
    return Fleet.fromConfig(parsed.data, options);
  }

  private static fromConfig(
    config: FleetConfig,
    options: { source: string; readKeyFile: KeyFileReader },
  ): Fleet {
    const problems: string[] = [];
    const policies = compilePolicies(config.policies, problems);
    const network = NetworkPolicy.parse(config.network, problems);
    const credentials = new Map<string, Credential>();
    for (const [name, c] of Object.entries(config.credentials)) {
      let privateKey = c.privateKey;
      if (c.privateKeyFile !== undefined) {
        try {
          privateKey = options.readKeyFile(c.privateKeyFile);
        } catch (error) {
          problems.push(`credentials.${name}.privateKeyFile: ${operatorMessage(error)}`);
        }
      }
      credentials.set(name, { name, privateKey, passphrase: c.passphrase, password: c.password });
    }
    if (problems.length > 0) throw new ConfigError(options.source, problems);

    const hosts: Host[] = config.hosts.map((h) => ({
      name: h.name,
      address: h.address,
      port: h.port,
      user: h.user,
      credential: h.credential,
      hostKeys: pinnedKeys(h.hostKey),
      tags: h.tags,
      description: h.description,
    }));
    const groups = new Map(
      Object.entries(config.groups).map(([name, g]) => [
        name,
        { name, hosts: g.hosts, tags: g.tags },
      ]),
    );
    return new Fleet(
      hosts,
      groups,
      credentials,
      config.limits,
      policies,
      network,
      config.approvals,
    );
  }
}

function pinnedKeys(hostKey: string | string[] | undefined): readonly string[] | 'any' {
  if (hostKey === undefined) return [];
  const keys = Array.isArray(hostKey) ? hostKey : [hostKey];
  return keys.includes(INSECURE_ACCEPT_ANY) ? 'any' : keys;
}
