/**
 * matrix-js-sdk (unchanged) against the test homeserver: accounts, rooms, live timeline,
 * back-pagination, typing and read receipts.
 */
import {
  Direction,
  EventType,
  MsgType,
  Preset,
  RoomEvent,
  RoomMemberEvent,
  SyncState,
  type MatrixClient,
  type MatrixEvent,
  type Room,
  type RoomMember,
} from 'matrix-js-sdk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import {
  login,
  nextTimelineEvent,
  registerUser,
  roomWithMembership,
  startSynced,
  stopAll,
  unrecognized,
  until,
} from './helpers';

const T = 60_000;

let server: RunningHomeserver;
let alice: MatrixClient;
let bob: MatrixClient;
let roomId: string;
const extra: MatrixClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  stopAll([alice, bob, ...extra]);
  await server?.close();
});

function bodies(events: MatrixEvent[]): string[] {
  return events
    .filter((e) => e.getType() === EventType.RoomMessage)
    .map((e) => String(e.getContent().body));
}

/** A new login of bob with `initialSyncLimit` 3, synced, and its live timeline of the room. */
async function freshTimeline(deviceName: string) {
  const client = await login(server.url, 'bob', { deviceName });
  extra.push(client);
  await startSynced(client, 3);
  const room = await roomWithMembership(client, roomId, 'join');
  const timeline = room.getLiveTimeline();
  expect(bodies(timeline.getEvents())).toHaveLength(3);
  return { client, room, timeline };
}

/** The whole room, from its creation, with exactly `expected` as messages, in order. */
function checkHistory(events: MatrixEvent[], expected: string[]) {
  expect(events[0]!.getType()).toBe(EventType.RoomCreate);
  expect(bodies(events)).toEqual(expected);
  const ids = events.map((e) => e.getId());
  expect(new Set(ids).size).toBe(ids.length);
  const ts = events.map((e) => e.getTs());
  expect([...ts].sort((a, b) => a - b)).toEqual(ts);
}

describe('matrix-js-sdk interop: basics', () => {
  test(
    'two users register, log in with a password and finish their first sync',
    async () => {
      const aliceId = await registerUser(server.url, 'alice');
      const bobId = await registerUser(server.url, 'bob');
      expect(aliceId).toBe('@alice:test.local');
      expect(bobId).toBe('@bob:test.local');

      alice = await login(server.url, 'alice');
      bob = await login(server.url, 'bob');
      expect(alice.getUserId()).toBe(aliceId);
      expect(alice.getDeviceId()).toBeTruthy();

      await Promise.all([startSynced(alice, 10), startSynced(bob, 10)]);
      expect([SyncState.Prepared, SyncState.Syncing]).toContain(alice.getSyncState());
      expect([SyncState.Prepared, SyncState.Syncing]).toContain(bob.getSyncState());
      const who = await bob.whoami();
      expect(who.user_id).toBe(bobId);
    },
    T,
  );

  test(
    'a room is created, the invite arrives by sync, and messages flow live both ways',
    async () => {
      const created = await alice.createRoom({ name: 'Interop', preset: Preset.PrivateChat });
      roomId = created.room_id;
      await roomWithMembership(alice, roomId, 'join');

      await alice.invite(roomId, bob.getUserId()!);
      const invited = await roomWithMembership(bob, roomId, 'invite');
      expect(invited.getMember(bob.getUserId()!)?.events.member?.getSender()).toBe(
        alice.getUserId(),
      );
      expect(invited.name).toBe('Interop');

      await bob.joinRoom(roomId);
      const bobRoom = await roomWithMembership(bob, roomId, 'join');
      expect(bobRoom.name).toBe('Interop');
      await until(
        'alice to see bob joined',
        () => alice.getRoom(roomId)?.getMember(bob.getUserId()!)?.membership === 'join',
      );

      const seenByBob = nextTimelineEvent(bob, roomId, (e) => e.getContent().body === 'hi bob');
      const { event_id: sentId } = await alice.sendTextMessage(roomId, 'hi bob');
      const got = await seenByBob;
      expect(got.getId()).toBe(sentId);
      expect(got.getSender()).toBe(alice.getUserId());
      expect(got.getContent().msgtype).toBe(MsgType.Text);

      const seenByAlice = nextTimelineEvent(
        alice,
        roomId,
        (e) => e.getContent().body === 'hi alice',
      );
      await bob.sendTextMessage(roomId, 'hi alice');
      expect((await seenByAlice).getSender()).toBe(bob.getUserId());

      // The sender's local echo was replaced by the synced event: one copy, no longer pending.
      const aliceEvents = alice.getRoom(roomId)!.getLiveTimeline().getEvents();
      const mine = aliceEvents.filter((e) => e.getId() === sentId);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.status).toBeNull();
    },
    T,
  );

  test(
    'a fresh client with a small initial sync scrolls back through all history in order',
    async () => {
      const sent: string[] = [];
      for (let i = 0; i < 30; i++) {
        const body = `history ${String(i).padStart(2, '0')}`;
        await alice.sendTextMessage(roomId, body);
        sent.push(body);
      }

      const expected = ['hi bob', 'hi alice', ...sent];

      // One fresh device scrolls back with client.scrollback ...
      const viaScrollback = await freshTimeline('bob history 1');
      for (let i = 0; i < 20 && viaScrollback.room.oldState.paginationToken !== null; i++) {
        await viaScrollback.client.scrollback(viaScrollback.room, 7);
      }
      checkHistory(viaScrollback.timeline.getEvents(), expected);

      // ... another with paginateEventTimeline, until it reports the start of the room.
      const viaPaginate = await freshTimeline('bob history 2');
      let more = true;
      for (let i = 0; i < 20 && more; i++) {
        more = await viaPaginate.client.paginateEventTimeline(viaPaginate.timeline, {
          backwards: true,
          limit: 7,
        });
      }
      expect(more).toBe(false);
      expect(viaPaginate.timeline.getPaginationToken(Direction.Backward)).toBeNull();
      checkHistory(viaPaginate.timeline.getEvents(), expected);
    },
    T,
  );

  test(
    'typing notifications are seen through RoomMemberEvent.Typing',
    async () => {
      const typingSeen = (want: boolean) =>
        new Promise<RoomMember>((resolve) => {
          const on = (_e: MatrixEvent, member: RoomMember) => {
            if (member.roomId !== roomId || member.userId !== alice.getUserId()) return;
            if (member.typing !== want) return;
            bob.off(RoomMemberEvent.Typing, on);
            resolve(member);
          };
          bob.on(RoomMemberEvent.Typing, on);
        });

      const started = typingSeen(true);
      await alice.sendTyping(roomId, true, 20_000);
      expect((await started).typing).toBe(true);

      const stopped = typingSeen(false);
      await alice.sendTyping(roomId, false, 0);
      expect((await stopped).typing).toBe(false);
    },
    T,
  );

  test(
    'read receipts are seen through RoomEvent.Receipt and getUsersReadUpTo',
    async () => {
      const landed = nextTimelineEvent(bob, roomId, (e) => e.getContent().body === 'read me');
      await alice.sendTextMessage(roomId, 'read me');
      const event = await landed;

      const aliceRoom: Room = alice.getRoom(roomId)!;
      const receiptSeen = new Promise<void>((resolve) => {
        const on = (e: MatrixEvent, room: Room) => {
          if (room.roomId !== roomId) return;
          const content = e.getContent() as Record<string, Record<string, Record<string, unknown>>>;
          if (content[event.getId()!]?.['m.read']?.[bob.getUserId()!]) {
            alice.off(RoomEvent.Receipt, on);
            resolve();
          }
        };
        alice.on(RoomEvent.Receipt, on);
      });
      await bob.sendReadReceipt(event);
      await receiptSeen;

      const aliceEvent = aliceRoom.findEventById(event.getId()!)!;
      expect(aliceRoom.getUsersReadUpTo(aliceEvent)).toContain(bob.getUserId());
      expect(aliceRoom.getEventReadUpTo(bob.getUserId()!)).toBe(event.getId());
    },
    T,
  );

  test(
    'an unnamed room is named after its lazy-loaded heroes; a leave reaches the leaver',
    async () => {
      await alice.setDisplayName('Alice Liddell');
      const { room_id: dm } = await alice.createRoom({ invite: [bob.getUserId()!] });
      await roomWithMembership(bob, dm, 'invite');
      await bob.joinRoom(dm);
      const room = await roomWithMembership(bob, dm, 'join');
      // Bob's lazy-loading sync must carry the hero's member event (spec: RoomSummary).
      expect(room.getMember(alice.getUserId()!)?.name).toBe('Alice Liddell');
      expect(room.name).toBe('Alice Liddell');

      await bob.leave(dm);
      await until('bob to see his own leave', () => room.getMyMembership() === 'leave');
      const last = room.getLiveTimeline().getEvents().at(-1)!;
      expect(last.getType()).toBe(EventType.RoomMember);
      expect(last.getStateKey()).toBe(bob.getUserId());
      expect(last.getContent().membership).toBe('leave');
      await until(
        'alice to see bob leave',
        () => alice.getRoom(dm)?.getMember(bob.getUserId()!)?.membership === 'leave',
      );
    },
    T,
  );

  test('js-sdk made no request the server did not recognise', () => {
    expect([...unrecognized]).toEqual([]);
  });
});
