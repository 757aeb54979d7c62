/**
 * What the server hands over may be hostile: JSON nested 22,000 levels deep (44 KB, under the
 * 64 KiB an event may take) in an event, a to-device message or account data. Through the real
 * core and the test homeserver, which stores and relays such JSON as a permissive server would.
 */
import { describe, expect, it } from 'vitest';
import {
  api,
  register,
  startTestServer,
  type TestUser,
} from '../../e2e/homeserver/testing/helpers';
import {
  bodies,
  call,
  callError,
  next,
  seedMessages,
  seedRoom,
  signIn,
  startCore,
  tempDir,
  useCleanups,
  wholeTimeline,
} from '../testing/core-harness';

const cleanup = useCleanups();
const CS = '/_matrix/client/v3';
const DEPTH = 22_000;
/** JSON text of an object holding `DEPTH` nested arrays (JSON.stringify cannot write it). */
const deepJson = (tag: string) => `{"tag":"${tag}","x":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`;

async function put(url: string, user: TestUser, path: string, raw: string): Promise<void> {
  const r = await api(url, 'PUT', path, raw, user.token);
  if (r.status !== 200) throw new Error(`PUT ${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Appends events through the control API with a raw JSON body. */
async function appendRaw(url: string, roomId: string, raw: string): Promise<string[]> {
  const path = `/_test/rooms/${encodeURIComponent(roomId)}/events`;
  const r = await api(url, 'POST', path, raw);
  if (r.status !== 200) throw new Error(`append: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.event_ids as string[];
}

const text = (body: string) =>
  `{"type":"m.room.message","content":{"msgtype":"m.text","body":"${body}"}}`;
const deepEvent = (tag: string) => `{"type":"m.room.message","content":${deepJson(tag)}}`;

describe('core: deeply nested JSON from the server', () => {
  it('skips the bad items alone: the sync token advances and the rest lands', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const bob = await register(hs.url, 'bob');
    const alice = await register(hs.url, 'alice');
    const roomId = await seedRoom(hs.url, bob.userId, [alice.userId], 'Hostile');
    // In the history the initial sync leaves behind a gap: reached by /messages.
    const [, oldDeep] = await appendRaw(
      hs.url,
      roomId,
      `{"sender":"${bob.userId}","events":[${text('old before')},${deepEvent('old')},${text('old after')}]}`,
    );
    await seedMessages(hs.url, roomId, bob.userId, 25, 'Filler');

    const core = await startCore(tempDir());
    cleanup(() => core.close());
    await signIn(core, hs.url, 'alice');
    const stores = core.session.stores;
    const tokenBefore = stores.session.get()!.syncToken;
    await call(core, 'timeline.open', { roomId, limit: 20 });
    const aliceDevice = core.accounts.session(alice.userId).deviceId;

    const toDevice = (tag: string, content: string) =>
      put(
        hs.url,
        bob,
        `${CS}/sendToDevice/m.test/${tag}`,
        `{"messages":{"${alice.userId}":{"${aliceDevice}":${content}}}}`,
      );
    await toDevice('deep', deepJson('to-device'));
    await toDevice('fine', '{"ok":true}');
    const me = encodeURIComponent(alice.userId);
    await put(hs.url, alice, `${CS}/user/${me}/account_data/x.deep`, deepJson('global'));
    await put(hs.url, alice, `${CS}/user/${me}/account_data/x.fine`, '{"ok":true}');
    const room = encodeURIComponent(roomId);
    await put(
      hs.url,
      alice,
      `${CS}/user/${me}/rooms/${room}/account_data/x.deep`,
      deepJson('room'),
    );
    await put(hs.url, alice, `${CS}/user/${me}/rooms/${room}/account_data/x.fine`, '{"ok":1}');
    const arrived = next(core, 'timeline.appended', (e) =>
      e.data.items.some((i) => i.content.body === 'after'),
    );
    const [, deepId] = await appendRaw(
      hs.url,
      roomId,
      `{"sender":"${bob.userId}","events":[${text('before')},${deepEvent('live')},${text('after')}]}`,
    );
    await arrived;

    expect(stores.session.get()!.syncToken).not.toBe(tokenBefore);
    expect(await call(core, 'sync.status', {})).toEqual({ state: 'ok' });
    const page = await call(core, 'timeline.open', { roomId, limit: 5 });
    expect(bodies(page.items).slice(-2)).toEqual(['before', 'after']);
    expect(stores.events.get(deepId!)).toBeUndefined();
    // The well-formed to-device message went to the crypto machine; nothing waits in the inbox.
    expect(stores.cryptoInbox.toDevice()).toEqual([]);
    expect(stores.accountData.get('', 'x.fine')).toEqual({ ok: true });
    expect(stores.accountData.get('', 'x.deep')).toBeUndefined();
    expect(stores.accountData.get(roomId, 'x.fine')).toEqual({ ok: 1 });
    expect(stores.accountData.get(roomId, 'x.deep')).toBeUndefined();

    // /messages over the gap: the old deep event is skipped, its neighbours land.
    const all = bodies(await wholeTimeline(core, roomId, 20));
    expect(all.slice(0, 3)).toEqual(['old before', 'old after', 'Filler 1']);
    expect(all.slice(-2)).toEqual(['before', 'after']);
    // /context around it: a clear error, not a crash.
    const err = await callError(core, 'timeline.jumpTo', { roomId, eventId: oldDeep!, limit: 10 });
    expect(err.message).toMatch(/nested more than 100 levels/);
  });
});
