/**
 * The send queue through the real core: pending messages survive a restart of the core and an
 * offline period (faults, then a homeserver that is gone and comes back), and each one reaches
 * the room exactly once.
 */
import { describe, expect, it } from 'vitest';
import { startHomeserver } from '../../e2e/homeserver';
import { register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import type { Core } from './core';
import {
  bodies,
  call,
  clearFaults,
  fault,
  next,
  roomPrefix,
  seedRoom,
  serverHistory,
  signIn,
  startCore,
  tempDir,
  useCleanups,
} from '../testing/core-harness';

const cleanup = useCleanups();

/** Resolves once every one of `localIds` left the queue (retired by its synced event). */
function allSent(core: Core, localIds: string[]): Promise<void> {
  const left = new Set(localIds);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`still queued: ${[...left].join(', ')}`)), 15_000);
    const off = core.onEvent((e) => {
      if (e.type !== 'queue.changed' || !e.data.removed || e.data.item.state !== 'sent') return;
      left.delete(e.data.item.localId);
      if (left.size === 0) {
        clearTimeout(t);
        off();
        resolve();
      }
    });
  });
}

describe('core: send queue', () => {
  it('keeps unsent messages across a restart and sends each once when the server accepts', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const bob = await register(hs.url, 'bob');
    const alice = await register(hs.url, 'alice');
    const roomId = await seedRoom(hs.url, bob.userId, [alice.userId], 'Queue');
    const dataDir = tempDir();
    let core = await startCore(dataDir);
    await signIn(core, hs.url, 'alice');

    await fault(hs.url, { kind: 'drop', path_prefix: `${roomPrefix(roomId)}/send/`, times: -1 });
    const texts = ['one', 'two', 'three'];
    const localIds: string[] = [];
    for (const body of texts) {
      localIds.push((await call(core, 'message.send', { roomId, kind: 'text', body })).localId);
    }
    const before = (await call(core, 'queue.list', {})).items;
    await core.close();

    core = await startCore(dataDir);
    const queued = (await call(core, 'queue.list', {})).items;
    expect(queued.map((i) => [i.localId, i.state])).toEqual(localIds.map((id) => [id, 'pending']));
    // Same transaction ids as before the restart: a resend can never duplicate.
    expect(queued.map((i) => i.txnId)).toEqual(before.map((i) => i.txnId));
    const page = await call(core, 'timeline.open', { roomId, limit: 20 });
    expect(page.items.filter((i) => i.local).map((i) => [i.content.body, i.local!.state])).toEqual(
      texts.map((t) => [t, 'pending']),
    );

    const sent = allSent(core, localIds);
    await clearFaults(hs.url);
    await sent;
    expect((await call(core, 'queue.list', {})).items).toEqual([]);
    const server = bodies(await serverHistory(hs.url, bob, roomId));
    expect(server.filter((b) => texts.includes(b))).toEqual(texts);
    const cached = bodies((await call(core, 'timeline.open', { roomId, limit: 20 })).items);
    expect(cached.filter((b) => texts.includes(b))).toEqual(texts);
    await core.close();
  });

  it('sends a message written while the homeserver was down once it is back', async () => {
    const hsDir = tempDir('hs-');
    const opts = { dataDir: hsDir, testMode: true, serverName: 'test.local' };
    let hs = await startHomeserver({ ...opts, port: 0 });
    cleanup(() => hs.close());
    const bob = await register(hs.url, 'bob');
    const alice = await register(hs.url, 'alice');
    const roomId = await seedRoom(hs.url, bob.userId, [alice.userId], 'Outage');
    const core = await startCore(tempDir());
    cleanup(() => core.close());
    await signIn(core, hs.url, 'alice');

    const offline = next(core, 'sync.status', (e) => e.data.state === 'offline');
    await hs.close();
    await offline;
    const { localId } = await call(core, 'message.send', {
      roomId,
      kind: 'text',
      body: 'sent while the server was down',
    });
    expect((await call(core, 'queue.list', {})).items).toEqual([
      expect.objectContaining({ localId, state: 'pending' }),
    ]);

    const sent = allSent(core, [localId]);
    const back = next(core, 'sync.status', (e) => e.data.state === 'ok');
    hs = await startHomeserver({ ...opts, port: hs.port });
    await back;
    await sent;
    const server = bodies(await serverHistory(hs.url, bob, roomId));
    expect(server.filter((b) => b === 'sent while the server was down')).toHaveLength(1);
    const page = await call(core, 'timeline.open', { roomId, limit: 20 });
    expect(page.items.at(-1)).toMatchObject({
      sender: alice.userId,
      content: { body: 'sent while the server was down' },
    });
    expect(page.items.at(-1)!.local).toBeUndefined();
  });
});
