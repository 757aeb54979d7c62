/**
 * Seeds the demo homeserver: the people, the rooms and their scripted histories, DMs recorded in
 * `m.direct`, tags, and read receipts that leave a few rooms unread.
 *
 * It works on the embedded test homeserver's model directly (as its `/_test/` control API does),
 * because only there can history be dated in the past: the demo should open on rooms with weeks
 * of believable activity, not on a hundred messages all sent a second ago.
 */
import type { Homeserver } from '../../e2e/homeserver/hs';
import type { Pdu, StoredEvent } from '../../e2e/homeserver/model/events';
import type { Room } from '../../e2e/homeserver/model/room';
import { createRoom } from '../../e2e/homeserver/routes/rooms';
import type { JsonObject } from '../../e2e/homeserver/validate';
import { editContent, messageContent, reactionContent } from '../protocol/message-content';
import { BOT_USER, DEMO_USER, PEOPLE, ROOMS, type DemoRoom } from './cast';
import type { Conversation, Line } from './script';
import { longHistory } from './script-history';
import { SOCIAL_CONVERSATIONS } from './script-social';
import { WORK_CONVERSATIONS } from './script-work';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** What the seed created. */
export type SeedReport = {
  users: number;
  /** Rooms the demo user is joined to. */
  rooms: number;
  /** Rooms the demo user is invited to. */
  invites: number;
  /** `m.room.message` events. */
  messages: number;
  /** Every event, state and relations included. */
  events: number;
  demoUserId: string;
  botUserId: string;
};

/** Every scripted conversation, the Watercooler's long history included. */
export function demoConversations(): Conversation[] {
  const chatty = ['demo', ...Object.keys(PEOPLE)];
  return [
    ...WORK_CONVERSATIONS,
    ...SOCIAL_CONVERSATIONS,
    longHistory('watercooler', chatty, 600, 40, 50),
  ];
}

/**
 * Runs `fn` with `Date.now()` answering `ts`. The homeserver stamps the events `createRoom`
 * makes with `Date.now()`; `fn` is synchronous, so nothing else can observe the shifted clock.
 */
function atTime<T>(ts: number, fn: () => T): T {
  const realNow = Date.now;
  Date.now = () => ts;
  try {
    return fn();
  } finally {
    Date.now = realNow;
  }
}

/** Seeds `hs` once; throws if the demo users exist already. `now` dates the history. */
export function seedDemo(hs: Homeserver, now = Date.now()): SeedReport {
  return hs.persist.batch(() => new Seeder(hs, now).run());
}

class Seeder {
  readonly #hs: Homeserver;
  readonly #now: number;
  readonly #conversations: Map<string, Conversation>;
  #messages = 0;
  #events = 0;

  constructor(hs: Homeserver, now: number) {
    this.#hs = hs;
    this.#now = now;
    this.#conversations = new Map(demoConversations().map((c) => [c.room, c]));
  }

  run(): SeedReport {
    this.#createUsers();
    const direct = new Map<string, Record<string, string[]>>();
    let rooms = 0;
    let invites = 0;
    for (const def of ROOMS) {
      const room = this.#createRoom(def);
      const events = this.#play(room, this.#conversations.get(def.key));
      if (def.direct) this.#recordDirect(direct, def, room.id);
      if (def.invite) {
        invites++;
        continue;
      }
      rooms++;
      this.#tag(def, room.id);
      this.#markRead(def, room, events);
    }
    for (const [userId, content] of direct) {
      this.#hs.accountData.set(userId, '', 'm.direct', content);
    }
    return {
      users: 2 + Object.keys(PEOPLE).length,
      rooms,
      invites,
      messages: this.#messages,
      events: this.#events,
      demoUserId: this.#id(DEMO_USER.localpart),
      botUserId: this.#id(BOT_USER.localpart),
    };
  }

  #id(localpart: string): string {
    return this.#hs.accounts.userId(localpart);
  }

  #createUsers(): void {
    const { accounts, notifier } = this.#hs;
    const all: [string, string, string][] = [
      [DEMO_USER.localpart, DEMO_USER.password, DEMO_USER.displayName],
      [BOT_USER.localpart, BOT_USER.password, BOT_USER.displayName],
      ...Object.entries(PEOPLE).map(([l, name]): [string, string, string] => [l, l + l, name]),
    ];
    for (const [localpart, password, displayName] of all) {
      const user = accounts.createUser(localpart, password, notifier.next());
      user.displayname = displayName;
      accounts.users.set(user.user_id, user);
    }
  }

  /** The room as its creator made it, with everyone joined a minute later. */
  #createRoom(def: DemoRoom): Room {
    const { rooms, accounts } = this.#hs;
    const created = this.#creationTime(def);
    const creator = this.#id(def.creator);
    const demo = this.#id(DEMO_USER.localpart);
    const body: JsonObject = {
      preset: def.direct ? 'trusted_private_chat' : 'private_chat',
      is_direct: def.direct ?? false,
      invite: def.invite ? [demo] : [],
    };
    if (def.name) body.name = def.name;
    if (def.topic) body.topic = def.topic;
    const roomId = atTime(created, () => createRoom(this.#hs, creator, body));
    const room = rooms.require(roomId);
    const joiners = def.members.filter((m) => m !== def.creator && !(def.invite && m === 'demo'));
    joiners.forEach((localpart, i) => {
      const userId = this.#id(localpart);
      const profile = accounts.users.get(userId);
      atTime(created + MINUTE + i * 1000, () => {
        if (room.membership(userId) !== 'invite') {
          rooms.setMembership(room, creator, userId, 'invite', {}, profile);
        }
        rooms.setMembership(room, userId, userId, 'join', {}, profile);
      });
    });
    this.#events += room.timeline.length;
    return room;
  }

  /** When the room was made: as its definition says, and at least an hour before its history. */
  #creationTime(def: DemoRoom): number {
    const created = this.#now - def.createdDaysAgo * DAY;
    const conversation = this.#conversations.get(def.key);
    if (!conversation) return created;
    return Math.min(created, this.#startOf(conversation) - 60 * MINUTE);
  }

  #startOf(c: Conversation): number {
    const span = c.lines.reduce((sum, l) => sum + (l.gap ?? 3), 0);
    return this.#now - (c.endMinutesAgo + span) * MINUTE;
  }

  /** Sends the conversation's lines with their edits, reactions and deletions. */
  #play(room: Room, c: Conversation | undefined): StoredEvent[] {
    if (!c) return [];
    const sent: StoredEvent[] = [];
    let ts = this.#startOf(c);
    c.lines.forEach((line, i) => {
      ts += (i === 0 ? 0 : (line.gap ?? 3)) * MINUTE;
      const target = line.reply ? sent[i - line.reply] : undefined;
      const content = messageContent({
        kind: line.emote ? 'emote' : 'text',
        body: line.emote ? line.text.replace(/^\/me /, '') : line.text,
        replyTo: target && { eventId: target.pdu.event_id, sender: target.pdu.sender },
        mentions: line.mention?.map((m) => this.#id(m)),
      });
      const se = this.#send(room, line.from, 'm.room.message', content, ts);
      this.#messages++;
      sent.push(se);
      this.#decorate(room, line, se, ts);
    });
    return sent;
  }

  /** The edit, reactions and deletion a line gets, each a little after it. */
  #decorate(room: Room, line: Line, se: StoredEvent, ts: number): void {
    const eventId = se.pdu.event_id;
    if (line.edit) {
      const edit = editContent(eventId, { kind: 'text', body: line.edit });
      this.#send(room, line.from, 'm.room.message', edit, ts + 40_000);
    }
    Object.entries(line.react ?? {}).forEach(([key, who], k) => {
      who.forEach((localpart, n) => {
        const at = ts + 20_000 + (k * 5 + n) * 3_000;
        this.#send(room, localpart, 'm.reaction', reactionContent(eventId, key), at);
      });
    });
    if (line.redact) {
      // Room versions up to 10 name the redacted event at the top level, 11 in the content.
      const v11 = Number(room.version) >= 11;
      const content = v11 ? { redacts: eventId } : {};
      const extra = v11 ? {} : { redacts: eventId };
      this.#send(room, line.from, 'm.room.redaction', content, ts + 30_000, extra);
    }
  }

  #send(
    room: Room,
    localpart: string,
    type: string,
    content: object,
    ts: number,
    extra: Partial<Pdu> = {},
  ): StoredEvent {
    this.#events++;
    const sender = this.#id(localpart);
    const pdu = { ...extra, origin_server_ts: ts };
    return this.#hs.rooms.send(
      room,
      sender,
      type,
      content as JsonObject,
      undefined,
      undefined,
      pdu,
    );
  }

  /** Both people of a DM list it in their `m.direct` (an invite is not joined yet). */
  #recordDirect(direct: Map<string, Record<string, string[]>>, def: DemoRoom, roomId: string) {
    const demo = this.#id(DEMO_USER.localpart);
    const other = this.#id(def.creator);
    const add = (userId: string, peer: string) => {
      const content = direct.get(userId) ?? {};
      content[peer] = [...(content[peer] ?? []), roomId];
      direct.set(userId, content);
    };
    add(other, demo);
    if (!def.invite) add(demo, other);
  }

  #tag(def: DemoRoom, roomId: string): void {
    if (!def.tags?.length) return;
    const tags = Object.fromEntries(def.tags.map((t, i) => [t, { order: (i + 1) / 10 }]));
    this.#hs.accountData.set(this.#id(DEMO_USER.localpart), roomId, 'm.tag', { tags });
  }

  /** A read receipt of the demo user on the last message it has read. */
  #markRead(def: DemoRoom, room: Room, sent: StoredEvent[]): void {
    const read =
      sent[sent.length - 1 - (def.unread ?? 0)] ?? room.timeline[room.timeline.length - 1];
    if (!read) return;
    this.#hs.receipts.put({
      room_id: room.id,
      type: 'm.read',
      user_id: this.#id(DEMO_USER.localpart),
      event_id: read.pdu.event_id,
      event_pos: read.pos,
      ts: read.pdu.origin_server_ts + MINUTE,
    });
  }
}
