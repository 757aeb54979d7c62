import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import type { AppEvent, AppEventOf, AppEventType } from '../model/events';
import { Core, createCore } from './core';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const hs = await startTestServer();
  cleanups.push(() => hs.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'core-'));
  const core = (await createCore({ dataDir, appVersion: '0.0.0' })) as Core;
  cleanups.push(() => core.close());
  const seen: AppEvent[] = [];
  core.onEvent((e) => seen.push(e));
  return { hs, core, dataDir, seen };
}

/** Resolves with the first pushed event of `type` matching `pred`. */
function next<T extends AppEventType>(
  core: Core,
  type: T,
  pred: (e: AppEventOf<T>) => boolean = () => true,
) {
  return new Promise<AppEventOf<T>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${type} event`)), 10_000);
    const off = core.onEvent((e) => {
      if (e.type === type && pred(e as AppEventOf<T>)) {
        clearTimeout(t);
        off();
        resolve(e as AppEventOf<T>);
      }
    });
  });
}

async function ok<T>(p: Promise<{ ok: boolean; value?: unknown; error?: unknown }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`command failed: ${JSON.stringify(r.error)}`);
  return r.value as T;
}

describe('core', () => {
  it('signs in, syncs the room list, sends with a local echo that the synced event replaces', async () => {
    const { hs, core } = await setup();
    const bob = await register(hs.url, 'bob');
    await register(hs.url, 'alice');
    const room = await api(
      hs.url,
      'POST',
      '/_matrix/client/v3/createRoom',
      { name: 'Lunch', invite: ['@alice:test.local'] },
      bob.token,
    );
    const roomId = room.body.room_id as string;

    const synced = next(core, 'sync.status', (e) => e.data.state === 'ok');
    const info = await ok<{ userId: string }>(
      core.handle('account.login', { server: hs.url, username: 'alice', password: 'secret-pw' }),
    );
    expect(info.userId).toBe('@alice:test.local');
    await synced;
    const list = await ok<{ rooms: { roomId: string; name: string; membership: string }[] }>(
      core.handle('rooms.list', {}),
    );
    expect(list.rooms).toEqual([
      expect.objectContaining({ roomId, name: 'Lunch', membership: 'invite' }),
    ]);

    await ok(core.handle('rooms.join', { roomIdOrAlias: roomId }));
    await ok(core.handle('timeline.open', { roomId, limit: 20 }));
    const joined = next(core, 'rooms.changed', (e) =>
      e.data.rooms.some((r) => r.roomId === roomId && r.membership === 'join'),
    );
    await joined;

    const echo = next(core, 'timeline.appended', (e) =>
      e.data.items.some((i) => i.local !== undefined),
    );
    const real = next(core, 'timeline.appended', (e) =>
      e.data.items.some((i) => i.content.body === 'hello **bob**' && !i.local),
    );
    const removed = next(core, 'timeline.removed');
    const { localId } = await ok<{ localId: string }>(
      core.handle('message.send', { roomId, kind: 'text', body: 'hello **bob**' }),
    );
    expect((await echo).data.items[0]!.local).toMatchObject({ localId, state: 'pending' });
    const synced2 = await real;
    expect((await removed).data.eventIds).toEqual([`local:${localId}`]);
    expect(synced2.data.items.at(-1)!.content).toMatchObject({
      formatted_body: 'hello <strong>bob</strong>',
    });

    const page = await ok<{ items: { content: Record<string, unknown> }[] }>(
      core.handle('timeline.open', { roomId, limit: 20 }),
    );
    expect(page.items.at(-1)!.content.body).toBe('hello **bob**');
    const queue = await ok<{ items: unknown[] }>(core.handle('queue.list', {}));
    expect(queue.items).toEqual([]);

    // Bob reads it: the receipt is pushed, and a room opened later reads it from the cache.
    const eventId = (synced2.data.items.at(-1) as { eventId: string }).eventId;
    const pushed = next(core, 'receipts.changed', (e) => e.data.roomId === roomId);
    await api(
      hs.url,
      'POST',
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/receipt/m.read/${encodeURIComponent(eventId)}`,
      {},
      bob.token,
    );
    expect((await pushed).data.receipts).toEqual([
      expect.objectContaining({ userId: bob.userId, eventId }),
    ]);
    const listed = await ok<{ receipts: { userId: string; eventId: string }[] }>(
      core.handle('receipts.list', { roomId }),
    );
    expect(listed.receipts).toContainEqual(
      expect.objectContaining({ userId: bob.userId, eventId }),
    );
  });
});
