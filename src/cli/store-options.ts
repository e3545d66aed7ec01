import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { StoreMode } from '../compose/store.js';
import { UsageError } from './io.js';
import { operatorMessage } from '../core/errors.js';

/** Options every store-touching command takes. */
export const STORE_OPTIONS = {
  data: { type: 'string', default: '.data' },
  memory: { type: 'boolean', default: false },
  dynamodb: { type: 'string' },
  region: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const STORE_USAGE = '[--data DIR | --memory | --dynamodb TABLE_PREFIX [--region R]]';

export function storeMode(values: {
  data?: string;
  memory?: boolean;
  dynamodb?: string;
  region?: string;
}): StoreMode {
  if (values.memory && values.dynamodb)
    throw new UsageError('give --memory or --dynamodb, not both');
  if (values.dynamodb !== undefined)
    return {
      kind: 'dynamodb',
      tablePrefix: values.dynamodb,
      ...(values.region ? { region: values.region } : {}),
    };
  if (values.memory) return { kind: 'memory' };
  return { kind: 'embedded', dataDir: values.data ?? '.data' };
}

/** parseArgs with our error type, so a typo prints usage instead of a stack trace. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(operatorMessage(error));
  }
}

export function csv(value: string | undefined): string[] {
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}
