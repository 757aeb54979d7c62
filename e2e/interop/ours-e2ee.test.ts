/**
 * Our core's end-to-end encryption against matrix-js-sdk with its Rust crypto (a client nobody
 * here wrote), on one in-process test homeserver: encrypted DMs both ways (the homeserver never
 * holding a message in the clear), encryption turned on later, a group with several devices per
 * user, a second device of our own, and replies, edits and reactions. History visibility, late
 * devices, leaving and restarts are in `ours-e2ee-history.test.ts`; device lists and one-time
 * keys in `ours-e2ee-keys.test.ts`.
 */
import { EventType, MsgType, Preset, RelationType } from 'matrix-js-sdk';
import { describe, expect, test } from 'vitest';
import { startTestServer } from '../homeserver/testing/helpers';
import { call, useCleanups } from '../../src-main/testing/core-harness';
import { knowsDevice, receivedDecrypted, roomWithMembership, unrecognized, until } from './helpers';
import {
  ENCRYPTION_STATE,
  decryptedBody,
  itemIn,
  jsJoins,
  jsUser,
  ourDevice,
  ourInvite,
  ourMember,
  ourUser,
  seenAtJs,
  sendOurs,
  sendVia,
  weKnowDevice,
} from './ours';
import { watchPlaintext } from './plaintext-watch';

const T = 60_000;
const ALICE = '@alice:test.local';

const cleanup = useCleanups();

async function server() {
  const s = await startTestServer();
  cleanup(() => s.close());
  return s;
}

describe('our core and matrix-js-sdk: end-to-end encryption', () => {
  test(
    'DM created by our core: each side decrypts the other; the server never held the text',
    async () => {
      const hs = await server();
      const watch = watchPlaintext(hs.hs);
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);

      const { roomId } = await call(alice, 'rooms.create', {
        name: 'Interop DM by ours',
        invite: [bob.getUserId()!],
        isDirect: true,
      });
      await jsJoins(bob, roomId);
      expect(await bob.getCrypto()!.isEncryptionEnabledInRoom(roomId)).toBe(true);
      await ourMember(alice, roomId, bob.getUserId()!, 'join');

      const toBob = 'alice to bob: the eagle lands at noon';
      const sent = await sendOurs(alice, roomId, toBob);
      const atBob = await receivedDecrypted(bob, roomId, sent);
      expect(seenAtJs(atBob)).toEqual({
        sender: ALICE,
        wire: EventType.RoomMessageEncrypted,
        body: toBob,
      });
      expect(atBob.getWireContent().algorithm).toBe('m.megolm.v1.aes-sha2');
      // Our own copy, back from the sync, decrypts too.
      await itemIn(alice, roomId, (i) => i.eventId === sent && decryptedBody(toBob)(i));

      const toAlice = 'bob to alice: the crow flies at dawn';
      await roomWithMembership(bob, roomId, 'join');
      const { event_id } = await bob.sendTextMessage(roomId, toAlice);
      const atAlice = await itemIn(alice, roomId, (i) => i.eventId === event_id, 'bob message');
      expect(atAlice).toMatchObject({
        type: 'm.room.message',
        sender: bob.getUserId(),
        content: { body: toAlice },
        e2ee: { state: 'decrypted' },
      });

      // The watch sees what is stored in the clear (the room's name), and not the messages.
      expect(watch.find('Interop DM by ours').length).toBeGreaterThan(0);
      expect(watch.find(toBob)).toEqual([]);
      expect(watch.find(toAlice)).toEqual([]);
    },
    T,
  );

  test(
    'DM created by js-sdk: each side decrypts the other; the server never held the text',
    async () => {
      const hs = await server();
      const watch = watchPlaintext(hs.hs);
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);

      const { room_id: roomId } = await bob.createRoom({
        name: 'Interop DM by js',
        preset: Preset.TrustedPrivateChat,
        is_direct: true,
        invite: [ALICE],
        initial_state: [ENCRYPTION_STATE],
      });
      await ourInvite(alice, roomId);
      await call(alice, 'rooms.join', { roomIdOrAlias: roomId });
      await until('bob to see alice joined', () => {
        return bob.getRoom(roomId)?.getMember(ALICE)?.membership === 'join';
      });

      const toAlice = 'bob to alice, in his own DM';
      const { event_id } = await bob.sendTextMessage(roomId, toAlice);
      const atAlice = await itemIn(alice, roomId, (i) => i.eventId === event_id, 'bob message');
      expect(atAlice).toMatchObject({ content: { body: toAlice }, e2ee: { state: 'decrypted' } });

      await ourMember(alice, roomId, bob.getUserId()!, 'join');
      const toBob = 'alice answers in the DM bob made';
      const sent = await sendOurs(alice, roomId, toBob);
      const atBob = await receivedDecrypted(bob, roomId, sent);
      expect(seenAtJs(atBob)).toEqual({
        sender: ALICE,
        wire: EventType.RoomMessageEncrypted,
        body: toBob,
      });

      expect(watch.find('Interop DM by js').length).toBeGreaterThan(0);
      expect(watch.find(toBob)).toEqual([]);
      expect(watch.find(toAlice)).toEqual([]);
    },
    T,
  );

  test(
    'encryption turned on later by js-sdk: our next message goes out encrypted',
    async () => {
      const hs = await server();
      const watch = watchPlaintext(hs.hs);
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);
      const { room_id: roomId } = await bob.createRoom({
        preset: Preset.PrivateChat,
        invite: [ALICE],
      });
      await ourInvite(alice, roomId);
      await call(alice, 'rooms.join', { roomIdOrAlias: roomId });
      await ourMember(alice, roomId, bob.getUserId()!, 'join');
      const plain = await sendOurs(alice, roomId, 'said before encryption');
      const atBob = await until('bob to get the plain message', () =>
        bob.getRoom(roomId)?.findEventById(plain),
      );
      expect(atBob.getWireType()).toBe(EventType.RoomMessage);
      expect(watch.find('said before encryption').length).toBeGreaterThan(0);

      await bob.sendStateEvent(roomId, EventType.RoomEncryption, ENCRYPTION_STATE.content, '');
      await itemIn(alice, roomId, (i) => i.type === 'm.room.encryption', 'the encryption event');
      const secret = 'said once encryption is on';
      const sent = await sendOurs(alice, roomId, secret);
      const ev = await receivedDecrypted(bob, roomId, sent);
      expect(seenAtJs(ev)).toEqual({
        sender: ALICE,
        wire: EventType.RoomMessageEncrypted,
        body: secret,
      });
      const { event_id } = await bob.sendTextMessage(roomId, 'bob answers encrypted');
      const back = await itemIn(alice, roomId, (i) => i.eventId === event_id, 'bob message');
      expect(back.e2ee?.state).toBe('decrypted');
      expect(watch.find(secret)).toEqual([]);
      expect(watch.find('bob answers encrypted')).toEqual([]);
    },
    T,
  );

  test(
    'a group with several devices per user: every js device decrypts ours, ours decrypts theirs',
    async () => {
      const hs = await server();
      const bob1 = await jsUser(hs.url, 'bob', cleanup);
      const bob2 = await jsUser(hs.url, 'bob', cleanup, true);
      const carol = await jsUser(hs.url, 'carol', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);

      const { roomId } = await call(alice, 'rooms.create', {
        name: 'Interop group',
        invite: [bob1.getUserId()!, carol.getUserId()!],
        encrypted: true,
      });
      await jsJoins(bob1, roomId);
      await jsJoins(carol, roomId);
      await roomWithMembership(bob2, roomId, 'join');
      await ourMember(alice, roomId, bob1.getUserId()!, 'join');
      await ourMember(alice, roomId, carol.getUserId()!, 'join');

      const text = 'alice to the group, three js devices';
      const sent = await sendOurs(alice, roomId, text);
      for (const c of [bob1, bob2, carol]) {
        const ev = await receivedDecrypted(c, roomId, sent);
        expect(seenAtJs(ev)).toEqual({
          sender: ALICE,
          wire: EventType.RoomMessageEncrypted,
          body: text,
        });
      }

      // bob's second device knows alice's device, then writes.
      await knowsDevice(bob2, ALICE, await ourDevice(alice));
      await weKnowDevice(alice, bob2.getUserId()!, bob2.getDeviceId()!);
      const fromBob2 = 'bob from his second device';
      const { event_id } = await bob2.sendTextMessage(roomId, fromBob2);
      const atAlice = await itemIn(alice, roomId, (i) => i.eventId === event_id, 'bob2 message');
      expect(atAlice).toMatchObject({ content: { body: fromBob2 }, e2ee: { state: 'decrypted' } });
      // The other js devices read it too (the same room key went to all of them).
      expect((await receivedDecrypted(carol, roomId, event_id)).getContent().body).toBe(fromBob2);
    },
    T,
  );

  test(
    "a second device of ours: bob's next message decrypts on both, and bob reads the second",
    async () => {
      const hs = await server();
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const alice1 = await ourUser(hs.url, 'alice', cleanup);
      const { roomId } = await call(alice1, 'rooms.create', {
        invite: [bob.getUserId()!],
        isDirect: true,
      });
      await jsJoins(bob, roomId);
      await ourMember(alice1, roomId, bob.getUserId()!, 'join');
      const first = 'before the second device';
      await receivedDecrypted(bob, roomId, await sendOurs(alice1, roomId, first));

      const alice2 = await ourUser(hs.url, 'alice', cleanup, { existing: true });
      const device2 = await ourDevice(alice2);
      expect(device2).not.toBe(await ourDevice(alice1));
      await knowsDevice(bob, ALICE, device2);

      const toBoth = 'bob to both of alice';
      const { event_id } = await bob.sendTextMessage(roomId, toBoth);
      for (const core of [alice1, alice2]) {
        const item = await itemIn(core, roomId, (i) => i.eventId === event_id, 'bob message');
        expect(item).toMatchObject({ content: { body: toBoth }, e2ee: { state: 'decrypted' } });
      }

      await ourMember(alice2, roomId, bob.getUserId()!, 'join');
      const fromSecond = 'alice from her second device';
      const sent = await sendOurs(alice2, roomId, fromSecond);
      const atBob = await receivedDecrypted(bob, roomId, sent);
      expect(seenAtJs(atBob)).toEqual({
        sender: ALICE,
        wire: EventType.RoomMessageEncrypted,
        body: fromSecond,
      });
      // Our first device got the room key from the second as well.
      await itemIn(alice1, roomId, (i) => i.eventId === sent && decryptedBody(fromSecond)(i));
    },
    T,
  );

  test(
    'replies, edits and reactions travel encrypted both ways and apply on the other side',
    async () => {
      const hs = await server();
      const watch = watchPlaintext(hs.hs);
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);
      const { roomId } = await call(alice, 'rooms.create', {
        invite: [bob.getUserId()!],
        isDirect: true,
      });
      await jsJoins(bob, roomId);
      await ourMember(alice, roomId, bob.getUserId()!, 'join');

      // js-sdk's relations reach our timeline: an edit replaces, a reaction counts.
      const { event_id: original } = await bob.sendTextMessage(roomId, 'first words from bob');
      await itemIn(alice, roomId, (i) => i.eventId === original && i.e2ee?.state === 'decrypted');
      await bob.sendEvent(roomId, EventType.RoomMessage, {
        msgtype: MsgType.Text,
        body: '* corrected words from bob',
        'm.new_content': { msgtype: MsgType.Text, body: 'corrected words from bob' },
        'm.relates_to': { rel_type: RelationType.Replace, event_id: original },
      });
      const edited = await itemIn(alice, roomId, (i) => i.eventId === original && i.edited);
      expect(edited.content.body).toBe('corrected words from bob');
      await bob.sendEvent(roomId, EventType.Reaction, {
        'm.relates_to': { rel_type: RelationType.Annotation, event_id: original, key: '🎉' },
      });
      await itemIn(
        alice,
        roomId,
        (i) => i.eventId === original && i.reactions.some((r) => r.key === '🎉'),
      );

      // Ours reach js-sdk: a reply, an edit of it, a reaction.
      const reply = await sendVia(alice, 'message.send', {
        roomId,
        kind: 'text',
        body: 'alice replies in private',
        replyTo: original,
      });
      const atBob = await receivedDecrypted(bob, roomId, reply);
      expect(atBob.replyEventId).toBe(original);
      await itemIn(alice, roomId, (i) => i.eventId === reply && i.replyTo === original);
      expect(atBob.getContent().body).toContain('alice replies in private');
      const edit = await sendVia(alice, 'message.edit', {
        roomId,
        eventId: reply,
        body: 'alice replies, edited',
      });
      const editAtBob = await receivedDecrypted(bob, roomId, edit);
      expect(editAtBob.getWireType()).toBe(EventType.RoomMessageEncrypted);
      expect(editAtBob.getContent()['m.new_content']?.body).toBe('alice replies, edited');
      expect(editAtBob.getRelation()).toMatchObject({ rel_type: 'm.replace', event_id: reply });
      const react = await sendVia(alice, 'message.react', { roomId, eventId: original, key: '👍' });
      const reactAtBob = await receivedDecrypted(bob, roomId, react);
      expect(reactAtBob.getType()).toBe(EventType.Reaction);
      expect(reactAtBob.getRelation()).toMatchObject({ rel_type: 'm.annotation', key: '👍' });

      for (const text of ['first words from bob', 'corrected words', 'alice replies']) {
        expect(watch.find(text)).toEqual([]);
      }
    },
    T,
  );

  test('js-sdk made no request the server did not recognise', () => {
    expect([...unrecognized]).toEqual([]);
  });
});
