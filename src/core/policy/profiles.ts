import { BUILTIN_PROFILES } from './builtin-profiles.js';
import { globToRegExp, parsePattern, type CommandPattern } from './pattern.js';
import type { HostScope, PoliciesConfig, ProfileConfig, RuleConfig } from './policy-config.js';
import type { Risk } from './risk.js';
import { operatorMessage } from '../errors.js';

export type Verdict = 'allow' | 'approve' | 'deny';

export type RuleTarget =
  | { readonly kind: 'command'; readonly pattern: CommandPattern }
  | { readonly kind: 'write'; readonly glob: RegExp; readonly text: string }
  | { readonly kind: 'risk'; readonly level: Risk };

export interface Rule {
  readonly verdict: Verdict;
  readonly target: RuleTarget;
  /** Patterns (or path globs, for write rules) the rule does not cover. */
  readonly except: readonly (CommandPattern | RegExp)[];
  readonly when?: HostScope;
  readonly reason?: string;
  /** An allow rule covers commands only up to this risk. */
  readonly maxRisk?: Risk;
  /** `profile verdict target`, as shown to users: `operator approve {risk: high}`. */
  readonly label: string;
}

export interface Profile {
  readonly name: string;
  readonly description?: string;
  /** Commands the policy cannot analyse (but that parse) are allowed rather than denied. */
  readonly allowsUnanalyzable: boolean;
  readonly rules: readonly Rule[];
  /** The rules that could match a command with this program base name, in rule order. */
  rulesFor(program: string): readonly Rule[];
  /** The rules that could match a written file, in rule order. */
  readonly writeRules: readonly Rule[];
}

/**
 * Most rules name their program literally; indexing by it means a decision tries a handful of
 * rules instead of every rule of the profile.
 */
function indexRules(rules: readonly Rule[]): Pick<Profile, 'rulesFor' | 'writeRules'> {
  const byProgram = new Map<string, number[]>();
  const everyProgram: number[] = [];
  rules.forEach((rule, i) => {
    const literal =
      rule.target.kind === 'command' && !rule.target.pattern.programHasSlash
        ? rule.target.pattern.literalProgram
        : undefined;
    if (rule.target.kind === 'write') return;
    if (literal !== undefined) byProgram.set(literal, [...(byProgram.get(literal) ?? []), i]);
    else everyProgram.push(i);
  });
  const cache = new Map<string, readonly Rule[]>();
  return {
    rulesFor(program: string) {
      let found = cache.get(program);
      if (!found) {
        const indices = [...(byProgram.get(program) ?? []), ...everyProgram].sort((a, b) => a - b);
        found = indices.flatMap((i) => rules[i] ?? []);
        if (cache.size < 4096) cache.set(program, found);
      }
      return found;
    },
    writeRules: rules.filter((r) => r.target.kind === 'write' || r.target.kind === 'risk'),
  };
}

export interface PolicySet {
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly defaultProfile: string;
  readonly hostProfiles: readonly { readonly when: HostScope; readonly profile: string }[];
}

function targetLabel(target: RuleConfig['allow']): string {
  if (typeof target === 'string') return `"${target}"`;
  if (target && 'write' in target) return `{write: "${target.write}"}`;
  return `{risk: ${(target as { risk: string }).risk}}`;
}

function compileRule(
  profile: string,
  rule: RuleConfig,
  path: string,
  problems: string[],
): Rule | undefined {
  const verdict: Verdict =
    rule.allow !== undefined ? 'allow' : rule.approve !== undefined ? 'approve' : 'deny';
  const raw = rule[verdict];
  const label = `${profile} ${verdict} ${targetLabel(raw)}`;
  const isWrite = typeof raw === 'object' && 'write' in raw;
  const except: (CommandPattern | RegExp)[] = [];
  for (const [i, text] of (rule.except ?? []).entries()) {
    try {
      except.push(isWrite ? globToRegExp(text) : parsePattern(text));
    } catch (error) {
      problems.push(`${path}.except[${i}]: ${operatorMessage(error)}`);
    }
  }
  const shownExcept = rule.except?.length
    ? ` except ${rule.except.map((e) => `"${e}"`).join(', ')}`
    : '';
  const shownRisk = rule.maxRisk ? ` up to risk ${rule.maxRisk}` : '';
  const common = {
    verdict,
    label: label + shownExcept + shownRisk,
    ...(rule.maxRisk ? { maxRisk: rule.maxRisk } : {}),
    except,
    ...(rule.when ? { when: rule.when } : {}),
    ...(rule.reason ? { reason: rule.reason } : {}),
  };
  if (typeof raw === 'string') {
    try {
      return { ...common, target: { kind: 'command', pattern: parsePattern(raw) } };
    } catch (error) {
      problems.push(`${path}.${verdict}: ${operatorMessage(error)}`);
      return undefined;
    }
  }
  if (isWrite)
    return { ...common, target: { kind: 'write', glob: globToRegExp(raw.write), text: raw.write } };
  return { ...common, target: { kind: 'risk', level: (raw as { risk: Risk }).risk } };
}

/**
 * Compiles built-in and configured profiles (following `extends`), checking every reference.
 * Problems are `path: message` lines for ConfigError.
 */
export function compilePolicies(config: PoliciesConfig, problems: string[]): PolicySet {
  const sources: Record<string, { config: ProfileConfig; path: string }> = {};
  for (const [name, profile] of Object.entries(BUILTIN_PROFILES))
    sources[name] = { config: profile, path: `(built-in ${name})` };
  for (const [name, profile] of Object.entries(config.profiles)) {
    if (name in BUILTIN_PROFILES)
      problems.push(
        `policies.profiles.${name}: "${name}" is a built-in profile; extend it under another name`,
      );
    else sources[name] = { config: profile, path: `policies.profiles.${name}` };
  }

  const compiled = new Map<string, Profile>();
  const compiling = new Set<string>();
  const compile = (name: string, from: string): Profile | undefined => {
    const done = compiled.get(name);
    if (done) return done;
    const source = sources[name];
    if (!source) {
      problems.push(
        `${from}: unknown profile "${name}" (known: ${Object.keys(sources).join(', ')})`,
      );
      return undefined;
    }
    if (compiling.has(name)) {
      problems.push(
        `${source.path}.extends: profiles extend each other in a cycle through "${name}"`,
      );
      return undefined;
    }
    compiling.add(name);
    const parents =
      source.config.extends === undefined
        ? []
        : Array.isArray(source.config.extends)
          ? source.config.extends
          : [source.config.extends];
    const rules: Rule[] = [];
    for (const parent of parents)
      rules.push(...(compile(parent, `${source.path}.extends`)?.rules ?? []));
    (source.config.rules ?? []).forEach((rule, i) => {
      const r = compileRule(name, rule, `${source.path}.rules[${i}]`, problems);
      if (r) rules.push(r);
    });
    compiling.delete(name);
    // `unanalyzable` is the profile's own setting, not inherited: extending unrestricted does not quietly allow it.
    const allowsUnanalyzable = source.config.unanalyzable === 'allow';
    const profile: Profile = {
      name,
      rules,
      allowsUnanalyzable,
      ...indexRules(rules),
      ...(source.config.description ? { description: source.config.description } : {}),
    };
    compiled.set(name, profile);
    return profile;
  };

  for (const name of Object.keys(sources)) compile(name, `policies.profiles.${name}`);
  if (!compiled.has(config.default))
    problems.push(`policies.default: unknown profile "${config.default}"`);
  config.hosts.forEach((h, i) => {
    if (!compiled.has(h.profile))
      problems.push(`policies.hosts[${i}].profile: unknown profile "${h.profile}"`);
  });
  return { profiles: compiled, defaultProfile: config.default, hostProfiles: config.hosts };
}
