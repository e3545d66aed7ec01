import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import {
  dynamicWord,
  type ParseOutcome,
  type Redirect,
  type ShellParser,
  type SimpleCommand,
  type Word,
} from '../../core/policy/shell-syntax.js';

/**
 * tree-sitter-bash, behind the ShellParser port. tree-sitter recovers from syntax it does not
 * understand, which is the wrong instinct for a security check, so this adapter fails closed:
 * any ERROR or MISSING node, and any node type not listed here as understood, is a problem and
 * the command is denied.
 */

/** Statement forms we flatten into simple commands. */
const STRUCTURE = new Set([
  'program',
  'list',
  'pipeline',
  'subshell',
  'compound_statement',
  'negated_command',
  'redirected_statement',
]);

/** Node types that may appear anywhere in an accepted tree. */
const UNDERSTOOD = new Set([
  ...STRUCTURE,
  'command',
  'command_name',
  'variable_assignment',
  'comment',
  'test_command',
  'word',
  'number',
  'string',
  'string_content',
  'raw_string',
  'ansi_c_string',
  'translated_string',
  'concatenation',
  'simple_expansion',
  'expansion',
  'variable_name',
  'special_variable_name',
  'subscript',
  'command_substitution',
  'process_substitution',
  'arithmetic_expansion',
  'brace_expression',
  'binary_expression',
  'unary_expression',
  'postfix_expression',
  'ternary_expression',
  'parenthesized_expression',
  'test_operator',
  'regex',
  'extglob_pattern',
  'file_redirect',
  'file_descriptor',
  'heredoc_redirect',
  'heredoc_start',
  'heredoc_body',
  'heredoc_content',
  'heredoc_end',
  'herestring_redirect',
]);

const REFUSED: Record<string, string> = {
  function_definition: 'defines a shell function',
  if_statement: 'uses if/then; run the commands one at a time',
  while_statement: 'uses a while loop; run the commands one at a time',
  for_statement: 'uses a for loop; run the commands one at a time',
  c_style_for_statement: 'uses a for loop; run the commands one at a time',
  case_statement: 'uses case; run the commands one at a time',
  declaration_command: 'declares or exports variables, which changes later commands',
  unset_command: 'unsets variables, which changes later commands',
  array: 'assigns an array',
};

const WRITE_OPS = new Set(['>', '>>', '>|', '&>', '&>>', '<>']);
const DUP_OPS = new Set(['>&', '<&', '>&-', '<&-']);
const REDIRECT_OPS = new Set([...WRITE_OPS, ...DUP_OPS, '<']);

/** The two WASM files: the tree-sitter runtime and the bash grammar. */
export const WASM_FILES = { runtime: 'tree-sitter.wasm', bash: 'tree-sitter-bash.wasm' } as const;

/**
 * Loads the bash grammar (WASM) once; parsing is synchronous afterwards. `wasmDir` is where a
 * bundle keeps the two WASM files; by default they come from node_modules.
 */
export async function createTreeSitterShellParser(
  options: { wasmDir?: string } = {},
): Promise<ShellParser> {
  const { wasmDir } = options;
  if (wasmDir) {
    await Parser.init({ locateFile: () => join(wasmDir, WASM_FILES.runtime) });
  } else {
    await Parser.init();
  }
  const bash = await Language.load(wasmDir ? join(wasmDir, WASM_FILES.bash) : wasmPaths().bash);
  const parser = new Parser();
  parser.setLanguage(bash);
  return {
    parse(source: string): ParseOutcome {
      if (source.includes('\0'))
        return { ok: false, problems: ['the command contains a NUL byte'], syntaxError: true };
      const tree = parser.parse(source);
      if (!tree)
        return { ok: false, problems: ['the command could not be parsed'], syntaxError: true };
      try {
        const problems = unsupported(tree.rootNode);
        if (problems.length > 0)
          return {
            ok: false,
            problems,
            syntaxError: tree.rootNode.hasError || problems.includes(SYNTAX_ERROR),
          };
        const commands: SimpleCommand[] = [];
        statements(tree.rootNode, commands, []);
        return { ok: true, commands };
      } finally {
        tree.delete();
      }
    },
  };
}

/** Where the WASM files live in node_modules (for copying them next to a bundle). */
export function wasmPaths(): { runtime: string; bash: string } {
  const require = createRequire(import.meta.url);
  return {
    runtime: require.resolve('web-tree-sitter/tree-sitter.wasm'),
    bash: require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'),
  };
}

const SYNTAX_ERROR =
  'the command does not parse as shell (unbalanced quotes, brackets or an incomplete statement)';

function unsupported(root: Node): string[] {
  const problems = new Set<string>();
  const visit = (node: Node) => {
    if (node.isError || node.isMissing) {
      problems.add(SYNTAX_ERROR);
      return;
    }
    if (node.isNamed) {
      const refused = REFUSED[node.type];
      if (refused) problems.add(`the command ${refused}`);
      else if (!UNDERSTOOD.has(node.type))
        problems.add(`the command uses shell syntax the policy does not understand (${node.type})`);
    }
    for (const child of children(node)) visit(child);
  };
  if (root.hasError) problems.add(SYNTAX_ERROR);
  visit(root);
  return [...problems];
}

function children(node: Node): Node[] {
  return node.children.filter((c) => c !== null);
}

function namedChildren(node: Node): Node[] {
  return node.namedChildren.filter((c) => c !== null);
}

/** Flattens statements into simple commands; `inherited` redirects apply to everything inside. */
function statements(node: Node, out: SimpleCommand[], inherited: Redirect[]): void {
  switch (node.type) {
    case 'comment':
      return;
    case 'redirected_statement': {
      const redirects = [...inherited];
      const body = node.childForFieldName('body');
      for (const child of namedChildren(node)) {
        if (child.type.endsWith('_redirect')) redirects.push(redirect(child, out));
      }
      if (body) statements(body, out, redirects);
      else out.push({ words: [], assignments: [], redirects });
      return;
    }
    case 'command':
      out.push(simpleCommand(node, out, inherited));
      return;
    case 'variable_assignment':
      out.push({ words: [], assignments: [assignment(node, out)], redirects: inherited });
      return;
    case 'test_command':
      nested(node, out);
      out.push({
        words: [literal('[['), dynamicWord(node.text)],
        assignments: [],
        redirects: inherited,
      });
      return;
    default:
      // program, list, pipeline, subshell, compound_statement, negated_command
      for (const child of namedChildren(node)) statements(child, out, inherited);
  }
}

function simpleCommand(node: Node, out: SimpleCommand[], inherited: Redirect[]): SimpleCommand {
  const words: Word[] = [];
  const assignments: { name: string; value?: string }[] = [];
  const redirects = [...inherited];
  for (const child of namedChildren(node)) {
    if (child.type === 'variable_assignment') assignments.push(assignment(child, out));
    else if (child.type.endsWith('_redirect')) redirects.push(redirect(child, out));
    else if (child.type === 'comment') continue;
    else {
      nested(child, out);
      words.push(word(child.type === 'command_name' ? (child.namedChild(0) ?? child) : child));
    }
  }
  return { words, assignments, redirects };
}

function assignment(node: Node, out: SimpleCommand[]): { name: string; value?: string } {
  nested(node, out);
  const name = node.childForFieldName('name')?.text.split('[')[0] ?? node.text.split('=')[0] ?? '';
  const valueNode = node.childForFieldName('value');
  const value = valueNode ? word(valueNode).value : '';
  return value === undefined ? { name } : { name, value };
}

function redirect(node: Node, out: SimpleCommand[]): Redirect {
  nested(node, out);
  if (node.type === 'heredoc_redirect' || node.type === 'herestring_redirect')
    return { kind: 'input-text', op: node.type === 'heredoc_redirect' ? '<<' : '<<<' };
  let op = '';
  for (const c of children(node)) {
    if (!c.isNamed && REDIRECT_OPS.has(c.type)) op = c.type;
  }
  const destination = node.childForFieldName('destination');
  const target = destination ? word(destination) : undefined;
  if (WRITE_OPS.has(op)) return { kind: 'write', op, ...(target ? { target } : {}) };
  if (DUP_OPS.has(op)) {
    // `>& file` with a file name (not a descriptor number or '-') writes the file, like `&>`.
    const isDescriptor = target?.value !== undefined && /^(\d+|-)$/.test(target.value);
    if (op === '>&' && !isDescriptor) return { kind: 'write', op, ...(target ? { target } : {}) };
    return { kind: 'dup', op };
  }
  return { kind: 'read', op: op || '<', ...(target ? { target } : {}) };
}

/** Commands inside `$( )`, backticks and `<( )` run too: extract them wherever they appear. */
function nested(node: Node, out: SimpleCommand[]): void {
  if (node.type === 'command_substitution' || node.type === 'process_substitution') {
    for (const child of namedChildren(node)) statements(child, out, []);
    return;
  }
  for (const child of namedChildren(node)) nested(child, out);
}

const literal = (value: string): Word => ({ text: value, value, glob: false });

/**
 * A word's value after quote removal, when the shell would not change it at run time. Anything
 * that expands (variables, substitutions, `$'…'`, brace expansion, `~`) leaves the value unknown.
 */
function word(node: Node): Word {
  const text = node.text;
  const parts = node.type === 'concatenation' ? namedChildren(node) : [node];
  // Concatenated parts must cover the text exactly; anything between them is something we did not read.
  if (node.type === 'concatenation' && parts.reduce((n, p) => n + p.text.length, 0) !== text.length)
    return dynamicWord(text);
  let value = '';
  let glob = false;
  let unquoted = '';
  for (const part of parts) {
    switch (part.type) {
      case 'word': {
        const bare = unescapeBare(part.text);
        if (!bare) return dynamicWord(text);
        value += bare.value;
        glob ||= bare.glob;
        unquoted += bare.value;
        break;
      }
      case 'number':
        value += part.text;
        unquoted += part.text;
        break;
      case 'raw_string':
        value += part.text.slice(1, -1);
        unquoted += '\u0000';
        break;
      case 'string': {
        if (namedChildren(part).some((c) => c.type !== 'string_content')) return dynamicWord(text);
        value += part.text
          .slice(1, -1)
          .replace(/\\([$`"\\\n])/g, (_, c: string) => (c === '\n' ? '' : c));
        unquoted += '\u0000';
        break;
      }
      default:
        return dynamicWord(text);
    }
  }
  // Brace expansion ({a,b} or {1..3}) and a leading ~ change the words the shell passes.
  if (/\{[^}]*(,|\.\.)[^}]*\}/.test(unquoted) || unquoted.startsWith('~')) return dynamicWord(text);
  return { text, value, glob };
}

/** Removes backslash escapes from an unquoted word; undefined when it holds anything else to interpret. */
function unescapeBare(text: string): { value: string; glob: boolean } | undefined {
  let value = '';
  let glob = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) return undefined;
      if (next !== '\n') value += next;
      i++;
      continue;
    }
    if (c === '$' || c === '`' || c === '"' || c === "'") return undefined;
    if (c === '*' || c === '?' || c === '[') glob = true;
    value += c;
  }
  return { value, glob };
}
