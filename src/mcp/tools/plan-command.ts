import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { targetsInput } from './targets-input.js';
import { planCommand, planResultSchema, type PlanResult } from '../../core/exec/plan-command.js';
import { MAX_COMMAND_LENGTH } from '../../core/run/run-command.js';

export const planCommandTool = defineTool({
  name: 'plan_command',
  toolset: 'exec',
  title: 'Check a command against the policy',
  description:
    'Shows what run_command would decide for a command on each target host, without running anything: allow, deny or approval_required, ' +
    'the rule that decided, the risk class (low, medium, high, critical), the policy profile applied, and every simple command the shell would run ' +
    '(pipelines, lists, substitutions and wrappers like sudo, xargs, find -exec and sh -c are unpacked). Use it before run_command when unsure, ' +
    'and to learn why a command was denied. Network rules are checked only when connecting.',
  minRole: 'operator',
  inputSchema: {
    ...targetsInput,
    command: z.string().min(1).max(MAX_COMMAND_LENGTH).describe('The shell command line to check.'),
  },
  outputSchema: planResultSchema.shape,
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  handler: async (input, { deps, fleet, user }) => planCommand(deps, fleet, user, input),
  toText: planText,
  auditCommand: 'command',
  auditTargets: (_input, output) => output?.results.map((r) => r.host) ?? [],
});

/** Hosts with the same verdict and reason are listed together. */
function planText(o: PlanResult): string {
  const blocks = new Map<string, { hosts: string[]; r: PlanResult['results'][number] }>();
  for (const r of o.results) {
    const key = JSON.stringify([r.decision, r.reason, r.profile, r.commands]);
    const block = blocks.get(key);
    if (block) block.hosts.push(r.host);
    else blocks.set(key, { hosts: [r.host], r });
  }
  const lines = [
    `${o.summary.allow} allow, ${o.summary.approval_required} approval_required, ${o.summary.deny} deny (of ${o.summary.total})`,
  ];
  for (const { hosts, r } of blocks.values()) {
    lines.push(
      `\n── ${hosts.join(', ')}: ${r.decision.toUpperCase()}${r.risk ? ` (risk ${r.risk})` : ''} — profile ${r.profile}`,
    );
    lines.push(`   ${r.reason}`);
    for (const c of r.commands)
      lines.push(
        `   • ${c.command}: ${c.decision} [${c.risk}]${c.rule ? ` by ${c.rule}` : ''} (${c.grammar})`,
      );
  }
  return lines.join('\n');
}
