import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import {
  AUDIT_UNAVAILABLE_MESSAGE,
  addressKey,
  auditRefusals,
  type RefusalVariables,
} from '../../src/http/middleware/audit-refusals/index.js';
import type { AuditEvent } from '../../src/core/audit/audit-record.js';
import { silentLogger } from '../../src/adapters/log/json-logger.js';

/** A small app behind the middleware: /refuse answers 401 (saying why), /big 413, /ok 200, /gone 404. */
function appWith(options: {
  record: (e: AuditEvent) => Promise<unknown>;
  now?: () => number;
  perMinute?: number;
}) {
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
      ...(options.perMinute ? { perMinute: options.perMinute } : {}),
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

  it('records a flood from one address up to the limit, says so, counts the rest, and reports the count later', async () => {
    const events: AuditEvent[] = [];
    let now = 1_000_000;
    const app = appWith({ record: async (e) => events.push(e), now: () => now });
    for (let i = 0; i < 10; i++) await app.request('/refuse', from('flooder'));
    // Another address is not held back by the flood.
    await app.request('/refuse', from('bystander'));
    expect(events.map((e) => e.address)).toEqual([
      'flooder',
      'flooder',
      'flooder',
      'flooder',
      'bystander',
    ]);
    expect(events[3]?.detail).toContain(
      'more than 3 refusals from this address this minute: the rest are counted',
    );
    now += 60_000;
    await app.request('/refuse', from('flooder'));
    expect(events.at(-1)?.detail).toBe(
      'POST /refuse: API key abc123 is not known (6 earlier refusals from this address were counted, not recorded one by one)',
    );
  });

  it('counts an IPv6 /64 as one address, and caps refusals from all addresses together', async () => {
    const events: AuditEvent[] = [];
    const app = appWith({ record: async (e) => events.push(e), perMinute: 5 });
    // Four addresses of one /64: one window, so the fourth is where its limit engages.
    for (const host of ['1', '2', '3', '4', '5'])
      await app.request('/refuse', from(`2001:db8::${host}`));
    expect(events).toHaveLength(4);
    expect(addressKey('2001:db8::1')).toBe(addressKey('2001:db8:0:0:ffff::9'));
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    // All addresses together: 5 a minute, then one record saying so.
    for (const n of [1, 2, 3, 4]) await app.request('/refuse', from(`192.0.2.${n}`));
    expect(events).toHaveLength(6);
    expect(events.at(-1)?.detail).toContain('more than 5 refusals this minute');
  });
});
