import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningHomeserver } from '../homeserver';
import { api, startTestServer } from '../homeserver/testing/helpers';
import { BENCH_PASSWORD, BENCH_USER, seedBench, type SeedReport } from './generate';

let server: RunningHomeserver;
let report: SeedReport;
let sync: any;

beforeAll(async () => {
  server = await startTestServer();
  report = await seedBench(server.url, {
    rooms: 4,
    events: 6,
    dmRooms: 1,
    bigRooms: 1,
    bigRoomMembers: 12,
  });
  const login = await api(server.url, 'POST', '/_matrix/client/v3/login', {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: BENCH_USER },
    password: BENCH_PASSWORD,
  });
  expect(login.status).toBe(200);
  const filter = encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 100 } } }));
  const res = await api(
    server.url,
    'GET',
    `/_matrix/client/v3/sync?filter=${filter}`,
    undefined,
    login.body.access_token,
  );
  expect(res.status).toBe(200);
  sync = res.body;
});

afterAll(async () => {
  await server?.close();
});

const seeded = (room: any) =>
  room.timeline.events.filter((e: any) => e.state_key === undefined && e.type !== 'm.room.create');

describe('bench generator', () => {
  test('the bench user is joined to every seeded room, each with its messages', () => {
    const joined = Object.values<any>(sync.rooms.join);
    expect(joined).toHaveLength(4);
    for (const room of joined) {
      expect(seeded(room)).toHaveLength(6);
      expect(room.timeline.limited).toBe(false);
    }
    expect(report).toMatchObject({ rooms: 4, dmRooms: 1, bigRooms: 1, messages: 24 });
  });

  test('relations point at earlier events of the same room; edits come from the original sender', () => {
    for (const room of Object.values<any>(sync.rooms.join)) {
      const byId = new Map<string, any>(room.timeline.events.map((e: any) => [e.event_id, e]));
      for (const e of seeded(room)) {
        const rel = e.content['m.relates_to'];
        if (!rel) continue;
        const target = byId.get(rel.event_id ?? rel['m.in_reply_to']?.event_id);
        expect(target).toBeDefined();
        expect(target.origin_server_ts).toBeLessThan(e.origin_server_ts);
        if (rel.rel_type === 'm.replace') expect(e.sender).toBe(target.sender);
      }
    }
  });

  test('the DM is in m.direct and the big room has all its members', () => {
    const direct = sync.account_data.events.find((e: any) => e.type === 'm.direct');
    const dmIds = Object.values<string[]>(direct.content).flat();
    expect(dmIds).toHaveLength(1);
    const dm = sync.rooms.join[dmIds[0]!];
    expect(dm.summary['m.joined_member_count']).toBe(2);
    const counts = Object.values<any>(sync.rooms.join).map((r) => r.summary['m.joined_member_count']);
    // 12 crowd members, the bench user and the creator.
    expect(Math.max(...counts)).toBe(14);
  });

  test('messages come in mixed sizes, with HTML bodies among them', () => {
    const bodies = Object.values<any>(sync.rooms.join)
      .flatMap(seeded)
      .filter((e: any) => e.type === 'm.room.message')
      .map((e: any) => e.content);
    expect(bodies.some((c: any) => c.body.length < 200)).toBe(true);
    const long = bodies.filter((c: any) => c.formatted_body);
    for (const c of long) expect(c.format).toBe('org.matrix.custom.html');
  });
});
