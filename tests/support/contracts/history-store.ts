import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Clock, HistoryStore } from '../../../src/core/ports.js';
import type { HistoryEntry } from '../../../src/core/exec/history-entry.js';
import { movableClock } from '../fixtures.js';

/**
 * What every HistoryStore must do: a host's items newest first, at most `limit`, an item past
 * its `expiresAt` absent (by the store's clock), and several stored at once like one by one.
 */
export function historyStoreContract(
  name: string,
  open: (clock: Clock) => Promise<HistoryStore>,
): void {
  describe(`HistoryStore contract: ${name}`, () => {
    const entry = (host: string, id: string, time: string, expiresAt: number): HistoryEntry => ({
      id,
      host,
      user: 'alice',
      command: `uptime # ${id}`,
      status: 'ok',
      exitCode: 0,
      stdout: 'up 3 days',
      stderr: '',
      truncated: false,
      durationMs: 5,
      time,
      requestId: `req-${id}`,
      expiresAt,
    });

    it('lists a host’s items newest first, at most `limit`, and no other host’s', async () => {
      const clock = movableClock('2026-06-01T00:00:00Z');
      const history = await open(clock);
      const host = `web-${randomBytes(4).toString('hex')}`;
      const later = clock.seconds() + 100;
      const items = [
        entry(host, '1', '2026-05-31T00:00:00Z', later),
        entry(host, '2', '2026-05-31T01:00:00Z', later),
        entry(host, '3', '2026-05-31T02:00:00Z', later),
      ];
      await history.put(items[0]!);
      await history.putMany([
        items[2]!,
        items[1]!,
        entry(`${host}-other`, '4', '2026-05-31T03:00:00Z', later),
      ]);
      expect(await history.listByHost(host, 10)).toEqual([items[2], items[1], items[0]]);
      expect((await history.listByHost(host, 2)).map((e) => e.id)).toEqual(['3', '2']);
    });

    it('treats an item past its expiry as absent', async () => {
      const clock = movableClock('2026-06-01T00:00:00Z');
      const history = await open(clock);
      const host = `db-${randomBytes(4).toString('hex')}`;
      await history.put(entry(host, 'kept', '2026-05-31T00:00:00Z', clock.seconds() + 100));
      await history.put(entry(host, 'gone', '2026-05-31T01:00:00Z', clock.seconds() - 1));
      expect((await history.listByHost(host, 10)).map((e) => e.id)).toEqual(['kept']);
      clock.advance(101_000);
      expect(await history.listByHost(host, 10)).toEqual([]);
    });
  });
}
