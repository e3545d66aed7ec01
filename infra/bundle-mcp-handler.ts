import { build, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASM_FILES, wasmPaths } from '../src/adapters/shell/tree-sitter-parser.js';

const HERE = fileURLToPath(import.meta.url);
export const MCP_HANDLER_ENTRY = resolve(HERE, '../../functions/mcp.ts');

/**
 * zod re-exports every locale as a namespace (`z.locales`), which esbuild cannot tree-shake; the
 * gateway uses only the default English messages, so the bundle gets an index with just `en`
 * (262 KB less).
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
    }));
  },
};

/** The SDK's Node shims with the small JSON Schema validator (see mcp-node-shims.ts). */
const mcpSmallValidator: Plugin = {
  name: 'mcp-small-validator',
  setup(b) {
    b.onResolve({ filter: /^@modelcontextprotocol\/server\/_shims$/ }, () => ({
      path: resolve(HERE, '../mcp-node-shims.ts'),
    }));
  },
};

export interface Bundle {
  readonly file: string;
  readonly bytes: number;
  /** index.js plus the parser's WASM files. */
  readonly totalBytes: number;
}

/**
 * The one way the Lambda handler is built — by the CDK stack, the bundled-handler test and the
 * bench alike. CommonJS for Node 22; `cpu-features` and ssh2's optional native crypto binding
 * stay out (ssh2 falls back to JS); the AWS SDK is bundled so the code that runs is the code that
 * was tested. The parser's WASM files are copied beside index.js.
 */
export async function bundleMcpHandler(outDir: string): Promise<Bundle> {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'index.js');
  await build({
    entryPoints: [MCP_HANDLER_ENTRY],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    external: ['cpu-features', '*.node'],
    // ESM dependencies (web-tree-sitter) read import.meta.url; in CommonJS it is the bundle file's URL.
    banner: { js: 'const __bundleUrl = require("url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__bundleUrl' },
    mainFields: ['module', 'main'],
    plugins: [zodEnglishOnly, mcpSmallValidator],
    logLevel: 'error',
  });
  const wasm = wasmPaths();
  copyFileSync(wasm.runtime, join(outDir, WASM_FILES.runtime));
  copyFileSync(wasm.bash, join(outDir, WASM_FILES.bash));
  const bytes = statSync(file).size;
  return {
    file,
    bytes,
    totalBytes:
      bytes +
      statSync(join(outDir, WASM_FILES.runtime)).size +
      statSync(join(outDir, WASM_FILES.bash)).size,
  };
}

/** The same bundle, built in a child process: CDK's local bundling hook must be synchronous. */
export function bundleMcpHandlerSync(outDir: string): void {
  execFileSync(process.execPath, ['--import', 'tsx', HERE, outDir], { stdio: 'inherit' });
}

if (process.argv[1] === HERE && process.argv[2]) {
  await bundleMcpHandler(process.argv[2]);
}
