import { inspect } from 'node:util';

/**
 * The one error hierarchy: everything the gateway throws on purpose — core, adapters (SSH, the
 * store, HTTP fetches), compose, CLI — is an `AppError` with a `code`. `message` is public: it is
 * shown to the model and to CLI users, so it never carries secrets, key material or stack traces.
 * Internal detail goes in `cause`. `publicMessage` and `logDetail` turn anything thrown into text.
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'INVALID_INPUT'
  | 'CONFIG_INVALID'
  | 'CONFLICT'
  | 'LIMIT'
  /** A stored item could not be read or written (unreadable, malformed, the store down). */
  | 'STORE'
  /** A host or a service could not be reached, or dropped the connection. */
  | 'UNREACHABLE'
  /** A broken promise of the code itself: a bug, never the caller's doing. */
  | 'INTERNAL';

export class AppError extends Error {
  override readonly name: string = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class InvalidInputError extends AppError {
  override readonly name = 'InvalidInputError';
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CONFLICT', message, options);
  }
}

/** A configuration document that failed validation; `problems` are `path: message` lines. */
export class ConfigError extends AppError {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super('CONFIG_INVALID', `${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** What is said outside the process of an error that is not an AppError. */
export const INTERNAL_MESSAGE = 'internal error (see the gateway log)';

/**
 * The message safe to show outside the process for any thrown value: an AppError's own, anything
 * else `fallback` (log it with `logDetail`).
 */
export function publicMessage(error: unknown, fallback = INTERNAL_MESSAGE): string {
  // A broken invariant's words are the code's, not the caller's business: logged, not shown.
  if (error instanceof AppError && error.code !== 'INTERNAL') return error.message;
  return fallback;
}

/**
 * Anything thrown as one line for the log: its name, message and the causes behind it (never
 * shown outside the process; a stack is not included).
 */
export function logDetail(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 4; depth++) {
    if (current instanceof Error) {
      const code = current instanceof AppError ? ` [${current.code}]` : '';
      parts.push(`${current.name}${code}: ${current.message}`);
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : inspect(current, { depth: 2 }));
      current = undefined;
    }
  }
  return parts.join('; caused by ');
}

/**
 * For whoever runs the gateway (the CLI's terminal, a config file's problems): the public message,
 * or — for what is not an AppError — the log's detail, which is theirs to see.
 */
export function operatorMessage(error: unknown): string {
  return publicMessage(error, logDetail(error));
}

/** A broken invariant of the gateway's own code: a bug to report, not the caller's doing. */
export class InternalError extends AppError {
  override readonly name = 'InternalError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INTERNAL', message, options);
  }
}
