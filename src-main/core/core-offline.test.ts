/**
 * Starting without a homeserver (everything served from the cache), and a soft logout followed
 * by signing in again with the same device and the cache intact, through the real core.
 */
import { describe, expect, it } from 'vitest';
import { api, register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import {
  bodies,
  call,
  clearFaults,
  fault,
  FAST,
  next,
  seedMessages,
  seedRoom,
  sendAs,
  serverHistory,
  signIn,
  startCore,
  tempDir,
  useCleanups,
  wholeTimeline,
} from '../testing/core-harness';

const cleanup = useCleanups();

async function setup(tuning = FAST) {
  const hs = await startTestServer();
  let closed = false;
  const stopServer = async () => {
    if (!closed) await hs.close();
    closed = true;
  };
  cleanup(stopServer);
  const bob = await register(hs.url, 'bob');
  const alice = await register(hs.url, 'alice');
  const dataDir = tempDir();
  const open = async () => {
    const core = await startCore(dataDir, tuning);
    cleanup(() => core.close());
    return core;
  };
  return { url: hs.url, bob, alice, dataDir, open, stopServer };
}

describe('core: offline start', () => {
  it('serves the room list and every cached timeline with the homeserver gone', async () => {
    const { url, bob, alice, open, stopServer } = await setup();
    const lunch = await seedRoom(url, bob.userId, [alice.userId], 'Lunch');
    const books = await seedRoom(url, bob.userId, [alice.userId], 'Books');
    await seedMessages(url, lunch, bob.userId, 60, 'Lunch');
    await seedMessages(url, books, bob.userId, 3, 'Books');
    const cinema = await seedRoom(url, bob.userId, [alice.userId], 'Cinema');
    await seedMessages(url, cinema, bob.userId, 60, 'Cinema');
    let core = await open();
    await signIn(core, url, 'alice');
    const rooms = (await call(core, 'rooms.list', {})).rooms;
    expect(rooms.map((r) => r.name).sort()).toEqual(['Books', 'Cinema', 'Lunch']);
    // Scrolled up a little: Cinema 21–60 cached, a gap before them.
    const cinemaLive = await call(core, 'timeline.open', { roomId: cinema, limit: 20 });
    await call(core, 'timeline.paginate', {
      roomId: cinema,
      before: cinemaLive.items[0]!.eventId,
      limit: 20,
    });
    // Scrolled all the way up once: the whole history is cached.
    const lunchHistory = await wholeTimeline(core, lunch, 25);
    expect(bodies(lunchHistory)).toHaveLength(60);
    const latest = new Map<string, unknown>();
    for (const r of rooms) {
      latest.set(r.roomId, await call(core, 'timeline.open', { roomId: r.roomId, limit: 30 }));
    }
    await core.close();
    await stopServer();

    core = await open();
    const offline = await next(core, 'sync.status', (e) => e.data.state === 'offline', {
      afterSeq: 0,
    });
    expect(offline.data).toMatchObject({ state: 'offline', retryAt: expect.any(Number) });
    expect(await call(core, 'sync.status', {})).toMatchObject({ state: 'offline' });
    expect((await call(core, 'rooms.list', {})).rooms).toEqual(rooms);
    for (const r of rooms) {
      expect(await call(core, 'timeline.open', { roomId: r.roomId, limit: 30 })).toEqual(
        latest.get(r.roomId),
      );
    }
    expect(await wholeTimeline(core, lunch, 25)).toEqual(lunchHistory);
    expect(bodies((await call(core, 'timeline.open', { roomId: books, limit: 30 })).items)).toEqual(
      ['Books 1', 'Books 2', 'Books 3'],
    );
    // Scrolling up offline shows what the cache holds, up to the gap it cannot fill now.
    const open10 = await call(core, 'timeline.open', { roomId: cinema, limit: 10 });
    expect(bodies(open10.items)).toEqual(Array.from({ length: 10 }, (_, i) => `Cinema ${i + 51}`));
    const older = await call(core, 'timeline.paginate', {
      roomId: cinema,
      before: open10.items[0]!.eventId,
      limit: 50,
    });
    expect(bodies(older.items)).toEqual(Array.from({ length: 30 }, (_, i) => `Cinema ${i + 21}`));
    expect(older.hasMoreBefore).toBe(true);
  });
});

describe('core: soft logout', () => {
  it('stops syncing, then resumes after relogin with the same device and the cache', async () => {
    const { url, bob, alice, open } = await setup();
    const roomId = await seedRoom(url, bob.userId, [alice.userId], 'Soft');
    await seedMessages(url, roomId, bob.userId, 5, 'Earlier');
    const core = await open();
    await signIn(core, url, 'alice');
    const before = await call(core, 'timeline.open', { roomId, limit: 20 });
    const liveChunk = core.session.stores.timeline.liveChunk(roomId)?.chunkId;
    expect(liveChunk).toBeDefined();
    const { accounts } = await call(core, 'account.list', {});
    const deviceId = accounts[0]!.deviceId;

    const changed = next(
      core,
      'account.changed',
      (e) => e.data.account.state === 'soft-logged-out',
    );
    const stopped = next(core, 'sync.status', (e) => e.data.state === 'stopped');
    await api(url, 'POST', '/_test/soft_logout', { user_id: alice.userId, device_id: deviceId });
    expect((await changed).data.account).toMatchObject({ userId: alice.userId, deviceId });
    expect((await stopped).data).toMatchObject({ reason: expect.stringMatching(/sign in/i) });
    expect(await call(core, 'sync.status', {})).toMatchObject({ state: 'stopped' });
    expect((await call(core, 'account.list', {})).accounts).toEqual([
      expect.objectContaining({ userId: alice.userId, state: 'soft-logged-out' }),
    ]);
    // Signed out by the server, the cache stays readable.
    expect((await call(core, 'rooms.list', {})).rooms.map((r) => r.roomId)).toEqual([roomId]);
    expect((await call(core, 'timeline.open', { roomId, limit: 20 })).items).toEqual(before.items);

    await sendAs(url, bob, roomId, 'm.room.message', { msgtype: 'm.text', body: 'While away' });
    const resumed = next(core, 'sync.status', (e) => e.data.state === 'ok');
    const info = await call(core, 'account.relogin', {
      userId: alice.userId,
      password: 'secret-pw',
    });
    expect(info).toMatchObject({ userId: alice.userId, deviceId, state: 'active' });
    await resumed;
    // Incremental: the sync went on from the stored token, into the same live chunk (no gap).
    expect(core.session.stores.timeline.liveChunk(roomId)?.chunkId).toBe(liveChunk);
    const after = await call(core, 'timeline.open', { roomId, limit: 20 });
    expect(after.items.slice(0, before.items.length)).toEqual(before.items);
    expect(bodies(after.items)).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `Earlier ${i + 1}`),
      'While away',
    ]);
  });

  it('keeps a message whose send found the token dead, and sends it after relogin', async () => {
    const { url, bob, alice, open } = await setup({
      ...FAST,
      longPollMs: 500,
      syncTimeoutMs: 1_500,
    });
    const roomId = await seedRoom(url, bob.userId, [alice.userId], 'Soft send');
    const core = await open();
    await signIn(core, url, 'alice');
    const deviceId = (await call(core, 'account.list', {})).accounts[0]!.deviceId;

    // The sync loop is stuck in a long-poll, so the send queue is first to meet the dead token.
    await fault(url, { kind: 'hang', path_prefix: '/_matrix/client/v3/sync', times: -1 });
    const changed = next(
      core,
      'account.changed',
      (e) => e.data.account.state === 'soft-logged-out',
    );
    await api(url, 'POST', '/_test/soft_logout', { user_id: alice.userId, device_id: deviceId });
    const { localId } = await call(core, 'message.send', {
      roomId,
      kind: 'text',
      body: 'Still mine',
    });
    await changed;
    const stopped = next(core, 'sync.status', (e) => e.data.state === 'stopped');
    await clearFaults(url);
    await stopped;

    const sent = next(
      core,
      'queue.changed',
      (e) => e.data.item.localId === localId && !!e.data.removed,
    );
    const info = await call(core, 'account.relogin', {
      userId: alice.userId,
      password: 'secret-pw',
    });
    expect(info.deviceId).toBe(deviceId);
    expect((await sent).data.item.state).toBe('sent');
    const server = bodies(await serverHistory(url, bob, roomId));
    expect(server.filter((b) => b === 'Still mine')).toHaveLength(1);
  });
});
