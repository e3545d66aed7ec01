#!/usr/bin/env node
// Runs the TypeScript CLI with no build step between a clone and a running gateway. The sources
// are bundled once into .cache/cli (again whenever one of them changes): a process that loads one
// file of plain JavaScript is about 65 MB smaller than one that compiles every source as it
// loads. Where that cannot be done (esbuild missing, a read-only checkout), tsx compiles them.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Locally the AWS SDK talks to the embedded store; its Node 20 deprecation notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const bundle = await freshBundle().catch(() => undefined);
let cli;
if (bundle) cli = await import(pathToFileURL(bundle).href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
const stop = new Promise((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
process.exitCode = await cli.main(process.argv.slice(2), undefined, stop);
// ssh2 and dynalite may leave sockets draining; the command is done.
process.exit();

/** The bundle of src/cli/main.ts, built when missing or older than any source. */
async function freshBundle() {
  const out = join(root, '.cache', 'cli', 'main.mjs');
  const sources = Math.max(newest(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs);
  if (modified(out) >= sources) return out;
  const { build } = await import('esbuild');
  mkdirSync(dirname(out), { recursive: true });
  // Built beside and renamed into place: two processes starting together never load half a file.
  const draft = `${out}.${process.pid}.tmp`;
  try {
    await build({
      entryPoints: [join(root, 'src', 'cli', 'main.ts')],
      outfile: draft,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Dependencies load from node_modules as they would from the sources.
      packages: 'external',
      logLevel: 'silent',
    });
    renameSync(draft, out);
  } finally {
    rmSync(draft, { force: true });
  }
  return out;
}

/** The latest change below `dir`: a file's or a folder's (a file removed changes its folder). */
function newest(dir) {
  let latest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function modified(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}
