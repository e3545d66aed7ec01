/**
 * The policy differential harness at full size: plans generated commands under read-only, runs
 * every one on a sandbox host through the production exec path, and prints the counts beside the
 * policy's uncached decision rate. Needs root (namespaces, accounts). Usage:
 * npm run bench:policy-harness -- [size=2000] [seed=random]
 */
import { runDifferential } from '../tests/support/differential-harness.js';
import { measurePolicy } from './policy-decisions.js';

const size = Number(process.argv[2] ?? 2000);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31));
const report = await runDifferential({ size, seed, log: (line) => console.log(line) });
const pct = (n: number) => `${((100 * n) / report.total).toFixed(1)} %`;
console.log(`
policy differential harness, seed ${report.seed}, ${report.total} commands in ${(report.durationMs / 1000).toFixed(0)} s
  allowed under read-only     ${String(report.allowed).padStart(6)}  ${pct(report.allowed)}   (floor 30 %)
  … and changed the host      ${String(report.unsafeAllows.length).padStart(6)}            (must be 0)
  denied                      ${String(report.denied).padStart(6)}  ${pct(report.denied)}
  approval required           ${String(report.approvalRequired).padStart(6)}
  denied, run anyway, changed ${String(report.deniedThatChanged).padStart(6)}  ${pct(report.deniedThatChanged)}   (the corpus bites)
  everyday diagnostics denied ${String(report.everydayDenied.length).padStart(6)}            (must be 0)`);
const policy = await measurePolicy();
console.log(
  `  policy decisions/s uncached ${policy.uncached.perSecond.toLocaleString('en').padStart(7)}            (floor 20,000), cached ${policy.cached.perSecond.toLocaleString('en')}`,
);
for (const u of report.unsafeAllows)
  console.log(`UNSAFE ${JSON.stringify(u.command)}: ${u.changes.join('; ')}`);
for (const e of report.everydayDenied) console.log(`EVERYDAY DENIED ${e.command}: ${e.reason}`);
process.exit(report.unsafeAllows.length === 0 && report.everydayDenied.length === 0 ? 0 : 1);
