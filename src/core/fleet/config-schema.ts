import { z } from 'zod';
import { networkSchema, policiesSchema } from '../policy/policy-config.js';

/** Names of hosts, groups, credentials and tags: safe in logs, URLs and audit records. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const name = (what: string) =>
  z
    .string()
    .regex(
      NAME,
      `${what} must be 1-63 letters, digits, '.', '_' or '-' and start with a letter or digit`,
    );

/** `SHA256:<base64>` as printed by `ssh-keygen -lf`, or the explicit opt-out. */
export const INSECURE_ACCEPT_ANY = 'insecure-accept-any';
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const hostKey = z.string().refine((v) => v === INSECURE_ACCEPT_ANY || FINGERPRINT.test(v), {
  error: `must be a SHA256 fingerprint as printed by "ssh-keygen -lf" (SHA256:…, 43 characters after the colon) or "${INSECURE_ACCEPT_ANY}"`,
});

export const credentialSchema = z
  .object({
    privateKeyFile: z.string().min(1).optional(),
    privateKey: z.string().min(1).optional(),
    passphrase: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
  })
  .strict()
  .refine(
    (c) => c.privateKey !== undefined || c.privateKeyFile !== undefined || c.password !== undefined,
    {
      error: 'needs one of privateKeyFile, privateKey or password',
    },
  )
  .refine((c) => !(c.privateKey !== undefined && c.privateKeyFile !== undefined), {
    error: 'give privateKey or privateKeyFile, not both',
  });

export const hostSchema = z
  .object({
    name: name('host name'),
    address: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1),
    credential: z.string().min(1),
    hostKey: z.union([hostKey, z.array(hostKey).min(1)]).optional(),
    tags: z.array(name('tag')).default([]),
    description: z.string().max(500).optional(),
  })
  .strict();

export const groupSchema = z
  .object({
    hosts: z.array(z.string()).default([]),
    tags: z.array(z.string()).default([]),
  })
  .strict()
  .refine((g) => g.hosts.length > 0 || g.tags.length > 0, {
    error: 'a group needs hosts or tags',
  });

export const limitsSchema = z
  .object({
    commandTimeoutSeconds: z.number().positive().max(3600).default(60),
    connectTimeoutSeconds: z.number().positive().max(120).default(10),
    // run_command returns at most this much per stream; it is kept inside a job's host record, so ≤ 128 KB.
    maxOutputBytes: z
      .number()
      .int()
      .min(1024)
      .max(128 * 1024)
      .default(65536),
    maxConcurrency: z.number().int().min(1).max(1024).default(32),
    poolIdleSeconds: z.number().min(0).max(3600).default(60),
    historyRetentionDays: z.number().int().min(1).max(3650).default(30),
    /** run_command answers within this; longer work goes on as a job (keep it below client timeouts). */
    syncBudgetSeconds: z.number().positive().max(600).default(20),
    /** Default and maximum for start_job. */
    jobTimeoutSeconds: z.number().positive().max(86_400).default(3600),
    /** Output kept per host and stream for a job; beyond it output is dropped and marked truncated. */
    jobOutputBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(8 * 1024 * 1024),
    jobRetentionDays: z.number().int().min(1).max(90).default(7),
    /** Jobs one user may have queued or running at once, counted in the store (every process). */
    maxJobsPerUser: z.number().int().min(1).max(10_000).default(20),
    /**
     * SSH sessions one user's queued and running jobs may hold open at once, counted in the store:
     * a job gets the concurrency left, and none left refuses it.
     */
    maxSessionsPerUser: z.number().int().min(1).max(100_000).default(128),
  })
  .strict();

/** A webhook address: https anywhere, http only to this machine. */
function webhookUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname))
  );
}

/** Human approval of `approval_required` commands (see README, "Approvals"). */
export const approvalsSchema = z
  .object({
    /** How long a request waits for a decision, and an approval waits to be used. */
    ttlMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15),
    /** Lets a requester approve their own request: for one-person setups only. */
    selfApproval: z.boolean().default(false),
    /**
     * The longest time-boxed window an approver may grant for incident work: the same command on
     * the same hosts, several runs, for this many minutes at most (0: windows off).
     */
    maxWindowMinutes: z.number().int().min(0).max(1440).default(60),
    /**
     * Webhooks told of every new request: generic JSON, or Slack-compatible `{ text }`. https, or
     * http to this machine. The URLs are treated as secrets (Slack's carry a token).
     */
    notify: z
      .array(
        z
          .object({
            url: z.string().refine(webhookUrl, 'must be an https URL (http only to this machine)'),
            format: z.enum(['json', 'slack']).default('json'),
          })
          .strict(),
      )
      .max(5)
      .default([]),
  })
  .strict();

export const fleetConfigSchema = z
  .object({
    credentials: z.record(name('credential name'), credentialSchema).default({}),
    hosts: z.array(hostSchema).default([]),
    groups: z.record(name('group name'), groupSchema).default({}),
    limits: limitsSchema.default(limitsSchema.parse({})),
    policies: policiesSchema.default(policiesSchema.parse({})),
    network: networkSchema.default(networkSchema.parse({})),
    approvals: approvalsSchema.default(approvalsSchema.parse({})),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.hosts.forEach((host, i) => {
      const first = seen.get(host.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['hosts', i, 'name'],
          message: `duplicate host name "${host.name}" (also hosts[${first}])`,
        });
      } else {
        seen.set(host.name, i);
      }
      if (!(host.credential in config.credentials)) {
        ctx.addIssue({
          code: 'custom',
          path: ['hosts', i, 'credential'],
          message: `unknown credential "${host.credential}"`,
        });
      }
    });
    for (const [groupName, group] of Object.entries(config.groups)) {
      group.hosts.forEach((h, i) => {
        if (!seen.has(h))
          ctx.addIssue({
            code: 'custom',
            path: ['groups', groupName, 'hosts', i],
            message: `unknown host "${h}"`,
          });
      });
    }
  });

/** The fleet document as written by the operator (before key files are read). */
export type FleetConfigInput = z.input<typeof fleetConfigSchema>;
export type FleetConfig = z.output<typeof fleetConfigSchema>;
export type CredentialConfig = z.output<typeof credentialSchema>;
export type HostConfig = z.output<typeof hostSchema>;
export type Limits = z.output<typeof limitsSchema>;
export type ApprovalSettings = z.output<typeof approvalsSchema>;

/** Formats a zod path as the operator wrote it: `hosts[3].credential`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(document)' : out;
}

/** Every problem in a zod error as `path: message`, in document order. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}
