import type { Fleet, Host } from '../fleet/fleet.js';
import { gatewayStateWrite } from './secrets.js';
import { roleAtLeast, type User } from '../users/user.js';
import type {
  CommandPolicy,
  CommandVerdict,
  Decision,
  PolicyDecision,
} from '../exec/command-policy.js';
import {
  analyze,
  baseName,
  describeCommand,
  type Analysis,
  type ResolvedCommand,
} from './resolve.js';
import { matchCommand, matchPath, type CommandPattern } from './pattern.js';
import type { Profile, Rule } from './profiles.js';
import type { HostScope } from './policy-config.js';
import { mentionedSecret } from './secrets.js';
import { classifyRisk, maxRisk, riskRank, type Risk } from './risk.js';
import type { ShellParser } from './shell-syntax.js';
import type { Word } from './shell-syntax.js';

const STRICTNESS: Record<Decision, number> = { allow: 0, approval_required: 1, deny: 2 };

interface Judgement {
  decision: Decision;
  reason: string;
  rule?: string;
}

const stricter = (a: Judgement, b: Judgement): Judgement =>
  STRICTNESS[b.decision] > STRICTNESS[a.decision] ? b : a;

/**
 * Decides commands against the user's profile and any host profiles: parse → resolve wrappers →
 * judge every simple command and every written file → the strictest verdict wins. Analyses are
 * cached by command text, so a fan-out to a hundred hosts parses once.
 */
export class PolicyEngine implements CommandPolicy {
  private readonly cache = new Map<string, Analysis>();

  constructor(
    private readonly parser: ShellParser,
    private readonly cacheSize = 2000,
  ) {}

  analyze(command: string): Analysis {
    const hit = this.cache.get(command);
    if (hit) {
      this.cache.delete(command);
      this.cache.set(command, hit);
      return hit;
    }
    const result = analyze(this.parser, command);
    this.cache.set(command, result);
    if (this.cache.size > this.cacheSize)
      this.cache.delete(this.cache.keys().next().value as string);
    return result;
  }

  decide(ctx: { fleet: Fleet; user: User; host: Host }, command: string): PolicyDecision {
    const { fleet, user, host } = ctx;
    if (!roleAtLeast(user.role, 'operator')) {
      return {
        decision: 'deny',
        reason: `role ${user.role} may not run commands`,
        rule: 'role',
        profile: '-',
        commands: [],
      };
    }
    const profileName = user.policy ?? fleet.policies.defaultProfile;
    const profile = fleet.policies.profiles.get(profileName);
    if (!profile) {
      return {
        decision: 'deny',
        reason: `policy profile "${profileName}" is not defined in the fleet config; ask an admin to fix your user or the config`,
        rule: 'profile',
        profile: profileName,
        commands: [],
      };
    }
    const analysis = this.analyze(command);
    const profiles = [profile];
    for (const h of fleet.policies.hostProfiles.filter((h) => inScope(h.when, host, fleet))) {
      const hostProfile = fleet.policies.profiles.get(h.profile);
      if (!hostProfile) {
        return {
          decision: 'deny',
          reason: `host policy profile "${h.profile}" is not defined in the fleet config; ask an admin to fix the config`,
          rule: 'profile',
          profile: h.profile,
          commands: [],
        };
      }
      profiles.push(hostProfile);
    }
    if (analysis.problems.length > 0) {
      const shown = profiles.map((p) => p.name).join(' + ');
      // Valid shell the policy cannot analyse runs only where every applicable profile says so.
      if (!analysis.syntaxError && profiles.every((p) => p.allowsUnanalyzable)) {
        const secret = analysis.commands.find((c) => c.secret)?.secret ?? mentionedSecret(command);
        if (secret)
          return {
            decision: 'deny',
            reason: `${secret}; no profile lets a command read secrets through the gateway`,
            rule: 'secrets',
            profile: shown,
            commands: [],
          };
        return {
          decision: 'allow',
          reason: `allowed without analysis by ${shown} (${analysis.problems.join('; ')})`,
          rule: `${shown} unanalyzable: allow`,
          risk: 'high',
          profile: shown,
          commands: [],
        };
      }
      return {
        decision: 'deny',
        reason: `cannot be checked: ${analysis.problems.join('; ')}`,
        rule: 'parser',
        profile: shown,
        commands: [],
      };
    }
    let risk: Risk = 'low';
    let overall: Judgement = { decision: 'allow', reason: 'every command is allowed' };
    const commands: CommandVerdict[] = analysis.commands.map((c) => {
      const commandRisk = classifyRisk(c);
      risk = maxRisk(risk, commandRisk);
      const verdict = strictest(profiles.map((p) => judgeCommand(p, c, commandRisk, host, fleet)));
      overall = stricter(overall, verdict);
      return {
        command: describeCommand(c),
        risk: commandRisk,
        ...verdict,
        grammar: describeGrammar(c),
      };
    });
    if (overall.decision === 'allow' && commands.length > 0) {
      overall = {
        decision: 'allow',
        reason: `allowed by ${[...new Set(commands.map((c) => c.rule))].join(', ')}`,
        ...(commands.length === 1 && commands[0]?.rule ? { rule: commands[0].rule } : {}),
      };
    }
    return { ...overall, risk, profile: profiles.map((p) => p.name).join(' + '), commands };
  }
}

/** The first of the strictest judgements (its rule is the one that decided). */
function strictest(judgements: readonly Judgement[]): Judgement {
  return judgements.reduce((a, b) => (STRICTNESS[b.decision] > STRICTNESS[a.decision] ? b : a));
}

/** One simple command against one profile: the program, then every file it writes. */
function judgeCommand(
  profile: Profile,
  command: ResolvedCommand,
  risk: Risk,
  host: Host,
  fleet: Fleet,
): Judgement {
  const scoped = (rules: readonly Rule[]) =>
    rules.some((r) => r.when) ? rules.filter((r) => inScope(r.when, host, fleet)) : rules;
  if (command.secret)
    return {
      decision: 'deny',
      rule: 'secrets',
      reason: `${command.secret}; no profile lets a command read secrets through the gateway`,
    };
  const ownState = command.writes.map(gatewayStateWrite).find(Boolean);
  if (ownState)
    return {
      decision: 'deny',
      rule: 'gateway-state',
      reason: `${ownState}; no profile lets a command change it`,
    };
  const judgements: Judgement[] = [];
  if (command.program) {
    let capped: Rule | undefined;
    const shown = describeCommand(command);
    const judgement = judge(
      scoped(profile.rulesFor(baseName(command.program))),
      profile,
      shown,
      (r, mode) => {
        if (r.target.kind === 'risk') return riskRank(risk) >= riskRank(r.target.level);
        if (r.target.kind !== 'command') return false;
        // Deny and approve rules match either spelling; their exceptions must match both.
        const lenient = r.verdict === 'allow' ? 'either' : 'both';
        const matched =
          matchSpellings(r.target.pattern, command, mode, 'either') &&
          !r.except.some((e) => matchSpellings(e as CommandPattern, command, 'certain', lenient));
        if (matched && r.maxRisk && riskRank(risk) > riskRank(r.maxRisk)) {
          capped ??= r;
          return false;
        }
        return matched;
      },
    );
    const what = [...(command.spec?.does ?? []), ...command.writes.map((w) => `writes ${w.text}`)];
    const does = what.length ? ` (${what.join('; ')})` : '';
    judgements.push(
      judgement.decision === 'deny' && !judgement.rule && capped
        ? {
            decision: 'deny',
            rule: capped.label,
            reason: `"${shown}" is risk ${risk}${does}, which ${capped.label} does not cover`,
          }
        : judgement,
    );
  }
  for (const target of command.writes)
    judgements.push(judgeWrite(scoped(profile.writeRules), profile, target));
  return judgements.length
    ? strictest(judgements)
    : { decision: 'allow', reason: 'nothing to run' };
}

/**
 * A rule pattern against the words as written and, where a spec read them, the canonical argv
 * (`ip a a` is also `ip address add`, `sort -uo x` also `sort --unique --output=x`).
 */
function matchSpellings(
  pattern: CommandPattern,
  command: ResolvedCommand,
  mode: 'certain' | 'possible',
  need: 'either' | 'both',
): boolean {
  const raw = matchCommand(pattern, command, mode);
  if (!command.spec || raw === (need === 'either')) return raw;
  return matchCommand(pattern, { ...command, args: command.spec.canonical }, mode);
}

/** How a command's arguments were read, for the plan. */
function describeGrammar(c: ResolvedCommand): string {
  if (!c.program) return 'no program';
  const name = baseName(c.program);
  if (!c.spec)
    return `no spec: no program spec backs this decision; rules matched the words as written`;
  return `spec: ${[name, ...c.spec.canonical.map((w) => w.text)].join(' ')}`;
}

function judgeWrite(rules: readonly Rule[], profile: Profile, target: Word): Judgement {
  const risk = classifyRisk({
    program: '',
    args: [],
    dynamicTail: false,
    via: [],
    writes: [target],
  });
  return judge(rules, profile, `writing to ${target.text}`, (r, mode) => {
    if (r.target.kind === 'risk')
      return r.verdict !== 'allow' && riskRank(risk) >= riskRank(r.target.level);
    return (
      r.target.kind === 'write' &&
      matchPath(r.target.glob, target, mode) &&
      !r.except.some((e) => matchPath(e as RegExp, target, 'certain'))
    );
  });
}

/** Deny beats approve beats allow; deny and approve consider what a run-time value could be. */
function judge(
  rules: readonly Rule[],
  profile: Profile,
  shown: string,
  matches: (rule: Rule, mode: 'certain' | 'possible') => boolean,
): Judgement {
  const deny = rules.find((r) => r.verdict === 'deny' && matches(r, 'possible'));
  if (deny)
    return {
      decision: 'deny',
      rule: deny.label,
      reason: `"${shown}" is denied${deny.reason ? `: ${deny.reason}` : ` by ${deny.label}`}`,
    };
  const approve = rules.find((r) => r.verdict === 'approve' && matches(r, 'possible'));
  if (approve)
    return {
      decision: 'approval_required',
      rule: approve.label,
      reason: `"${shown}" requires approval${approve.reason ? `: ${approve.reason}` : ` (${approve.label})`}`,
    };
  const allow = rules.find((r) => r.verdict === 'allow' && matches(r, 'certain'));
  if (allow) return { decision: 'allow', rule: allow.label, reason: `allowed by ${allow.label}` };
  return { decision: 'deny', reason: `no rule in profile ${profile.name} allows "${shown}"` };
}

/** A rule or host profile applies when the host is listed, carries a listed tag, or is in a listed group. */
export function inScope(when: HostScope | undefined, host: Host, fleet: Fleet): boolean {
  if (!when || (!when.hosts && !when.tags && !when.groups)) return true;
  if (when.hosts?.includes(host.name)) return true;
  if (when.tags?.some((t) => host.tags.includes(t))) return true;
  return (
    when.groups?.some((g) => {
      const group = fleet.groups.get(g);
      return group !== undefined && fleet.membersOf(group).includes(host);
    }) ?? false
  );
}
