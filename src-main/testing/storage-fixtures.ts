/**
 * Builders shared by the storage tests: an in-memory account, and events and `/sync` responses
 * shaped like the spec's examples.
 */
import type { JsonObject, RawEvent } from '../protocol/events';
import { parseSync, type SyncChanges } from '../protocol/sync';
import { openAccountStores, type Stores } from '../storage/stores';

/** The signed-in user of the test account. */
export const ME = '@me:example.org';

/** A fresh in-memory account database with a session (so sync tokens can be stored). */
export function memStores(): Stores {
  const stores = openAccountStores(':memory:');
  stores.session.create({
    userId: ME,
    deviceId: 'DEV',
    homeserver: 'https://example.org',
  });
  return stores;
}

/** Extra fields of a built event; `id` sets its event id. */
export type Extra = Partial<RawEvent> & { id?: string };

let tick = 1_700_000_000_000;

/** A room event; `ts` increases with every call unless given. */
export function ev(type: string, content: JsonObject, extra: Extra = {}): RawEvent {
  const { id, ...rest } = extra;
  return {
    event_id: id ?? `$${type}-${++tick}`,
    type,
    sender: '@alice:example.org',
    origin_server_ts: ++tick,
    content,
    ...rest,
  };
}

/** An `m.text` message. */
export function msg(id: string, body: string, extra: Extra = {}): RawEvent {
  return ev('m.room.message', { msgtype: 'm.text', body }, { id, ...extra });
}

/** An `m.room.member` state event. */
export function member(
  userId: string,
  membership: string,
  displayname?: string,
  extra: Extra = {},
): RawEvent {
  const content: JsonObject = { membership };
  if (displayname) content.displayname = displayname;
  return ev('m.room.member', content, { sender: userId, state_key: userId, ...extra });
}

/** A state event with state key `''`. */
export function stateEv(type: string, content: JsonObject, extra: Extra = {}) {
  return ev(type, content, { state_key: '', ...extra });
}

/** A reaction. */
export function reaction(id: string, target: string, key: string, sender: string): RawEvent {
  return ev(
    'm.reaction',
    { 'm.relates_to': { rel_type: 'm.annotation', event_id: target, key } },
    { id, sender },
  );
}

/** An edit (`m.replace`) of `target`. */
export function edit(id: string, target: string, body: string, sender: string): RawEvent {
  return ev(
    'm.room.message',
    {
      msgtype: 'm.text',
      body: `* ${body}`,
      'm.new_content': { msgtype: 'm.text', body },
      'm.relates_to': { rel_type: 'm.replace', event_id: target },
    },
    { id, sender },
  );
}

/** A redaction (room version 11 shape: `content.redacts`). */
export function redaction(id: string, target: string, sender: string): RawEvent {
  return ev('m.room.redaction', { redacts: target }, { id, sender });
}

/** A joined room section of a `/sync` response. */
export type JoinedSection = {
  timeline?: RawEvent[];
  limited?: boolean;
  prevBatch?: string;
  state?: RawEvent[];
  stateAfter?: RawEvent[];
  summary?: JsonObject;
  ephemeral?: JsonObject[];
  accountData?: JsonObject[];
  unread?: { notification_count: number; highlight_count: number };
};

function joinedJson(s: JoinedSection): JsonObject {
  const out: JsonObject = {
    timeline: { events: s.timeline ?? [], limited: s.limited ?? false },
    state: { events: s.state ?? [] },
  };
  if (s.prevBatch) (out.timeline as JsonObject).prev_batch = s.prevBatch;
  if (s.stateAfter) {
    delete out.state;
    out.state_after = { events: s.stateAfter };
  }
  if (s.summary) out.summary = s.summary;
  if (s.ephemeral) out.ephemeral = { events: s.ephemeral };
  if (s.accountData) out.account_data = { events: s.accountData };
  if (s.unread) out.unread_notifications = s.unread;
  return out;
}

/** Builds and parses a `/sync` response. */
export function sync(
  nextBatch: string,
  parts: {
    join?: Record<string, JoinedSection>;
    leave?: Record<string, JoinedSection>;
    invite?: Record<string, JsonObject[]>;
    accountData?: JsonObject[];
    extra?: JsonObject;
  },
): SyncChanges {
  const rooms: JsonObject = {};
  const map = (o: Record<string, JoinedSection>) =>
    Object.fromEntries(Object.entries(o).map(([id, s]) => [id, joinedJson(s)]));
  if (parts.join) rooms.join = map(parts.join);
  if (parts.leave) rooms.leave = map(parts.leave);
  if (parts.invite) {
    rooms.invite = Object.fromEntries(
      Object.entries(parts.invite).map(([id, events]) => [id, { invite_state: { events } }]),
    );
  }
  const json: JsonObject = { next_batch: nextBatch, rooms, ...parts.extra };
  if (parts.accountData) json.account_data = { events: parts.accountData };
  return parseSync(structuredClone(json));
}

/** Rooms and people of the sync fixtures. */
export const A = '!a:example.org';
export const B = '!b:example.org';
export const ALICE = '@alice:example.org';
export const BOB = '@bob:example.org';

/**
 * A joined room as an initial sync brings it: create, members (Alice and me), topic,
 * encryption, two messages, heroes and counts, tags and marked-unread, typing and receipts.
 */
export function initialRoom(): JoinedSection {
  return {
    state: [
      stateEv('m.room.create', { room_version: '11' }, { id: '$create' }),
      member(ALICE, 'join', 'Alice', { id: '$m-alice' }),
      member(ME, 'join', 'Me', { id: '$m-me' }),
      stateEv('m.room.topic', { topic: 'Plans' }),
      stateEv('m.room.encryption', { algorithm: 'm.megolm.v1.aes-sha2' }),
    ],
    timeline: [msg('$1', 'hello', { sender: ALICE }), msg('$2', 'hi Alice', { sender: ME })],
    prevBatch: 'p-a',
    summary: { 'm.heroes': [ALICE], 'm.joined_member_count': 2, 'm.invited_member_count': 0 },
    unread: { notification_count: 3, highlight_count: 1 },
    accountData: [
      { type: 'm.tag', content: { tags: { 'm.favourite': { order: 0.5 }, 'u.work': {} } } },
      { type: 'com.famedly.marked_unread', content: { unread: true } },
    ],
    ephemeral: [
      { type: 'm.typing', content: { user_ids: [ALICE] } },
      {
        type: 'm.receipt',
        content: {
          $1: { 'm.read': { [ALICE]: { ts: 10 } } },
          $2: { 'm.read': { [BOB]: { ts: 11, thread_id: '$root' } } },
        },
      },
    ],
  };
}
