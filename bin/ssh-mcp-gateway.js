#!/usr/bin/env node
// Runs the TypeScript CLI with no build step between a clone and a running gateway. The sources
// are bundled once into .cache/cli (again whenever one of them changes): a process that loads one
// file of plain JavaScript is about 65 MB smaller than one that compiles every source as it
// loads. Where that cannot be done (esbuild missing, a read-only checkout), tsx compiles them.
import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Locally the AWS SDK talks to the embedded store; its Node 20 deprecation notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const cli = await loadCli();
// The first SIGINT or SIGTERM stops the gateway gracefully; a second one ends it at once.
const stop = new Promise((resolve) => {
  const first = () => {
    process.off('SIGINT', first);
    process.off('SIGTERM', first);
    resolve(undefined);
  };
  process.on('SIGINT', first);
  process.on('SIGTERM', first);
});
process.exitCode = await cli.main(process.argv.slice(2), undefined, stop);
// ssh2 and dynalite may leave sockets draining; the command is done.
process.exit();

async function loadCli() {
  const bundle = await freshBundle().catch(() => undefined);
  if (bundle) {
    try {
      return await import(pathToFileURL(bundle).href);
    } catch {
      // A bundle that does not load (another process replacing it, say): compile instead.
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/cli/main.ts');
}

/**
 * The bundle of src/cli/main.ts, built when missing or when the sources differ from those it was
 * built from (their paths and contents, with package.json and tsconfig.json: mtimes can lie).
 */
async function freshBundle() {
  const out = join(root, '.cache', 'cli', 'main.mjs');
  const stamp = `// sources ${sourcesHash()}\n`;
  if (firstLine(out) === stamp) return out;
  const { build, stop } = await import('esbuild');
  mkdirSync(dirname(out), { recursive: true });
  // Built beside and renamed into place: two processes starting together never load half a file.
  const draft = `${out}.${randomUUID()}.tmp`;
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
      banner: { js: stamp.trimEnd() },
      logLevel: 'silent',
    });
    renameSync(draft, out);
  } finally {
    rmSync(draft, { force: true });
    // esbuild's service process would otherwise live as long as the gateway.
    await stop?.();
  }
  return out;
}

function sourcesHash() {
  const hash = createHash('sha256');
  const add = (path) => hash.update(`${relative(root, path)}\0`).update(readFileSync(path));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else add(path);
    }
  };
  walk(join(root, 'src'));
  add(join(root, 'package.json'));
  add(join(root, 'tsconfig.json'));
  return hash.digest('hex');
}

function firstLine(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(128);
    const text = head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('utf8');
    return text.slice(0, text.indexOf('\n') + 1);
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
