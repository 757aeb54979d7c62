import { describe, expect, it } from 'vitest';
import e2eeFixture from './fixtures/sync-e2ee-and-leave.json';
import malformedFixture from './fixtures/sync-malformed.json';
import specFixture from './fixtures/sync-spec-example.json';
import stateAfterFixture from './fixtures/sync-state-after.json';
import { InvalidSyncResponse, parseSync, type RoomChanges } from './sync';

const clone = <T>(x: T): T => structuredClone(x);
const room = (rooms: RoomChanges[], id: string) => rooms.find((r) => r.roomId === id)!;

describe('parseSync on the spec example', () => {
  const changes = parseSync(clone(specFixture));

  it('keeps the token, global account data and every room section', () => {
    expect(changes.nextBatch).toBe('s72595_4483_1934');
    expect(changes.accountData).toEqual([
      { type: 'org.example.custom.config', content: { custom_config_key: 'custom_config_value' } },
    ]);
    expect(changes.rooms.map((r) => [r.roomId, r.membership])).toEqual([
      ['!726s6s6q:example.com', 'join'],
      ['!696r7674:example.com', 'invite'],
      ['!223asd456:example.com', 'knock'],
    ]);
    expect(changes.skipped).toEqual([]);
  });

  it('types a joined room: timeline, state, ephemeral, account data, counts, summary', () => {
    const r = room(changes.rooms, '!726s6s6q:example.com');
    expect(r.timeline.limited).toBe(true);
    expect(r.timeline.prevBatch).toBe('t34-23535_0_0');
    expect(r.timeline.events.map((e) => e.type)).toEqual(['m.room.member', 'm.room.message']);
    expect(r.timeline.events[0]!.state_key).toBe('@alice:example.org');
    expect(r.timeline.events[1]!.state_key).toBeUndefined();
    expect(r.state).toHaveLength(1);
    expect(r.state[0]!.content.displayname).toBe('Example user');
    expect(r.stateAfter).toBeUndefined();
    expect(r.ephemeral.typing).toEqual(['@alice:matrix.org', '@bob:example.com']);
    expect(r.ephemeral.receipts).toEqual([
      {
        eventId: '$1435641916114394fHBLK:matrix.org',
        userId: '@erikj:jki.re',
        type: 'm.read',
        ts: 1436451550453,
      },
      {
        eventId: '$1435641916114394fHBLK:matrix.org',
        userId: '@self:example.org',
        type: 'm.read.private',
        ts: 1661384801651,
      },
    ]);
    expect(r.accountData.map((a) => a.type)).toEqual(['m.tag', 'org.example.custom.room.config']);
    expect(r.unread).toEqual({ notifications: 5, highlights: 1 });
    expect(r.summary).toEqual({
      heroes: ['@alice:example.com', '@bob:example.com'],
      joined: 2,
      invited: 0,
    });
  });

  it('keeps stripped state of invites and knocks', () => {
    const invite = room(changes.rooms, '!696r7674:example.com');
    expect(invite.strippedState).toEqual([
      {
        sender: '@alice:example.com',
        type: 'm.room.name',
        state_key: '',
        content: { name: 'My Room Name' },
      },
      {
        sender: '@alice:example.com',
        type: 'm.room.member',
        state_key: '@bob:example.com',
        content: { membership: 'invite' },
      },
    ]);
    expect(invite.timeline).toEqual({ events: [], limited: false });
    expect(room(changes.rooms, '!223asd456:example.com').strippedState).toHaveLength(2);
  });

  it('reports no E2EE data when none was sent', () => {
    expect(changes.toDevice).toEqual([]);
    expect(changes.deviceLists).toEqual({ changed: [], left: [] });
    expect(changes.otkCounts).toEqual({});
    expect(changes.unusedFallbackKeyTypes).toBeUndefined();
  });
});

describe('parseSync extensions', () => {
  it('types to-device, device lists, key counts and a left room', () => {
    const c = parseSync(clone(e2eeFixture));
    expect(c.toDevice).toEqual([
      {
        sender: '@alice:example.com',
        type: 'm.room_key_request',
        content: {
          action: 'request_cancellation',
          request_id: '1495474790150.19',
          requesting_device_id: 'RJYKSTBOIE',
        },
      },
    ]);
    expect(c.skipped.map((s) => s.reason)).toEqual([
      'malformed to-device event',
      'malformed to-device event',
    ]);
    expect(c.deviceLists).toEqual({ changed: ['@alice:example.com'], left: ['@bob:example.com'] });
    expect(c.otkCounts).toEqual({ signed_curve25519: 20 });
    expect(c.unusedFallbackKeyTypes).toEqual(['signed_curve25519']);
    const left = room(c.rooms, '!left:example.com');
    expect(left.membership).toBe('leave');
    expect(left.timeline.events[0]!.content.membership).toBe('ban');
  });

  it('marks state_after present (even empty) and keeps state empty', () => {
    const c = parseSync(clone(stateAfterFixture));
    const r = room(c.rooms, '!sa:example.com');
    expect(r.stateAfter?.map((e) => e.event_id)).toEqual(['$name2:example.com']);
    expect(r.state).toEqual([]);
    expect(room(c.rooms, '!empty-sa:example.com').stateAfter).toEqual([]);
  });
});

describe('parseSync on malformed input', () => {
  it('skips each malformed piece with a reason and keeps the rest', () => {
    const c = parseSync(clone(malformedFixture));
    const good = room(c.rooms, '!good:example.com');
    expect(good.timeline.events.map((e) => e.event_id)).toEqual(['$ok:example.com']);
    expect(good.timeline.limited).toBe(false);
    expect(good.timeline.prevBatch).toBeUndefined();
    expect(good.state.map((e) => e.event_id)).toEqual(['$goodname:example.com']);
    expect(good.ephemeral.receipts).toEqual([
      { eventId: '$x', userId: '@a:example.com', type: 'm.read', threadId: 'main', ts: 0 },
    ]);
    expect(good.summary).toEqual({ heroes: ['@a:example.com'] });
    expect(c.accountData.map((a) => a.type)).toEqual(['m.direct']);
    expect(room(c.rooms, '!left2:example.com').timeline.events).toEqual([]);
    expect(c.rooms).toHaveLength(2);
    const reasons = c.skipped.map((s) => `${s.roomId ?? '-'} ${s.eventId ?? '-'} ${s.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        '!notanobject:example.com - rooms.join: room is not an object',
        'not-a-room-id - rooms.join: not a room id',
        '!good:example.com $nosender:example.com timeline: missing or invalid sender',
        '!good:example.com $strcontent:example.com timeline: content is not an object',
        '!good:example.com $badts:example.com timeline: missing or invalid origin_server_ts',
        '!good:example.com $badkey:example.com timeline: state_key is not a string',
        '!good:example.com - timeline: event is not an object',
        '!good:example.com $nostatekey:example.com state: state event without state_key',
        '!good:example.com - malformed ephemeral event',
        '!good:example.com - account_data has no events list',
        '- - rooms.invite is not an object',
        '!left2:example.com - timeline: events is not a list',
        '- - to_device has no events list',
      ]),
    );
    expect(c.skipped.filter((s) => s.reason === 'malformed account data event')).toHaveLength(2);
  });

  it('throws a clear error without next_batch, and for a non-object', () => {
    expect(() => parseSync({ rooms: {} })).toThrow(InvalidSyncResponse);
    expect(() => parseSync({ rooms: {} })).toThrow(/missing next_batch/);
    expect(() => parseSync('{"next_batch": "s1"}')).toThrow(/not a JSON object/);
    expect(() => parseSync(null)).toThrow(InvalidSyncResponse);
  });

  it('skips an event over 64 KiB', () => {
    const big = {
      content: { body: 'x'.repeat(70 * 1024), msgtype: 'm.text' },
      event_id: '$big:example.com',
      origin_server_ts: 1,
      sender: '@a:example.com',
      type: 'm.room.message',
    };
    const c = parseSync({
      next_batch: 's1',
      rooms: { join: { '!r:example.com': { timeline: { events: [big] } } } },
    });
    expect(c.rooms[0]!.timeline.events).toEqual([]);
    expect(c.skipped[0]).toMatchObject({ eventId: '$big:example.com' });
    expect(c.skipped[0]!.reason).toMatch(/too large/);
  });

  it('skips a deeply nested event, to-device message and account data entry alone', () => {
    const deep = () => JSON.parse('['.repeat(22_000) + ']'.repeat(22_000)) as unknown;
    const ev = (id: string, content: object) => ({
      content,
      event_id: id,
      origin_server_ts: 1,
      sender: '@a:example.com',
      type: 'm.room.message',
    });
    const good = ev('$good:example.com', { body: 'fine', msgtype: 'm.text' });
    const c = parseSync({
      next_batch: 's1',
      rooms: {
        join: {
          '!r:example.com': {
            timeline: { events: [ev('$deep:example.com', { x: deep() }), good] },
            account_data: { events: [{ type: 'a.deep', content: { x: deep() } }] },
          },
        },
        invite: {
          '!i:example.com': {
            invite_state: {
              events: [
                { type: 'm.room.name', state_key: '', sender: '@a:x', content: { x: deep() } },
              ],
            },
          },
        },
      },
      account_data: {
        events: [
          { type: 'g.deep', content: { x: deep() } },
          { type: 'g.ok', content: {} },
        ],
      },
      to_device: {
        events: [
          { type: 'm.deep', sender: '@a:example.com', content: { x: deep() } },
          { type: 'm.ok', sender: '@a:example.com', content: { n: 1 } },
        ],
      },
    });
    expect(c.rooms[0]!.timeline.events.map((e) => e.event_id)).toEqual(['$good:example.com']);
    expect(c.rooms[0]!.accountData).toEqual([]);
    expect(c.rooms[1]!.strippedState).toEqual([]);
    expect(c.accountData).toEqual([{ type: 'g.ok', content: {} }]);
    expect(c.toDevice).toEqual([{ type: 'm.ok', sender: '@a:example.com', content: { n: 1 } }]);
    expect(c.skipped).toHaveLength(5);
    for (const s of c.skipped) expect(s.reason).toMatch(/nested more than 100 levels/);
    expect(c.skipped[0]).toMatchObject({ roomId: '!r:example.com', eventId: '$deep:example.com' });
  });
});
