/**
 * Room operations through the real core: create a room and a DM (recorded in `m.direct`),
 * accept and reject invites, name and topic, invite, members fetched once, leave and forget.
 */
import { describe, expect, it, vi } from 'vitest';
import { api, register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import {
  FAST,
  call,
  callError,
  next,
  signIn,
  startCore,
  tempDir,
  useCleanups,
} from '../testing/core-harness';

const cleanup = useCleanups();

async function setup() {
  const hs = await startTestServer();
  cleanup(() => hs.close());
  const bob = await register(hs.url, 'bob');
  await register(hs.url, 'alice');
  const core = await startCore(tempDir());
  cleanup(() => core.close());
  await signIn(core, hs.url, 'alice');
  return { hs, bob, core };
}

describe('core: rooms', () => {
  it('creates a DM recorded in m.direct, and a named room with a topic', async () => {
    const { core } = await setup();
    const dmShown = next(core, 'rooms.changed', (e) => e.data.rooms.some((r) => r.isDirect));
    const { roomId: dm } = await call(core, 'rooms.create', {
      invite: ['@bob:test.local'],
      isDirect: true,
    });
    expect((await dmShown).data.rooms.find((r) => r.roomId === dm)).toMatchObject({
      isDirect: true,
      isEncrypted: true,
      membership: 'join',
    });
    const direct = await core.session.api.getAccountData('@alice:test.local', 'm.direct');
    expect(direct).toEqual({ '@bob:test.local': [dm] });

    const { roomId } = await call(core, 'rooms.create', { name: 'Plans', public: true });
    const renamed = next(core, 'rooms.changed', (e) =>
      e.data.rooms.some(
        (r) => r.roomId === roomId && r.name === 'Plans 2' && r.topic === 'Next week',
      ),
    );
    await call(core, 'rooms.setName', { roomId, name: 'Plans 2' });
    await call(core, 'rooms.setTopic', { roomId, topic: 'Next week' });
    expect((await renamed).data.rooms.find((r) => r.roomId === roomId)?.isEncrypted).toBe(false);
  });

  it('never sends plaintext into an encrypted room when it cannot encrypt', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    await register(hs.url, 'alice');
    const core = await startCore(tempDir(), { ...FAST, noCrypto: true });
    cleanup(() => core.close());
    await signIn(core, hs.url, 'alice');
    const shown = next(core, 'rooms.changed', (e) => e.data.rooms.some((r) => r.isEncrypted));
    const { roomId } = await call(core, 'rooms.create', { name: 'Secret', encrypted: true });
    await shown;
    const err = await callError(core, 'message.send', { roomId, kind: 'text', body: 'hi' });
    expect(err.code).toBe('encryption_unavailable');
    expect((await call(core, 'queue.list', {})).items).toEqual([]);
  });

  it('accepts and rejects invites, invites others, lists members, leaves and forgets', async () => {
    const { hs, bob, core } = await setup();
    const make = async (name: string) =>
      (
        await api(
          hs.url,
          'POST',
          '/_matrix/client/v3/createRoom',
          { name, invite: ['@alice:test.local'] },
          bob.token,
        )
      ).body.room_id as string;
    const accept = await make('Accept me');
    const reject = await make('Reject me');
    await next(core, 'rooms.changed', (e) =>
      e.data.rooms.some((r) => r.roomId === reject && r.membership === 'invite'),
    );
    const invites = (await call(core, 'rooms.list', {})).rooms.filter(
      (r) => r.membership === 'invite',
    );
    expect(invites.map((r) => r.inviter)).toEqual(['@bob:test.local', '@bob:test.local']);

    const gone = next(
      core,
      'rooms.changed',
      (e) =>
        e.data.removed.includes(reject) ||
        e.data.rooms.some((r) => r.roomId === reject && r.membership === 'leave'),
    );
    await call(core, 'rooms.leave', { roomId: reject });
    await gone;
    const joined = next(core, 'rooms.changed', (e) =>
      e.data.rooms.some((r) => r.roomId === accept && r.membership === 'join'),
    );
    await call(core, 'rooms.join', { roomIdOrAlias: accept });
    await joined;

    await register(hs.url, 'carol');
    await call(core, 'rooms.invite', { roomId: accept, userId: '@carol:test.local' });
    const { members } = await call(core, 'rooms.members', { roomId: accept });
    expect(members.map((m) => [m.userId, m.membership]).sort()).toEqual([
      ['@alice:test.local', 'join'],
      ['@bob:test.local', 'join'],
      ['@carol:test.local', 'invite'],
    ]);
    expect(members.find((m) => m.userId === '@bob:test.local')?.powerLevel).toBe(100);

    const left = next(core, 'rooms.changed', (e) =>
      e.data.rooms.some((r) => r.roomId === accept && r.membership === 'leave'),
    );
    await call(core, 'rooms.leave', { roomId: accept });
    await left;
    await call(core, 'rooms.forget', { roomId: accept });
    expect((await call(core, 'rooms.list', {})).rooms.map((r) => r.roomId)).not.toContain(accept);
  });
  it('keeps an ignore list: adds and removes users, keeps entries it does not know, refuses bad ids', async () => {
    const { hs, core } = await setup();
    const me = '@alice:test.local';
    const alice = await api(hs.url, 'POST', '/_matrix/client/v3/login', {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: 'alice' },
      password: 'secret-pw',
    });
    const token = alice.body.access_token as string;
    const path = `/_matrix/client/v3/user/${encodeURIComponent(me)}/account_data/m.ignored_user_list`;
    // Another session's list, with an entry carrying data this client does not know.
    await api(
      hs.url,
      'PUT',
      path,
      { ignored_users: { '@carol:test.local': { note: 'x' } } },
      token,
    );
    await vi.waitFor(
      async () =>
        expect((await call(core, 'users.ignored', {})).userIds).toEqual(['@carol:test.local']),
      { timeout: 15_000 },
    );

    await call(core, 'users.ignore', { userId: '@bob:test.local', ignored: true });
    expect((await call(core, 'users.ignored', {})).userIds.sort()).toEqual([
      '@bob:test.local',
      '@carol:test.local',
    ]);
    expect((await api(hs.url, 'GET', path, undefined, token)).body).toEqual({
      ignored_users: { '@bob:test.local': {}, '@carol:test.local': { note: 'x' } },
    });

    await call(core, 'users.ignore', { userId: '@carol:test.local', ignored: false });
    expect((await call(core, 'users.ignored', {})).userIds).toEqual(['@bob:test.local']);
    expect((await api(hs.url, 'GET', path, undefined, token)).body).toEqual({
      ignored_users: { '@bob:test.local': {} },
    });

    for (const userId of ['bob', '@bob', '', me]) {
      expect((await callError(core, 'users.ignore', { userId, ignored: true })).code).toBe(
        'bad_request',
      );
    }
    expect((await call(core, 'users.ignored', {})).userIds).toEqual(['@bob:test.local']);
  });
});
