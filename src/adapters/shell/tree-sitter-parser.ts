import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import {
  dynamicWord,
  globMayStartWithDash,
  staticWord,
  type ParseOutcome,
  type Redirect,
  type ShellParser,
  type SimpleCommand,
  type Word,
} from '../../core/policy/shell-syntax.js';

/**
 * tree-sitter-bash, behind the ShellParser port. tree-sitter recovers from syntax it does not
 * understand, which is the wrong instinct for a security check, so this walker fails closed: it
 * visits every node and every field; an ERROR or MISSING node, a node type it has no case for,
 * or a child it does not expect is a problem, and the command is denied. Where tree-sitter-bash
 * and bash read the same text differently, the walker follows bash (words after a redirection
 * belong to the command) or refuses (`((…))` on run-time values, `{var}>file`).
 */

/** The most statements, words or nesting levels one command line may have. */
export const PARSE_LIMITS = { depth: 64, simpleCommands: 256, length: 16_384 } as const;

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
const READ_OPS = new Set(['<']);
const STATEMENTS = new Set([
  'program',
  'list',
  'pipeline',
  'subshell',
  'compound_statement',
  'negated_command',
  'redirected_statement',
  'command',
  'variable_assignment',
  'test_command',
  'comment',
  ...Object.keys(REFUSED),
]);

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
      // bash splits words on space, tab and newline only; tree-sitter also on CR, FF and VT,
      // so `a\r# ; touch x` would hide a command behind what it takes for a comment.
      if (/[\r\f\v]/.test(source)) {
        return {
          ok: false,
          problems: ['the command contains a carriage return, form feed or vertical tab'],
          syntaxError: false,
        };
      }
      if (source.includes('\0'))
        return { ok: false, problems: ['the command contains a NUL byte'], syntaxError: true };
      if (source.length > PARSE_LIMITS.length) {
        return {
          ok: false,
          problems: [`the command is longer than ${PARSE_LIMITS.length} characters; split it up`],
          syntaxError: false,
        };
      }
      const tree = parser.parse(source);
      if (!tree)
        return { ok: false, problems: ['the command could not be parsed'], syntaxError: true };
      try {
        if (tree.rootNode.hasError)
          return { ok: false, problems: [SYNTAX_ERROR], syntaxError: true };
        const misread = misreadText(tree.rootNode, source);
        if (misread) return { ok: false, problems: [misread], syntaxError: false };
        const walker = new Walker(source);
        walker.statement(tree.rootNode, [], 0);
        if (walker.problems.size > 0) {
          return { ok: false, problems: [...walker.problems], syntaxError: false };
        }
        return { ok: true, commands: walker.commands };
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

const NESTED_PARTS = new Set([
  'expansion',
  'simple_expansion',
  'command_substitution',
  'process_substitution',
  'arithmetic_expansion',
  'string',
  'raw_string',
  'ansi_c_string',
  'translated_string',
]);
const SAFE_TRANSFORMS = new Set(['Q', 'E', 'A', 'a', 'U', 'u', 'L', 'K', 'k']);
const HIDDEN = 'the command hides a substitution where the parser cannot see it';

/** `<<'EOF'`, `<<"EOF"` or `<<\EOF`: the body is not expanded. */
function quotedHeredoc(node: Node): boolean {
  const start = named(node).find((c) => c.type === 'heredoc_start')?.text ?? '';
  return /['"\\]/.test(start);
}

const SYNTAX_ERROR =
  'the command does not parse as shell (unbalanced quotes, brackets or an incomplete statement)';

function hasDescendant(node: Node, test: (n: Node) => boolean): boolean {
  return named(node).some((c) => test(c) || hasDescendant(c, test));
}

/** A number as bash reads one: digits, a base, a sign; no expansion inside. */
function isPlainNumber(node: Node): boolean {
  return node.type === 'number' && node.namedChildCount === 0 && /^[-+]?[\w#@]+$/.test(node.text);
}

const named = (node: Node): Node[] => node.namedChildren.filter((c) => c !== null);
const all = (node: Node): Node[] => node.children.filter((c) => c !== null);

/** A word of the command with where it starts, so words split by redirections keep their order. */
interface Placed {
  readonly at: number;
  readonly word: Word;
}

class Walker {
  readonly problems = new Set<string>();
  readonly commands: SimpleCommand[] = [];

  /** `source` is the parsed text, for what lies between and after nodes. */
  constructor(private readonly source: string) {}

  /** `length` characters of the source right after `node`. */
  private after(node: Node, length: number): string {
    return this.source.slice(node.endIndex, node.endIndex + length);
  }

  private refuse(problem: string): void {
    this.problems.add(problem);
  }

  private tooDeep(depth: number): boolean {
    if (depth <= PARSE_LIMITS.depth) return false;
    this.refuse(`the command nests more than ${PARSE_LIMITS.depth} levels deep`);
    return true;
  }

  private push(command: SimpleCommand): void {
    if (this.commands.length === PARSE_LIMITS.simpleCommands) {
      this.refuse(
        `the command has more than ${PARSE_LIMITS.simpleCommands} simple commands; split it up`,
      );
    }
    this.commands.push(command);
  }

  /** Any statement; `inherited` redirections apply to every command inside. */
  statement(node: Node, inherited: readonly Redirect[], depth: number): void {
    if (this.tooDeep(depth)) return;
    const refused = REFUSED[node.type];
    if (refused) return this.refuse(`the command ${refused}`);
    switch (node.type) {
      case 'comment':
        return;
      case 'subshell':
        // `! ((…))` is arithmetic to bash; tree-sitter reads two nested subshells.
        if (node.text.startsWith('((')) {
          return this.refuse('the command uses (( … )) where bash evaluates arithmetic');
        }
        for (const child of named(node)) this.statement(child, inherited, depth + 1);
        return;
      case 'program':
      case 'list':
      case 'pipeline':
      case 'negated_command':
        for (const child of named(node)) this.statement(child, inherited, depth + 1);
        return;
      case 'compound_statement':
        return this.compound(node, inherited, depth);
      case 'redirected_statement':
        return this.redirected(node, inherited, depth);
      case 'command':
        return this.command(node, [], inherited, depth);
      case 'variable_assignment':
        this.push({ words: [], assignments: [this.assignment(node, depth)], redirects: inherited });
        return;
      case 'test_command':
        return this.testCommand(node, inherited, depth);
      default:
        return this.refuse(
          `the command uses shell syntax the policy does not understand (${node.type})`,
        );
    }
  }

  /** `{ …; }` is a group; tree-sitter-bash 0.25 also gives `((…))` this node type. */
  private compound(node: Node, inherited: readonly Redirect[], depth: number): void {
    const open = all(node)[0]?.type;
    if (open === '{') {
      for (const child of named(node)) this.statement(child, inherited, depth + 1);
      return;
    }
    if (open === '((') {
      if (!named(node).every((c) => this.isLiteralArithmetic(c, depth + 1))) {
        this.refuse('the command evaluates (( … )) on values known only at run time');
      }
      // Nothing runs, but its redirections open (and write) files.
      this.push({ words: [], assignments: [], redirects: inherited });
      return;
    }
    this.refuse(
      `the command uses a compound statement the policy does not understand (${open ?? '?'})`,
    );
  }

  private redirected(node: Node, inherited: readonly Redirect[], depth: number): void {
    const body = node.childForFieldName('body');
    const redirectNodes: Node[] = [];
    for (const child of named(node)) {
      if (child === body || child.id === body?.id) continue;
      if (child.type.endsWith('_redirect')) redirectNodes.push(child);
      else if (child.type !== 'comment') {
        this.refuse(
          `the command uses a redirection the policy does not understand (${child.type})`,
        );
      }
    }
    if (body?.type === 'command') return this.command(body, redirectNodes, inherited, depth);
    const redirects = [...inherited];
    for (const r of redirectNodes) {
      const { redirect, words } = this.redirect(r, depth + 1);
      redirects.push(redirect);
      // bash rejects words after a redirection of a group or subshell; tree-sitter does not.
      if (words.length > 0) this.refuse(SYNTAX_ERROR);
    }
    if (body) this.statement(body, redirects, depth + 1);
    else this.push({ words: [], assignments: [], redirects });
  }

  /** A simple command; words that tree-sitter hangs on a redirection are the command's too. */
  private command(
    node: Node,
    outerRedirects: readonly Node[],
    inherited: readonly Redirect[],
    depth: number,
  ): void {
    const words: Placed[] = [];
    const assignments: { name: string; value?: string }[] = [];
    const redirects = [...inherited];
    const redirectNodes = [...outerRedirects];
    const children = all(node);
    for (const [i, child] of children.entries()) {
      // A command ends at a newline that no backslash continues; tree-sitter lets the word after
      // `==`, `=~` or a bare `$` start on the next line (`echo ==⏎touch x` is two commands).
      const next = children[i + 1];
      if (next && /(^|[^\\])\n/.test(this.after(child, next.startIndex - child.endIndex))) {
        this.refuse('the command continues onto the next line where bash would end it');
      }
      // Two words with nothing between them are one word to bash.
      const wordLike = (n: Node) => !n.type.endsWith('_redirect') && n.type !== 'comment';
      if (next && next.startIndex === child.endIndex && wordLike(child) && wordLike(next)) {
        this.refuse('the command has two words with nothing between them, which bash reads as one');
      }
      // `==`, `=~` and a bare `$` are arguments tree-sitter leaves unnamed: they are words too.
      if (!child.isNamed) {
        if (node.fieldNameForChild(i) === 'argument') {
          words.push({ at: child.startIndex, word: staticWord(child.text) });
        } else {
          this.refuse(`the command has a token the policy does not understand (${child.type})`);
        }
      }
    }
    for (const child of named(node)) {
      if (child.type === 'variable_assignment') assignments.push(this.assignment(child, depth + 1));
      else if (child.type.endsWith('_redirect')) redirectNodes.push(child);
      else if (child.type === 'command_name') {
        const name = named(child);
        if (name.length !== 1 || !name[0]) {
          this.refuse('the command name is not one word');
          continue;
        }
        words.push({ at: child.startIndex, word: this.word(name[0], depth + 1) });
      } else if (child.type === 'comment') continue;
      else words.push({ at: child.startIndex, word: this.word(child, depth + 1) });
    }
    for (const r of redirectNodes) {
      const { redirect, words: extra } = this.redirect(r, depth + 1);
      redirects.push(redirect);
      words.push(...extra);
    }
    this.refuseFdVariables(node, redirectNodes);
    this.refuseGluedDescriptors(node, redirectNodes);
    words.sort((a, b) => a.at - b.at);
    this.push({ words: words.map((w) => w.word), assignments, redirects });
  }

  /**
   * `echo a 0>/dev/null b`: bash reads the 0 as the redirection's descriptor; tree-sitter leaves
   * it an argument, shifting every word after it.
   */
  private refuseGluedDescriptors(node: Node, redirects: readonly Node[]): void {
    const body = node.childForFieldName('body');
    for (const child of [...named(node), ...(body ? named(body) : [])]) {
      if (!/^\d+$/.test(child.text)) continue;
      if (redirects.some((r) => r.startIndex === child.endIndex)) {
        this.refuse(
          `the command has a number touching a redirection (${child.text}${this.after(child, 2)}…), which bash reads as its descriptor and the parser as an argument; drop it (0< is <, 1> is >) or put a space before the redirection if it is an argument`,
        );
      }
    }
  }

  /** `{fd}>file` assigns a variable in bash; tree-sitter reads `{fd}` as a word. */
  private refuseFdVariables(node: Node, redirects: readonly Node[]): void {
    for (const child of named(node)) {
      // Also `{a[$(cmd)]}>`: bash evaluates the subscript, running what it holds.
      if (!/^\{[\s\S]*\}$/.test(child.text)) continue;
      if (redirects.some((r) => r.startIndex === child.endIndex)) {
        this.refuse('the command assigns a file descriptor to a variable ({var}>…)');
      }
    }
  }

  private assignment(node: Node, depth: number): { name: string; value?: string } {
    const nameNode = node.childForFieldName('name');
    const valueNode = node.childForFieldName('value');
    let name = nameNode?.text ?? '';
    if (nameNode?.type === 'subscript') {
      this.subscript(nameNode);
      name = nameNode.childForFieldName('name')?.text ?? '';
    } else if (nameNode?.type !== 'variable_name') {
      this.refuse('the command assigns to something that is not a variable name');
    }
    for (const child of named(node)) {
      if (child.id !== nameNode?.id && child.id !== valueNode?.id) {
        this.refuse(
          `the command uses an assignment the policy does not understand (${child.type})`,
        );
      }
    }
    const value = valueNode ? this.word(valueNode, depth + 1).value : '';
    return value === undefined ? { name } : { name, value };
  }

  private redirect(node: Node, depth: number): { redirect: Redirect; words: Placed[] } {
    switch (node.type) {
      case 'herestring_redirect':
        for (const child of named(node)) this.word(child, depth + 1);
        return { redirect: { kind: 'input-text', op: '<<<' }, words: [] };
      case 'heredoc_redirect': {
        this.checkHeredocEnd(node);
        for (const child of named(node)) {
          if (child.type === 'heredoc_start' || child.type === 'heredoc_end') continue;
          if (child.type === 'heredoc_body')
            this.heredocBody(child, quotedHeredoc(node), depth + 1);
          // `cat <<EOF | grep x`: tree-sitter hangs the rest of the pipeline on the here-document.
          else if (STATEMENTS.has(child.type)) this.statement(child, [], depth + 1);
          else
            this.refuse(
              `the command uses a here-document the policy does not understand (${child.type})`,
            );
        }
        return { redirect: { kind: 'input-text', op: '<<' }, words: [] };
      }
      case 'file_redirect':
        return this.fileRedirect(node, depth);
      default:
        this.refuse(`the command uses a redirection the policy does not understand (${node.type})`);
        return { redirect: { kind: 'write', op: '?' }, words: [] };
    }
  }

  private fileRedirect(node: Node, depth: number): { redirect: Redirect; words: Placed[] } {
    let op = '';
    for (const c of all(node)) {
      if (!c.isNamed) {
        if (op)
          this.refuse(
            `the command uses a redirection the policy does not understand (${node.text})`,
          );
        op = c.type;
      }
    }
    const destinations = node.childrenForFieldName('destination').filter((c) => c !== null);
    const descriptor = node.childForFieldName('descriptor');
    for (const child of named(node)) {
      if (child.id === descriptor?.id || destinations.some((d) => d.id === child.id)) continue;
      this.refuse(`the command uses a redirection the policy does not understand (${child.type})`);
    }
    if (descriptor && !/^\d+$/.test(descriptor.text)) {
      this.refuse('the command redirects a file descriptor that is not a number');
    }
    // bash takes digits before < or > as a descriptor only when they fit an int; larger ones
    // stay a word of the command (`hostname 4294967296>/dev/null` renames the host).
    if (descriptor && Number(descriptor.text) > 2147483647) {
      this.refuse(
        `the command has ${descriptor.text} before a redirection, too large for a descriptor, which bash passes as an argument; put a space before the redirection`,
      );
    }
    const fd = descriptor ? { fd: Number(descriptor.text) } : {};
    // `2>&-` closes the descriptor and takes no word: what tree-sitter puts after it as a
    // destination is an argument of the command (`cat 2>&- /etc/shadow`).
    if (op === '>&-' || op === '<&-') {
      const words = destinations.map((d) => ({ at: d.startIndex, word: this.word(d, depth + 1) }));
      return { redirect: { kind: 'dup', op, ...fd }, words };
    }
    const [first, ...rest] = destinations;
    const target = first ? this.word(first, depth + 1) : undefined;
    const words = rest.map((d) => ({ at: d.startIndex, word: this.word(d, depth + 1) }));
    const at = { ...(target ? { target } : {}), ...fd };
    if (WRITE_OPS.has(op)) return { redirect: { kind: 'write', op, ...at }, words };
    if (DUP_OPS.has(op)) {
      // `>& file` with a file name (not a descriptor number or '-') writes the file, like `&>`.
      const isDescriptor = target?.value !== undefined && /^(\d+|-)$/.test(target.value);
      if (op === '>&' && !isDescriptor) return { redirect: { kind: 'write', op, ...at }, words };
      return { redirect: { kind: 'dup', op, ...fd }, words };
    }
    if (!READ_OPS.has(op)) {
      this.refuse(
        `the command uses a redirection the policy does not understand (${op || node.text})`,
      );
    }
    return { redirect: { kind: 'read', op: op || '<', ...at }, words };
  }

  /**
   * bash ends a here-document at the first line equal to its delimiter after quote removal;
   * tree-sitter-bash reads some delimiters differently (`$'EOF'`). Only plain delimiters are
   * accepted, and no line of the body may be one bash would stop at.
   */
  private checkHeredocEnd(node: Node): void {
    const start = named(node).find((c) => c.type === 'heredoc_start')?.text ?? '';
    const plain = /^(?:'([\w.-]+)'|"([\w.-]+)"|\\?([\w.-]+))$/.exec(start);
    const delimiter = plain?.[1] ?? plain?.[2] ?? plain?.[3];
    if (!delimiter) {
      this.refuse(
        'the command uses a here-document delimiter the policy does not read as bash does',
      );
      return;
    }
    const stripTabs = all(node).some((c) => c.type === '<<-');
    // tree-sitter may take a line that is not the delimiter for the end (even at end of input,
    // where bash reads the rest as body, expanding it).
    const end = named(node).find((c) => c.type === 'heredoc_end')?.text ?? '';
    if ((stripTabs ? end.replace(/^\t+/, '') : end) !== delimiter) {
      this.refuse('the here-document ends elsewhere in bash than the parser thinks');
      return;
    }
    const body = named(node).find((c) => c.type === 'heredoc_body')?.text ?? '';
    const lines = body.split('\n');
    if (lines.some((l) => (stripTabs ? l.replace(/^\t+/, '') : l) === delimiter)) {
      this.refuse('the here-document ends earlier in bash than the parser thinks');
    }
  }

  private heredocBody(node: Node, quoted: boolean, depth: number): void {
    // In an unquoted body bash joins lines ending in a backslash, which can end it early.
    if (!quoted && node.text.includes('\\\n')) this.refuse(HIDDEN);
    // A body tree-sitter found nothing in is one leaf: bash may still find a substitution there.
    if (!quoted && named(node).length === 0 && HIDDEN_CODE.test(node.text)) this.refuse(HIDDEN);
    for (const child of named(node)) {
      if (child.type === 'heredoc_content') {
        if (!quoted && HIDDEN_CODE.test(child.text)) this.refuse(HIDDEN);
        continue;
      }
      // A quoted delimiter (<<'EOF') keeps the body literal; bash runs nothing in it.
      if (!quoted) this.word(child, depth + 1);
    }
  }

  /** `[[ … ]]`: its words are checked like any others; `-v` and arithmetic on run-time values evaluate code. */
  private testCommand(node: Node, inherited: readonly Redirect[], depth: number): void {
    // `[ … ]` is the test command with ordinary words: < and > there are redirections, and a
    // run-time word can become an operator (-v). `[[ … ]]` is syntax; its operators are fixed.
    const open = all(node)[0];
    const single = open?.type === '[';
    // `[[x` and `[x` are ordinary words to bash, the name of a command.
    if (open && !/^[ \t\n]/.test(this.after(open, 1))) {
      this.refuse(
        `the command glues ${open.type} to the next word; bash would run a command named so`,
      );
    }
    const visit = (n: Node, d: number): void => {
      if (this.tooDeep(d)) return;
      switch (n.type) {
        case 'binary_expression':
        case 'unary_expression':
        case 'parenthesized_expression': {
          const operator = n.childForFieldName('operator');
          if (single && operator && /[<>]/.test(operator.text)) {
            this.refuse('in [ … ], < and > are redirections, not comparisons; use [[ … ]]');
          }
          if (operator?.text === '-v') {
            this.refuse('the command tests a variable name with -v, which evaluates its subscript');
          }
          if (operator && /^-(eq|ne|lt|le|gt|ge)$/.test(operator.text)) {
            for (const side of named(n)) {
              if (side.id !== operator.id && !this.isLiteralArithmetic(side, d + 1)) {
                this.refuse('the command compares values known only at run time arithmetically');
              }
            }
          }
          for (const child of named(n)) if (child.id !== operator?.id) visit(child, d + 1);
          return;
        }
        case 'test_operator':
          return;
        case 'regex':
        case 'extglob_pattern':
          if (HIDDEN_CODE_UNQUOTED.test(n.text)) this.refuse(HIDDEN);
          return;
        default:
          if (this.word(n, d).value === undefined && single) {
            this.refuse('[ … ] is given a word known only at run time, which could be an operator');
          }
      }
    };
    for (const child of named(node)) visit(child, depth + 1);
    this.push({
      words: [staticWord('[['), dynamicWord(node.text)],
      assignments: [],
      redirects: inherited,
    });
  }

  /** Numbers and operators only: no variable, expansion or substitution that bash would evaluate. */
  private isLiteralArithmetic(node: Node, depth: number): boolean {
    if (this.tooDeep(depth)) return false;
    switch (node.type) {
      case 'number':
        return isPlainNumber(node);
      case 'binary_expression':
      case 'unary_expression':
      case 'ternary_expression':
      case 'parenthesized_expression':
        return named(node).every((c) => this.isLiteralArithmetic(c, depth + 1));
      default:
        return false;
    }
  }

  private subscript(node: Node): void {
    const index = node.childForFieldName('index');
    const ok =
      index && (isPlainNumber(index) || (index.type === 'word' && /^[@*]$/.test(index.text)));
    if (!ok) this.refuse('the command indexes an array with a value bash evaluates at run time');
  }

  /**
   * A word's value after quote removal, when the shell would not change it at run time. Anything
   * that expands (variables, substitutions, `$'…'`, brace expansion, `~`) leaves the value unknown;
   * commands inside substitutions are collected; forms that evaluate strings as code are refused.
   */
  word(node: Node, depth: number): Word {
    const word = this.wordValue(node, depth);
    if (word.value !== undefined) return word;
    const splits = splitsAtRunTime(node);
    return {
      ...word,
      ...(splits ? { splits: true } : leadsWithNonOption(node) ? { notOption: true } : {}),
    };
  }

  private wordValue(node: Node, depth: number): Word {
    if (this.tooDeep(depth)) return dynamicWord(node.text);
    const text = node.text;
    switch (node.type) {
      case 'word': {
        if (HIDDEN_CODE_UNQUOTED.test(text)) this.refuse(HIDDEN);
        // bash never puts an unescaped newline inside a word; tree-sitter sometimes does (`$⏎\cmd`).
        if (/(^|[^\\])\n/.test(text))
          this.refuse('the command has a word that runs across a line end');
        const bare = unescapeBare(text);
        if (!bare) return dynamicWord(text);
        if (BRACES.test(text) || bare.value.startsWith('~')) return dynamicWord(text);
        return { text, value: bare.value, glob: bare.glob };
      }
      case 'number':
        // `10#$(cmd)` is a number to tree-sitter, a substitution to bash.
        if (!isPlainNumber(node)) {
          for (const child of named(node)) this.word(child, depth + 1);
          return dynamicWord(text);
        }
        return staticWord(text);
      case 'raw_string':
        return { text, value: text.slice(1, -1), glob: false };
      case 'string':
      case 'translated_string': {
        let dynamic = node.type === 'translated_string';
        // A `$` the parser did not take as an expansion (`"$\<newline>(…)"`) is one bash may.
        if (all(node).some((c) => !c.isNamed && c.type === '$' && this.after(c, 1) === '\\')) {
          this.refuse(HIDDEN);
        }
        for (const child of named(node)) {
          if (child.type === 'string_content') {
            if (HIDDEN_CODE.test(child.text)) this.refuse(HIDDEN);
            continue;
          }
          dynamic = true;
          this.word(child, depth + 1);
        }
        if (dynamic) return dynamicWord(text);
        const value = text
          .slice(1, -1)
          .replace(/\\([$`"\\\n])/g, (_, c: string) => (c === '\n' ? '' : c));
        return { text, value, glob: false };
      }
      case 'concatenation':
        return this.concatenation(node, depth);
      case 'ansi_c_string':
      case 'special_variable_name':
      case 'variable_name':
        return dynamicWord(text);
      case 'simple_expansion':
        if (text.includes('\n')) this.refuse('the command has a $ that runs across a line end');
        for (const child of named(node)) {
          if (child.type !== 'variable_name' && child.type !== 'special_variable_name') {
            this.refuse(
              `the command uses an expansion the policy does not understand (${child.type})`,
            );
          }
        }
        return dynamicWord(text);
      case 'expansion':
        this.expansion(node, depth);
        return dynamicWord(text);
      case 'command_substitution':
      case 'process_substitution':
        // Inside `…` bash removes backslashes before \$, \` and \\ and parses again; the parser does not.
        // bash ends `…` at the first backquote after it, whatever the parser took for a quote,
        // a comment or a here-document inside: with none inside, both end at the same place.
        if (text.startsWith('`') && text.slice(1, -1).includes('`')) {
          this.refuse('the command nests a backquote inside `…`; use $( … )');
        }
        if (text.startsWith('`') && text.includes('\\')) {
          this.refuse(
            'the command uses a backslash inside `…`, which bash reads twice; use $( … )',
          );
        }
        for (const child of named(node)) this.statement(child, [], depth + 1);
        return dynamicWord(text);
      case 'arithmetic_expansion':
        if (!named(node).every((c) => this.isLiteralArithmetic(c, depth + 1))) {
          this.refuse('the command evaluates $(( … )) on values known only at run time');
        }
        return dynamicWord(text);
      case 'brace_expression':
        return dynamicWord(text);
      default:
        this.refuse(`the command uses shell syntax the policy does not understand (${node.type})`);
        return dynamicWord(text);
    }
  }

  private concatenation(node: Node, depth: number): Word {
    const parts = named(node);
    // Concatenated parts must cover the text exactly; anything between them is something we did not read.
    const covered = parts.reduce((n, p) => n + p.text.length, 0) === node.text.length;
    let value: string | undefined = '';
    let glob = false;
    let unquoted = '';
    for (const part of parts) {
      const w = this.word(part, depth + 1);
      if (w.value === undefined || value === undefined) {
        value = undefined;
        continue;
      }
      value += w.value;
      glob ||= w.glob;
      unquoted += part.type === 'word' ? part.text : '\u0000';
    }
    if (!covered || value === undefined) return dynamicWord(node.text);
    // Brace expansion ({a,b} or {1..3}) and a leading ~ change the words the shell passes.
    if (BRACES.test(unquoted) || unquoted.startsWith('~')) return dynamicWord(node.text);
    return { text: node.text, value, glob };
  }

  /** `${…}`: indirection, transformations and run-time offsets or subscripts evaluate code. */
  private expansion(node: Node, depth: number): void {
    // bash ends ${…} at the first } outside quotes and nested expansions, and matches quotes in
    // its patterns; tree-sitter counts braces and can end a pattern inside a quote. What is left
    // once nested expansions and strings are taken out must hold no brace or quote.
    let rest = node.text.slice(2, -1);
    for (const child of named(node)) {
      if (NESTED_PARTS.has(child.type)) rest = rest.replace(child.text, '');
    }
    if (/[{}"'`]/.test(rest)) {
      this.refuse('the command has braces or quotes inside ${…} that bash reads differently');
    }
    const children = all(node);
    const operators = children.filter(
      (c) => node.fieldNameForChild(children.indexOf(c)) === 'operator',
    );
    const first = children[1];
    if (first && !first.isNamed && first.type === '!') {
      this.refuse(
        'the command expands a variable indirectly (${!name}), which is known only at run time',
      );
    }
    // ${x@P} expands the value as a prompt string, running its substitutions; @Q, @E, @U … do not.
    const at = operators.findIndex((o) => o.type === '@');
    if (at !== -1 && !SAFE_TRANSFORMS.has(operators[at + 1]?.type ?? '')) {
      this.refuse('the command expands a value as a prompt (${…@P}), which runs code it holds');
    }
    if (operators.some((o) => o.type === ':=' || o.type === '=')) {
      this.refuse(
        'the command assigns a variable inside an expansion (${x:=…}), which later words would use',
      );
    }
    // Inside double quotes, '…' in ${x:-'…'} is not quoting: bash expands what it holds.
    if (hasDescendant(node, (d) => d.type === 'raw_string' && HIDDEN_CODE.test(d.text))) {
      this.refuse(HIDDEN);
    }
    const substring = operators.some((o) => o.type === ':');
    for (const child of named(node)) {
      switch (child.type) {
        case 'variable_name':
        case 'special_variable_name':
          break;
        case 'subscript':
          this.subscript(child);
          break;
        case 'number':
          if (!isPlainNumber(child)) this.word(child, depth + 1);
          if (substring && !isPlainNumber(child)) {
            this.refuse('the command takes a substring at an offset known only at run time');
          }
          break;
        case 'regex':
          if (HIDDEN_CODE_UNQUOTED.test(child.text)) this.refuse(HIDDEN);
          break;
        default:
          if (substring)
            this.refuse('the command takes a substring at an offset known only at run time');
          this.word(child, depth + 1);
      }
    }
  }
}

/**
 * Text tree-sitter left unparsed (a pattern, a word, here-document content) that still holds a
 * substitution bash would run: refuse rather than let a command through unseen.
 */
/** Outside double quotes process substitution runs too: `${x:-<(cmd)}`, `[[ x =~ <(cmd) ]]`. */
const HIDDEN_CODE_UNQUOTED = {
  test: (text: string) => HIDDEN_CODE.test(text) || /(?:^|[^\\])(?:\\\\)*[<>]\(/.test(text),
};
const HIDDEN_CODE = /(?:^|[^\\])(?:\\\\)*(?:\$(?:\\\n)*[({[]|`)/;

/**
 * Variables whose value cannot begin with `-` or split here: the pinned environment's and
 * bash's own that no command can set (LC_ALL can be, by `LC_ALL=… bash -c`; PWD by `env -C`).
 * Anything else (`$_`, `$BASH_COMMAND`, `$1`, `${x:-…}`) could hold an option.
 */
const NON_OPTION_VARIABLES = new Set([
  'HOME',
  'PATH',
  'HOSTNAME',
  'HOSTTYPE',
  'MACHTYPE',
  'OSTYPE',
  'BASH',
  'BASH_VERSION',
  'PPID',
  'UID',
  'EUID',
  'SHLVL',
  'RANDOM',
  'SRANDOM',
  'SECONDS',
  'LINENO',
  'EPOCHSECONDS',
  'EPOCHREALTIME',
  '$',
  '?',
  '!',
  '#',
]);

/**
 * Brace expansion: a `{` with a `,` or `..` and a `}` after it, nested or escaped ones included
 * (`{x{},-o}` is `x{} -o` to bash). Errs towards yes.
 */
const BRACES = /\{[\s\S]*(,|\.\.)[\s\S]*\}/;

/** Whether bash may split a run-time word into several (unquoted expansions, substitutions, braces). */
function splitsAtRunTime(node: Node): boolean {
  switch (node.type) {
    case 'concatenation':
      // `{x{},-o,-delete}` reaches tree-sitter as a run of plain words: the braces span them.
      return BRACES.test(node.text) || named(node).some(splitsAtRunTime);
    case 'word':
      return BRACES.test(node.text);
    case 'brace_expression':
    case 'command_substitution':
      return true;
    case 'simple_expansion':
    case 'expansion':
      return !leadsWithNonOption(node);
    default:
      return false;
  }
}

/**
 * Text that bash and tree-sitter cut differently, found before the walk. A backslash before a
 * blank or newline between tokens: tree-sitter takes the pair for whitespace, bash removes it
 * or keeps it in a word (`echo \ #; touch x` and `echo a\⏎#; touch x` hid a command behind what
 * the parser read as a comment, `tr\⏎uncate` is truncate); only the usual continuation (a
 * blank, then `\` and a newline) is accepted. And a `$'…'` string that bash ends elsewhere.
 */
function misreadText(root: Node, source: string): string | undefined {
  const leaves: [number, number, string][] = [];
  /** Here-document bodies: their text between expansions is the body's own; `quoted`: literal. */
  const bodies: { start: number; end: number; quoted: boolean }[] = [];
  const stack: Node[] = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.type === 'ansi_c_string' && !ansiCEndsWhereBashEnds(node.text)) return ANSI_C_END;
    if (node.type === 'heredoc_body' && node.parent) {
      bodies.push({
        start: node.startIndex,
        end: node.endIndex,
        quoted: quotedHeredoc(node.parent),
      });
    }
    if (node.childCount === 0) leaves.push([node.startIndex, node.endIndex, node.type]);
    else stack.push(...all(node).reverse());
  }
  leaves.sort((a, b) => a[0] - b[0]);
  let from = 0;
  for (const [start, end, type] of [...leaves, [source.length, source.length, ''] as const]) {
    // Between tokens bash sees blanks, newlines and continuations only; anything else (a Unicode
    // blank after <<, text tree-sitter left out of a here-document) was read by one of the two.
    const body = bodies.find((b) => start > b.start && start <= b.end);
    const split = body ? Math.max(from, body.start) : start;
    const blank = /^(?:[ \t\n]|\\\n)*$/.test(source.slice(from, split));
    const text = source.slice(split, start);
    if (!blank || (body && !body.quoted && /[`$\\]/.test(text))) return SKIPPED_TEXT;
    // A comment starts only after a blank or an operator; `'EOF'#` and `[]#` are one word to bash.
    if (type === 'comment' && start > 0 && !/[ \t\n;&|()<>]/.test(source.charAt(start - 1))) {
      return GLUED_COMMENT;
    }
    for (
      let k = source.indexOf('\\', from);
      k !== -1 && k < start;
      k = source.indexOf('\\', k + 1)
    ) {
      // A continuation after a blank; after a newline (or at the start) tree-sitter has eaten the
      // newline that ends the command before it.
      const before = k === 0 ? '' : source.charAt(k - 1);
      if (source.charAt(k + 1) !== '\n' || !/[ \t]/.test(before)) return STRAY_ESCAPE;
    }
    from = Math.max(from, end);
  }
  return undefined;
}

/** bash ends `$'…'` at the first quote not escaped by a backslash (`$'\\'` ends after `\\`). */
function ansiCEndsWhereBashEnds(text: string): boolean {
  for (let i = 2; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '\\') i++;
    else if (c === "'") return i === text.length - 1;
  }
  return false;
}

const SKIPPED_TEXT =
  'the command has text the parser skipped between words (a Unicode blank, or here-document text)';
const GLUED_COMMENT = 'the command has a # right after a word, which bash keeps in the word';

const ANSI_C_END =
  "the command has a $'…' string that bash ends elsewhere than the parser (a \\\\ before a quote)";

const STRAY_ESCAPE =
  'the command has a backslash before a blank or newline where bash and the parser split words differently; write the words out, or end a line with " \\" to continue it';

/** True when a run-time word's first character is fixed and not `-`, or comes from a safe variable. */
function leadsWithNonOption(node: Node): boolean {
  switch (node.type) {
    case 'word':
      // ~ expands to a home directory's path; a leading bracket set without - cannot match one.
      return (
        (/^[^-$`'"{*?[\\]/.test(node.text) && !/^~[-+]/.test(node.text)) ||
        (node.text.startsWith('[') && !globMayStartWithDash(node.text))
      );
    case 'concatenation': {
      const first = named(node)[0];
      return (
        first !== undefined && first.startIndex === node.startIndex && leadsWithNonOption(first)
      );
    }
    case 'string': {
      const first = named(node)[0];
      if (!first || first.startIndex !== node.startIndex + 1) return false;
      return first.type === 'string_content'
        ? !first.text.startsWith('-')
        : leadsWithNonOption(first);
    }
    case 'process_substitution':
      return true; // a /dev/fd/N path
    case 'simple_expansion':
      return NON_OPTION_VARIABLES.has(named(node)[0]?.text ?? '');
    case 'expansion': {
      // ${NAME} alone, or ${#NAME} (a length).
      const parts = all(node).map((c) => c.type);
      const name = named(node)[0]?.text ?? '';
      if (parts.join(' ') === '${ variable_name }') return NON_OPTION_VARIABLES.has(name);
      return (
        parts.join(' ') === '${ # variable_name }' ||
        parts.join(' ') === '${ # special_variable_name }'
      );
    }
    default:
      return false;
  }
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
