/** Where a command writes; tests capture it, the bin passes the console. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

export const consoleIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Thrown for a malformed command line; main prints it with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
