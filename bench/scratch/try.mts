import { createTreeSitterShellParser } from '../../src/adapters/shell/tree-sitter-parser.js';
import { analyze, describeCommand } from '../../src/core/policy/resolve.js';
const p = await createTreeSitterShellParser();
for (const c of process.argv.slice(2)) { const a = analyze(p, c); console.log(JSON.stringify(c).padEnd(50), '→', a.problems.length ? 'PROBLEM ' + a.problems.join('; ') : a.commands.map(describeCommand).join(' | ')); }
