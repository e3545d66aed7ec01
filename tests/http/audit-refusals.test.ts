import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import {
  AUDIT_UNAVAILABLE_MESSAGE,
  auditRefusals,
  type RefusalVariables,
} from '../../src/http/middleware/audit-refusals/index.js';
import type { AuditEvent } from '../../src/core/audit/audit-record.js';
import { silentLogger } from '../../src/adapters/log/json-logger.js';

/** A small app behind the middleware: /refuse answers 401 (saying why), /big 413, /ok 200, /gone 404. */
function appWith(options: { record: (e: AuditEvent) => Promise<unknown>; now?: () => number }) {
  const app = new Hono<{ Variables: RefusalVariables }>();
  app.onError((error, c) =>
    error instanceof HTTPException
      ? c.json({ error: 'refused', message: error.message }, error.status)
      : c.json({ error: 'internal' }, 500),
  );
  app.use('*', requestId());
  app.use(
    '*',
    auditRefusals({
      record: options.record,
      clientAddress: (c) => c.req.header('x-test-address') ?? 'unknown',
      logger: silentLogger,
      perAddressPerMinute: 3,
      clock: { now: () => new Date(options.now?.() ?? 0) },
    }),
  );
  app.post('/refuse', (c) => {
    c.set('refusal', 'API key abc123 is not known');
    throw new HTTPException(401, { message: 'send a valid key' });
  });
  app.post('/big', (c) => c.json({ message: 'too large' }, 413, { connection: 'close' }));
  app.post('/ok', (c) => c.json({ ok: true }));
  return app;
}

const from = (address: string) => ({ method: 'POST', headers: { 'x-test-address': address } });

describe('auditRefusals', () => {
  it('records a refusal with the reason the refuser gave, the address and the request id, after the answer is made', async () => {
    const events: AuditEvent[] = [];
    const app = appWith({ record: async (e) => events.push(e) });
    const res = await app.request('/refuse', from('192.0.2.7'));
    expect(res.status).toBe(401);
    expect(events).toEqual([
      {
        type: 'request.refused',
        requestId: res.headers.get('x-request-id'),
        user: '-',
        outcome: '401',
        detail: 'POST /refuse: API key abc123 is not known',
        address: '192.0.2.7',
      },
    ]);
  });

  it('takes the reason from the JSON answer when the refuser set none, and records nothing for 2xx or 404', async () => {
    const events: AuditEvent[] = [];
    const app = appWith({ record: async (e) => events.push(e) });
    await app.request('/big', from('a'));
    await app.request('/ok', from('a'));
    await app.request('/nowhere', from('a'));
    expect(events.map((e) => [e.outcome, e.detail])).toEqual([['413', 'POST /big: too large']]);
  });

  it('answers 503 when the record cannot be written, and keeps Connection: close', async () => {
    const app = appWith({ record: () => Promise.reject(new Error('table gone')) });
    const res = await app.request('/big', from('a'));
    expect(res.status).toBe(503);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toEqual({ error: 'unavailable', message: AUDIT_UNAVAILABLE_MESSAGE });
    expect((await app.request('/ok', from('a'))).status).toBe(200);
  });

  it('records a flood from one address up to the limit, counts the rest, and says so with its next refusal', async () => {
    const events: AuditEvent[] = [];
    let now = 1_000_000;
    const app = appWith({ record: async (e) => events.push(e), now: () => now });
    for (let i = 0; i < 10; i++) await app.request('/refuse', from('flooder'));
    // Another address is not held back by the flood.
    await app.request('/refuse', from('bystander'));
    expect(events.map((e) => e.address)).toEqual(['flooder', 'flooder', 'flooder', 'bystander']);
    now += 60_000;
    await app.request('/refuse', from('flooder'));
    expect(events.at(-1)?.detail).toBe(
      'POST /refuse: API key abc123 is not known (and 7 earlier refusals from this address, counted, not recorded one by one)',
    );
  });
});
