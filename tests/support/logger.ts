import { jsonLogger } from '../../src/adapters/log/json-logger.js';
import type { Logger } from '../../src/core/ports.js';

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

/** The gateway's own JSON logger, writing its lines into `lines` instead of stderr. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { logger: jsonLogger((line) => lines.push(JSON.parse(line) as LogLine)), lines };
}
