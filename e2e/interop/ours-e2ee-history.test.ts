/**
 * Who may read what, between our core and matrix-js-sdk (Rust crypto): room keys follow the
 * history visibility (`shared` reaches an invitee, either way round; `joined` does not), a
 * member who left reads nothing after, a device that signs in later reads what comes next but
 * not what came before (as Megolm says; on our side too, with the reason js-sdk gives), and our
 * keys survive a restart of the core (skipped until the crypto store persists).
 */
import { EventType, MatrixEvent, Preset } from 'matrix-js-sdk';
import { describe, expect, test } from 'vitest';
import { startTestServer } from '../homeserver/testing/helpers';
import {
  call,
  next,
  seedMessages,
  startCore,
  tempDir,
  useCleanups,
  wholeTimeline,
} from '../../src-main/testing/core-harness';
import { knowsDevice, receivedDecrypted, roomWithMembership, unrecognized } from './helpers';
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
  settled,
  weKnowDevice,
  wireEvent,
} from './ours';

const T = 60_000;
const ALICE = '@alice:test.local';

const cleanup = useCleanups();

async function server() {
  const s = await startTestServer();
  cleanup(() => s.close());
  return s;
}

describe('our core and matrix-js-sdk: who reads what', () => {
  test(
    'shared history: an invitee who joins later decrypts what was sent while invited',
    async () => {
      const hs = await server();
      const dave = await jsUser(hs.url, 'dave', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);
      const { roomId } = await call(alice, 'rooms.create', { name: 'Shared', encrypted: true });
      await call(alice, 'rooms.invite', { roomId, userId: dave.getUserId()! });
      await ourMember(alice, roomId, dave.getUserId()!, 'invite');

      const whileInvited = 'sent while dave is only invited';
      const sent = await sendOurs(alice, roomId, whileInvited);
      await jsJoins(dave, roomId);
      const atDave = await receivedDecrypted(dave, roomId, sent);
      expect(seenAtJs(atDave)).toEqual({
        sender: ALICE,
        wire: EventType.RoomMessageEncrypted,
        body: whileInvited,
      });
    },
    T,
  );

  test(
    'shared history, the other way: our core joins later and reads all js sent meanwhile',
    async () => {
      const hs = await server();
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);
      const { room_id: roomId } = await bob.createRoom({
        name: 'Shared by js',
        preset: Preset.PrivateChat,
        invite: [ALICE],
        initial_state: [ENCRYPTION_STATE],
      });
      await ourInvite(alice, roomId);
      await knowsDevice(bob, ALICE, await ourDevice(alice));
      // More than a first sync brings: the older part comes from history, decrypted there.
      const lines = Array.from({ length: 25 }, (_, n) => `bob writes line ${n + 1}, alice invited`);
      const ids: string[] = [];
      for (const line of lines) ids.push((await bob.sendTextMessage(roomId, line)).event_id);

      await call(alice, 'rooms.join', { roomIdOrAlias: roomId });
      const last = await itemIn(alice, roomId, (i) => i.eventId === ids.at(-1), 'the last line');
      expect(last).toMatchObject({ content: { body: lines.at(-1) }, e2ee: { state: 'decrypted' } });
      const history = await wholeTimeline(alice, roomId, 10);
      const read = history.filter((i) => i.e2ee?.state === 'decrypted');
      expect(read.map((i) => i.content.body)).toEqual(lines);
      expect(read.map((i) => i.eventId)).toEqual(ids);
    },
    T,
  );

  test(
    'joined-only history: what was sent while invited stays unreadable, the next message reads',
    async () => {
      const hs = await server();
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const erin = await jsUser(hs.url, 'erin', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);
      const { room_id: roomId } = await bob.createRoom({
        name: 'Joined only',
        preset: Preset.PrivateChat,
        invite: [ALICE, erin.getUserId()!],
        initial_state: [
          {
            type: 'm.room.encryption',
            state_key: '',
            content: { algorithm: 'm.megolm.v1.aes-sha2' },
          },
          {
            type: 'm.room.history_visibility',
            state_key: '',
            content: { history_visibility: 'joined' },
          },
        ],
      });
      await ourInvite(alice, roomId);
      await call(alice, 'rooms.join', { roomIdOrAlias: roomId });
      await ourMember(alice, roomId, erin.getUserId()!, 'invite');
      await ourMember(alice, roomId, bob.getUserId()!, 'join');
      await roomWithMembership(erin, roomId, 'invite');

      const whileInvited = 'for the joined members only';
      const early = await sendOurs(alice, roomId, whileInvited);
      // Those joined read it.
      expect((await receivedDecrypted(bob, roomId, early)).getContent().body).toBe(whileInvited);

      await jsJoins(erin, roomId);
      await ourMember(alice, roomId, erin.getUserId()!, 'join');
      const afterJoin = 'erin is with us now';
      const late = await sendOurs(alice, roomId, afterJoin);
      expect((await receivedDecrypted(erin, roomId, late)).getContent().body).toBe(afterJoin);

      // The server does not show erin the earlier message (history visibility)...
      expect((await wireEvent(hs.url, roomId, early, erin)).status).toBe(404);
      expect(erin.getRoom(roomId)!.findEventById(early)).toBeUndefined();
      // ...and had she got it anyway, she holds no key for it: a UTD.
      const wire = await wireEvent(hs.url, roomId, early, bob);
      expect(wire.body.type).toBe(EventType.RoomMessageEncrypted);
      const copy = new MatrixEvent(wire.body);
      await erin.decryptEventIfNeeded(copy);
      expect(copy.isDecryptionFailure()).toBe(true);
      expect(copy.getContent().body).not.toBe(whileInvited);
    },
    T,
  );

  test(
    'a member who left cannot read what follows: our core starts a new megolm session',
    async () => {
      const hs = await server();
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const carol = await jsUser(hs.url, 'carol', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);
      const { roomId } = await call(alice, 'rooms.create', {
        name: 'Leaving',
        invite: [bob.getUserId()!, carol.getUserId()!],
        encrypted: true,
      });
      await jsJoins(bob, roomId);
      await jsJoins(carol, roomId);
      await ourMember(alice, roomId, carol.getUserId()!, 'join');
      await ourMember(alice, roomId, bob.getUserId()!, 'join');
      const first = await sendOurs(alice, roomId, 'while carol is here');
      await receivedDecrypted(carol, roomId, first);

      await carol.leave(roomId);
      await ourMember(alice, roomId, carol.getUserId()!, 'leave');
      const secret = 'after carol left';
      const second = await sendOurs(alice, roomId, secret);
      expect((await receivedDecrypted(bob, roomId, second)).getContent().body).toBe(secret);

      const wire = async (id: string) => (await wireEvent(hs.url, roomId, id, bob)).body.content;
      expect((await wire(second)).session_id).not.toBe((await wire(first)).session_id);
      // Even with the ciphertext in hand, carol's device holds no key for it.
      const copy = new MatrixEvent((await wireEvent(hs.url, roomId, second, bob)).body);
      await carol.decryptEventIfNeeded(copy);
      expect(copy.isDecryptionFailure()).toBe(true);
    },
    T,
  );

  test(
    'a device that signs in later reads the next message, not the ones before it',
    async () => {
      const hs = await server();
      const bob1 = await jsUser(hs.url, 'bob', cleanup);
      const alice = await ourUser(hs.url, 'alice', cleanup);
      const { roomId } = await call(alice, 'rooms.create', {
        invite: [bob1.getUserId()!],
        isDirect: true,
      });
      await jsJoins(bob1, roomId);
      await ourMember(alice, roomId, bob1.getUserId()!, 'join');
      const before = 'before the new device existed';
      const early = await sendOurs(alice, roomId, before);
      await receivedDecrypted(bob1, roomId, early);

      const bob3 = await jsUser(hs.url, 'bob', cleanup, true);
      await weKnowDevice(alice, bob3.getUserId()!, bob3.getDeviceId()!);
      const after = 'after the new device came';
      const late = await sendOurs(alice, roomId, after);
      const atNew = await receivedDecrypted(bob3, roomId, late);
      expect(seenAtJs(atNew)).toEqual({
        sender: ALICE,
        wire: EventType.RoomMessageEncrypted,
        body: after,
      });

      // The earlier message reached the new device too, and stays undecryptable there.
      const old = await settled(bob3, roomId, early);
      expect(old.isDecryptionFailure()).toBe(true);
      expect(old.getContent().body).not.toBe(before);
      // js-sdk says why as we do: sent before this device existed.
      expect(old.decryptionFailureReason).toMatch(/^HISTORICAL_MESSAGE_/);
      // The device that existed then still reads it.
      expect((await receivedDecrypted(bob1, roomId, early)).getContent().body).toBe(before);
    },
    T,
  );

  test(
    'a device of ours added later: what came before it says so, in sync and in history',
    async () => {
      const hs = await server();
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const alice1 = await ourUser(hs.url, 'alice', cleanup);
      const { roomId } = await call(alice1, 'rooms.create', {
        invite: [bob.getUserId()!],
        isDirect: true,
      });
      await jsJoins(bob, roomId);
      const before = 'bob before the second device';
      const { event_id: early } = await bob.sendTextMessage(roomId, before);
      await itemIn(alice1, roomId, (i) => i.eventId === early && decryptedBody(before)(i));
      // More than a first sync brings, so the early message comes later, from history.
      await seedMessages(hs.url, roomId, bob.getUserId()!, 25, 'Filler');

      const alice2 = await ourUser(hs.url, 'alice', cleanup, { existing: true });
      await knowsDevice(bob, ALICE, await ourDevice(alice2));
      const after = 'bob after the second device';
      const { event_id: late } = await bob.sendTextMessage(roomId, after);
      await itemIn(alice2, roomId, (i) => i.eventId === late && decryptedBody(after)(i));
      // One megolm session: the second device holds it from a later index only.
      const wire = async (id: string) => (await wireEvent(hs.url, roomId, id, bob)).body.content;
      expect((await wire(late)).session_id).toBe((await wire(early)).session_id);

      const history = await wholeTimeline(alice2, roomId);
      const old = history.find((i) => i.eventId === early);
      expect(old).toMatchObject({
        type: 'm.room.encrypted',
        e2ee: { state: 'undecryptable', reason: 'before_device' },
      });
    },
    T,
  );

  test(
    'a restart keeps our keys: same identity, and the same megolm session still decrypts',
    async () => {
      const hs = await server();
      const bob = await jsUser(hs.url, 'bob', cleanup);
      const dataDir = tempDir('interop-restart-');
      const alice1 = await ourUser(hs.url, 'alice', cleanup, { dataDir });
      const { roomId } = await call(alice1, 'rooms.create', {
        invite: [bob.getUserId()!],
        isDirect: true,
      });
      await jsJoins(bob, roomId);
      await ourMember(alice1, roomId, bob.getUserId()!, 'join');
      const { event_id: first } = await bob.sendTextMessage(roomId, 'before the restart');
      await itemIn(
        alice1,
        roomId,
        (i) => i.eventId === first && decryptedBody('before the restart')(i),
      );
      const identity = await call(alice1, 'crypto.status', {});
      await alice1.close();

      const alice2 = await startCore(dataDir);
      cleanup(() => alice2.close());
      await next(alice2, 'sync.status', (e) => e.data.state === 'ok', { afterSeq: 0 });
      const status = await call(alice2, 'crypto.status', {});
      expect(status).toMatchObject({
        ready: true,
        deviceId: identity.deviceId,
        ed25519: identity.ed25519,
      });
      expect(await ourDevice(alice2)).toBe(identity.deviceId);

      const { event_id: second } = await bob.sendTextMessage(roomId, 'after the restart');
      const sessionOf = (id: string) => bob.getRoom(roomId)!.findEventById(id)?.getWireContent();
      expect(sessionOf(second)?.session_id).toBe(sessionOf(first)?.session_id);
      const item = await itemIn(alice2, roomId, (i) => i.eventId === second, 'bob message');
      expect(item).toMatchObject({
        content: { body: 'after the restart' },
        e2ee: { state: 'decrypted' },
      });
      // And our own messages still reach bob.
      const sent = await sendOurs(alice2, roomId, 'alice after the restart');
      expect((await receivedDecrypted(bob, roomId, sent)).getContent().body).toBe(
        'alice after the restart',
      );
    },
    T,
  );

  test('js-sdk made no request the server did not recognise', () => {
    expect([...unrecognized]).toEqual([]);
  });
});
