/**
 * What the composer needs of the core: drafts kept across a restart (and never sent), and
 * messages in every format the slash commands use, with mention pills, as the server gets them.
 */
import { describe, expect, it } from 'vitest';
import { register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import {
  call,
  seedRoom,
  serverHistory,
  signIn,
  startCore,
  tempDir,
  useCleanups,
} from '../testing/core-harness';

const cleanup = useCleanups();

describe('core: composer', () => {
  it('keeps drafts per room across a restart, and forgets an emptied one', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const bob = await register(hs.url, 'bob');
    const alice = await register(hs.url, 'alice');
    const roomId = await seedRoom(hs.url, bob.userId, [alice.userId], 'Drafts');
    const dataDir = tempDir();
    let core = await startCore(dataDir);
    await signIn(core, hs.url, 'alice');
    const draft = {
      text: 'hi Bob',
      replyTo: '$x',
      pills: [{ offset: 3, length: 3, userId: bob.userId }],
    };
    await call(core, 'drafts.set', { roomId, draft });
    await core.close();

    core = await startCore(dataDir);
    cleanup(() => core.close());
    expect(await call(core, 'drafts.get', { roomId })).toEqual({ draft });
    expect(await call(core, 'drafts.get', { roomId: '!other:x' })).toEqual({});
    await call(core, 'drafts.set', { roomId, draft: { text: '' } });
    expect(await call(core, 'drafts.get', { roomId })).toEqual({});
    const server = await serverHistory(hs.url, bob, roomId);
    expect(server.some((e) => JSON.stringify(e.content).includes('hi Bob'))).toBe(false);
  });

  it('sends emotes, plain text, HTML and pills as the spec shapes them', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const bob = await register(hs.url, 'bob');
    const alice = await register(hs.url, 'alice');
    const roomId = await seedRoom(hs.url, bob.userId, [alice.userId], 'Formats');
    const core = await startCore(tempDir());
    cleanup(() => core.close());
    await signIn(core, hs.url, 'alice');
    await call(core, 'message.send', { roomId, kind: 'emote', body: 'waves' });
    await call(core, 'message.send', { roomId, kind: 'text', body: '*as is*', format: 'plain' });
    await call(core, 'message.send', { roomId, kind: 'text', body: '<b>hi</b>', format: 'html' });
    const pills = [{ offset: 4, length: 3, userId: bob.userId }];
    await call(core, 'message.send', { roomId, kind: 'text', body: 'ask Bob', pills });

    await expect
      .poll(
        async () =>
          (await serverHistory(hs.url, bob, roomId)).filter((e) => e.type === 'm.room.message')
            .length,
        {
          timeout: 15_000,
        },
      )
      .toBe(4);
    const sent = (await serverHistory(hs.url, bob, roomId))
      .filter((e) => e.type === 'm.room.message')
      .map((e) => e.content);
    expect(sent.map((c) => [c.msgtype, c.body, c.formatted_body ?? null])).toEqual([
      ['m.emote', 'waves', null],
      ['m.text', '*as is*', null],
      ['m.text', 'hi', '<b>hi</b>'],
      ['m.text', 'ask Bob', `ask <a href="https://matrix.to/#/${bob.userId}">Bob</a>`],
    ]);
    expect(sent[3]!['m.mentions']).toEqual({ user_ids: [bob.userId] });
  });
});
