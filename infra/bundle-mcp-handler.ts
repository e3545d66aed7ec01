import { buildSync } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WASM_FILES, wasmPaths } from '../src/adapters/shell/tree-sitter-parser.js';

export const MCP_HANDLER_ENTRY = resolve(import.meta.dirname ?? __dirname, '../functions/mcp.ts');

/**
 * The one way the Lambda handler is built — by the CDK stack, the bundled-handler test and the
 * bench alike. CommonJS for Node 22; `cpu-features` and ssh2's optional native crypto binding
 * stay out (ssh2 falls back to JS); the AWS SDK is bundled so the code that runs is the code
 * that was tested. The parser's WASM files are copied beside index.js.
 */
export function bundleMcpHandler(outDir: string): { file: string; bytes: number; totalBytes: number } {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'index.js');
  buildSync({
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
    logLevel: 'error',
  });
  const wasm = wasmPaths();
  copyFileSync(wasm.runtime, join(outDir, WASM_FILES.runtime));
  copyFileSync(wasm.bash, join(outDir, WASM_FILES.bash));
  const bytes = statSync(file).size;
  const totalBytes = bytes + statSync(join(outDir, WASM_FILES.runtime)).size + statSync(join(outDir, WASM_FILES.bash)).size;
  return { file, bytes, totalBytes };
}
