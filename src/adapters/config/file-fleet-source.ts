import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { FleetSource } from '../../core/deps.js';
import { Fleet } from '../../core/fleet/fleet.js';
import { AppError, ConfigError } from '../../core/errors.js';

/**
 * Parses a fleet document (YAML, and so JSON too) from text. Syntax errors and schema problems
 * all come back as one ConfigError listing each by line or path. Key files resolve relative to
 * `baseDir`.
 */
export function parseFleet(text: string, options: { source: string; baseDir?: string }): Fleet {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      options.source,
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  return Fleet.fromDocument(doc.toJS(), {
    source: options.source,
    readKeyFile: (path) => {
      const full = isAbsolute(path) || !options.baseDir ? path : resolve(options.baseDir, path);
      try {
        return readFileSync(full, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new AppError(
          'CONFIG_INVALID',
          code === 'ENOENT'
            ? `cannot read ${path}: no such file`
            : `cannot read ${path} (${code ?? 'error'})`,
          { cause: error },
        );
      }
    },
  });
}

/** Loads a fleet YAML file. */
export function loadFleetFile(path: string): Fleet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  return parseFleet(text, { source: path, baseDir: dirname(resolve(path)) });
}

/** A fleet loaded once from a file at start; a missing file is an empty fleet. */
export class FileFleetSource implements FleetSource {
  readonly fleet: Fleet;
  readonly missing: boolean;

  constructor(readonly path: string) {
    this.missing = !existsSync(path);
    this.fleet = this.missing ? Fleet.empty() : loadFleetFile(path);
  }

  async current(): Promise<Fleet> {
    return this.fleet;
  }
}
