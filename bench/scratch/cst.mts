import { Parser, Language } from 'web-tree-sitter';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
await Parser.init();
const Bash = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
const parser = new Parser(); parser.setLanguage(Bash);
for (const c of process.argv.slice(2)) { const t = parser.parse(c)!; console.log(JSON.stringify(c), '\n  ', t.rootNode.toString()); }
