import { z } from 'zod';
import { RISKS } from './risk.js';

/** What a rule matches: a command pattern, a written path, or a risk class and above. */
const ruleTarget = z.union([
  z.string().min(1),
  z.object({ write: z.string().min(1) }).strict(),
  z.object({ risk: z.enum(RISKS) }).strict(),
]);

const hostScope = z
  .object({
    hosts: z.array(z.string()).optional(),
    tags: z.array(z.string()).optional(),
    groups: z.array(z.string()).optional(),
  })
  .strict();

export const ruleSchema = z
  .object({
    allow: ruleTarget.optional(),
    approve: ruleTarget.optional(),
    deny: ruleTarget.optional(),
    /** Only on hosts that match (any listed host, tag or group). */
    when: hostScope.optional(),
    /** Command patterns (or, for a write rule, path globs) this rule does not cover. */
    except: z.array(z.string().min(1)).optional(),
    /** Shown to the user when this rule decides. */
    reason: z.string().max(300).optional(),
    /**
     * An allow rule that covers a command only up to this risk: `allow: "systemctl **"` with
     * `maxRisk: low` allows `systemctl status` and not `systemctl restart`.
     */
    maxRisk: z.enum(RISKS).optional(),
  })
  .strict()
  .refine((r) => [r.allow, r.approve, r.deny].filter((x) => x !== undefined).length === 1, {
    error: 'a rule needs exactly one of allow, approve or deny',
  })
  .refine((r) => r.maxRisk === undefined || r.allow !== undefined, {
    error: 'maxRisk goes with an allow rule',
  })
  .refine(
    (r) =>
      r.except === undefined ||
      !Object.values({ a: r.allow, b: r.approve, c: r.deny }).some(
        (t) => typeof t === 'object' && 'risk' in t,
      ),
    {
      error: 'except goes with a command pattern or a write glob, not a risk class',
    },
  );

export const profileSchema = z
  .object({
    extends: z.union([z.string(), z.array(z.string())]).optional(),
    description: z.string().max(500).optional(),
    /**
     * `allow` lets commands the policy cannot analyse (loops, functions, eval, a command name
     * from a variable) run under this profile; syntax errors are denied regardless.
     */
    unanalyzable: z.enum(['deny', 'allow']).optional(),
    rules: z.array(ruleSchema).default([]),
  })
  .strict();

export const policiesSchema = z
  .object({
    /** Profile for users whose record names none (never a viewer: viewers cannot run commands). */
    default: z.string().default('operator'),
    profiles: z
      .record(
        z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]*$/, 'profile names are lower-case letters, digits and -'),
        profileSchema,
      )
      .default({}),
    /** Hosts matching `when` are also held to `profile`; the stricter decision wins. */
    hosts: z.array(z.object({ when: hostScope, profile: z.string() }).strict()).default([]),
  })
  .strict();

export const networkSchema = z
  .object({
    allow: z.array(z.string()).default([]),
    deny: z.array(z.string()).default([]),
  })
  .strict();

export type RuleConfig = z.input<typeof ruleSchema>;
export type ProfileConfig = z.input<typeof profileSchema>;
export type PoliciesConfig = z.output<typeof policiesSchema>;
export type HostScope = z.output<typeof hostScope>;
