/**
 * Seeds the test homeserver with the benchmark account: one user in N rooms of M events each,
 * mixed message sizes, replies, edits and reactions, ~5% DMs and ~3% rooms with 200+ members.
 * Everything goes through the control API (`/_test/`), in bulk and a few requests in parallel.
 *
 * As a script: `npx tsx e2e/bench/generate.ts --data DIR [--rooms N] [--events M]` starts a
 * homeserver process on DIR, seeds it and stops it (the data persists in DIR).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { mixedMessages, plainMessages, Rng, type SeedEvent } from './content';
import { startHomeserverProcess } from './homeserver-process';

/** What to seed. */
export type SeedParams = {
  rooms: number;
  /** Messages (and reactions, edits, replies) per room, after the room's creation events. */
  events: number;
  /** Rooms that are DMs; default 5% of `rooms`. */
  dmRooms?: number;
  /** Rooms with `bigRoomMembers` members; default 3% of `rooms`. */
  bigRooms?: number;
  /** Members of each big room besides the bench user and its creator; default 200–240. */
  bigRoomMembers?: number;
  seed?: number;
};

/** The seeded account and what was made. */
export type SeedReport = {
  homeserver: string;
  userId: string;
  username: string;
  password: string;
  rooms: number;
  dmRooms: number;
  bigRooms: number;
  /** Users created, the bench user included. */
  users: number;
  /** Events appended after room creation (messages, replies, edits, reactions). */
  messages: number;
  /** All events on the server, creation and membership events included. */
  serverEvents: number;
  seconds: number;
};

export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench-password';

const FRIENDS = 40;
const PARALLEL = 6;
/** Keep each bulk request well under the server's 1 MiB JSON limit. */
const MAX_BATCH_BYTES = 512 * 1024;
const DAY = 86_400_000;
const STEP_MS = 45_000;

type Kind = 'normal' | 'dm' | 'big';

async function post(base: string, path: string, body: unknown, token?: string, method = 'POST') {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (t: T, i: number) => Promise<R>) {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function createUsers(base: string, prefix: string, n: number): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
  return pool(names, PARALLEL, async (username) => {
    const body = { username, displayname: `${prefix} ${username.slice(prefix.length)}`, login: false };
    return String((await post(base, '/_test/users', body)).user_id);
  });
}

/** Which rooms are DMs and which are big, spread through the list. */
function roomKinds(rng: Rng, n: number, dms: number, big: number): Kind[] {
  const kinds: Kind[] = Array.from({ length: n }, (_, i) =>
    i < dms ? 'dm' : i < dms + big ? 'big' : 'normal',
  );
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds;
}

/** Splits events into bulk requests under {@link MAX_BATCH_BYTES}. */
function batches(events: SeedEvent[]): SeedEvent[][] {
  const out: SeedEvent[][] = [];
  let cur: SeedEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = JSON.stringify(e).length;
    if (cur.length > 0 && bytes + size > MAX_BATCH_BYTES) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(e);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

async function appendEvents(base: string, roomId: string, events: SeedEvent[], tsStart: number) {
  const ids: string[] = [];
  for (const batch of batches(events)) {
    const body = { events: batch, ts_start: tsStart + ids.length * STEP_MS, ts_step: STEP_MS };
    const res = await post(base, `/_test/rooms/${encodeURIComponent(roomId)}/events`, body);
    ids.push(...(res.event_ids as string[]));
  }
  return ids;
}

type RoomPlan = {
  kind: Kind;
  creator: string;
  members: string[];
  senders: string[];
  name?: string;
  topic?: string;
};

function planRoom(
  rng: Rng,
  i: number,
  kind: Kind,
  me: string,
  friends: string[],
  crowd: string[],
  bigMembers: number,
): RoomPlan {
  const friend = rng.pick(friends);
  if (kind === 'dm') return { kind, creator: friend, members: [me], senders: [me, friend] };
  if (kind === 'big') {
    const start = rng.int(0, crowd.length - 1);
    const others = Array.from({ length: bigMembers }, (_, k) => crowd[(start + k) % crowd.length]!);
    const senders = [me, friend, ...others.slice(0, 25)];
    return { kind, creator: friend, members: [me, ...others], senders, name: `Town square ${i}` };
  }
  const others = new Set<string>();
  for (let k = rng.int(1, 6); k > 0; k--) others.add(rng.pick(friends));
  const mine = rng.next() < 0.5;
  const creator = mine ? me : [...others][0]!;
  const members = [...(mine ? [] : [me]), ...[...others].filter((u) => u !== creator)];
  const topic = rng.next() < 0.3 ? `Topic of room ${i}` : undefined;
  return { kind, creator, members, senders: [me, ...others], name: `Room ${i}`, topic };
}

async function seedRoom(base: string, plan: RoomPlan, rng: Rng, events: number, tsStart: number) {
  const create: Record<string, unknown> = {
    creator: plan.creator,
    members: plan.members,
    preset: plan.kind === 'big' ? 'public_chat' : 'private_chat',
    is_direct: plan.kind === 'dm',
  };
  if (plan.name) create.name = plan.name;
  if (plan.topic) create.topic = plan.topic;
  const roomId = String((await post(base, '/_test/rooms', create)).room_id);
  const firstCount = Math.ceil(events * 0.6);
  const first = plainMessages(rng, plan.senders, firstCount);
  const firstIds = await appendEvents(base, roomId, first, tsStart);
  const earlier = first.map((event, k) => ({ id: firstIds[k]!, event }));
  const rest = mixedMessages(rng, plan.senders, earlier, events - firstCount);
  await appendEvents(base, roomId, rest, tsStart + firstCount * STEP_MS);
  return roomId;
}

/** Seeds the benchmark account on the homeserver at `base` (test mode on). */
export async function seedBench(base: string, params: SeedParams): Promise<SeedReport> {
  const started = performance.now();
  const rng = new Rng(params.seed ?? 42);
  const dms = params.dmRooms ?? Math.round(params.rooms * 0.05);
  const big = params.bigRooms ?? Math.round(params.rooms * 0.03);
  const bigMembers = params.bigRoomMembers ?? rng.int(200, 240);
  const benchBody = { username: BENCH_USER, password: BENCH_PASSWORD, displayname: 'Bench User' };
  const bench = await post(base, '/_test/users', benchBody);
  const me = String(bench.user_id);
  const token = String(bench.access_token);
  const friends = await createUsers(base, 'friend', Math.min(FRIENDS, Math.max(2, params.rooms)));
  const crowd = big > 0 ? await createUsers(base, 'crowd', bigMembers + 20) : [];

  const kinds = roomKinds(rng, params.rooms, dms, big);
  const plans = kinds.map((k, i) => planRoom(rng, i, k, me, friends, crowd, bigMembers));
  const now = Date.now();
  const starts = plans.map(() => now - 30 * DAY + Math.floor(rng.next() * 29 * DAY));
  // Each room gets its own generator, so parallel requests never change what is seeded.
  const seeds = plans.map(() => rng.int(1, 2 ** 31));
  const roomIds = await pool(plans, PARALLEL, (plan, i) =>
    seedRoom(base, plan, new Rng(seeds[i]!), params.events, starts[i]!),
  );
  await finishAccount(base, me, token, plans, roomIds);
  const stats = await (await fetch(`${base}/_test/stats`)).json();
  return {
    homeserver: base,
    userId: me,
    username: BENCH_USER,
    password: BENCH_PASSWORD,
    rooms: params.rooms,
    dmRooms: dms,
    bigRooms: big,
    users: 1 + friends.length + crowd.length,
    messages: params.rooms * params.events,
    serverEvents: Number((stats as { events: number }).events),
    seconds: (performance.now() - started) / 1000,
  };
}

/** The bench user's `m.direct` and a few favourite / low-priority tags, as a client sets them. */
async function finishAccount(
  base: string,
  me: string,
  token: string,
  plans: RoomPlan[],
  roomIds: string[],
) {
  const direct: Record<string, string[]> = {};
  plans.forEach((p, i) => {
    if (p.kind === 'dm') (direct[p.creator] ??= []).push(roomIds[i]!);
  });
  const user = `/_matrix/client/v3/user/${encodeURIComponent(me)}`;
  await post(base, `${user}/account_data/m.direct`, direct, token, 'PUT');
  const tagged = roomIds.filter((_, i) => i % 40 === 3 || i % 40 === 17);
  await pool(tagged, PARALLEL, (roomId, i) => {
    const tag = i % 2 === 0 ? 'm.favourite' : 'm.lowpriority';
    const path = `${user}/rooms/${encodeURIComponent(roomId)}/tags/${tag}`;
    return post(base, path, { order: 0.5 }, token, 'PUT');
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      rooms: { type: 'string', default: '1000' },
      events: { type: 'string', default: '50' },
    },
  });
  if (!values.data) throw new Error('usage: generate.ts --data DIR [--rooms N] [--events M]');
  const hs = await startHomeserverProcess(values.data);
  try {
    const report = await seedBench(hs.url, {
      rooms: Number(values.rooms),
      events: Number(values.events),
    });
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await hs.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
