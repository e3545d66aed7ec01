/**
 * Errors the domain raises. `message` is public: it is shown to the model and to CLI users, so it
 * never carries secrets, key material or stack traces. Internal detail goes in `cause`.
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'INVALID_INPUT'
  | 'CONFIG_INVALID'
  | 'POLICY_DENIED'
  | 'CONFLICT'
  | 'LIMIT'
  | 'STORE'
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

/** The message safe to show outside the process for any thrown value. */
export function publicMessage(error: unknown): string {
  if (error instanceof AppError) return error.message;
  return 'internal error (see the gateway log)';
}
