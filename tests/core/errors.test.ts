import { describe, expect, it } from 'vitest';
import {
  AppError,
  InternalError,
  INTERNAL_MESSAGE,
  logDetail,
  operatorMessage,
  publicMessage,
} from '../../src/core/errors.js';
import { SshConnectError } from '../../src/adapters/ssh/connect.js';
import { ChannelOpenError, ConnectionLostError } from '../../src/adapters/ssh/run-on-connection.js';
import { UsageError } from '../../src/cli/io.js';

describe('one error hierarchy, and the text made of anything thrown', () => {
  it('shows an AppError’s own message outside the process, and nothing of any other error', () => {
    expect(publicMessage(new AppError('LIMIT', 'too many jobs'))).toBe('too many jobs');
    const secretish = new Error('ENOENT: open /etc/smg/keys/prod_ed25519');
    expect(publicMessage(secretish)).toBe(INTERNAL_MESSAGE);
    expect(publicMessage('thrown text', 'the SSH channel failed')).toBe('the SSH channel failed');
    // A broken invariant's words are logged, not shown.
    expect(publicMessage(new InternalError('host web-1 names unknown credential prod-key'))).toBe(
      INTERNAL_MESSAGE,
    );
  });

  it('logs the name, code, message and causes behind an error, on one line', () => {
    const root = new Error('socket hang up');
    const wrapped = new AppError('STORE', 'a stored job is unreadable', { cause: root });
    expect(logDetail(wrapped)).toBe(
      'AppError [STORE]: a stored job is unreadable; caused by Error: socket hang up',
    );
    expect(logDetail({ status: 503 })).toBe('{ status: 503 }');
    expect(logDetail('plain')).toBe('plain');
  });

  it('tells whoever runs the gateway what is not public, too', () => {
    expect(operatorMessage(new Error('EACCES: permission denied'))).toBe(
      'Error: EACCES: permission denied',
    );
    expect(operatorMessage(new UsageError('users add NAME --role R'))).toBe(
      'users add NAME --role R',
    );
  });

  it('makes the SSH adapter’s and the CLI’s errors AppErrors with codes', () => {
    expect(new SshConnectError('timeout', 'no answer')).toMatchObject({ code: 'UNREACHABLE' });
    expect(new SshConnectError('denied', 'refused address')).toMatchObject({ code: 'FORBIDDEN' });
    expect(new ChannelOpenError('open failed')).toBeInstanceOf(AppError);
    expect(new ConnectionLostError('gone', true)).toMatchObject({
      code: 'UNREACHABLE',
      unspooled: true,
    });
    expect(new UsageError('bad')).toMatchObject({ code: 'INVALID_INPUT' });
    expect(new InternalError('bug')).toMatchObject({ code: 'INTERNAL' });
  });
});
