import { AppError } from '../core/errors.js';
/** Where a command writes; tests capture it, the bin passes the console. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  /** Output reaches a person's terminal, not a log or a service manager's journal. */
  readonly terminal?: boolean;
}

export const consoleIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  terminal: process.stdout.isTTY,
};

/** Thrown for a malformed command line; main prints it with the usage. */
export class UsageError extends AppError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}
