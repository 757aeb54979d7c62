/**
 * Seeds the demo homeserver: the people, the rooms and their scripted histories, DMs recorded in
 * `m.direct`, tags, and read receipts that leave a few rooms unread.
 *
 * It writes through the test homeserver's `Seeder` (the same model code its HTTP API runs),
 * because only there can history be dated in the past: the demo should open on rooms with weeks
 * of believable activity, not on a hundred messages all sent a second ago.
 */
import {
  Seeder,
  type CreateRoomRequest,
  type Homeserver,
  type JsonObject,
  type SeededEvent,
} from '../homeserver';
import {
  editContent,
  messageContent,
  reactionContent,
} from '../../src-main/protocol/message-content';
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
  /** The bot's direct chat with the demo user: encrypted, and empty until she writes. */
  botDirectRoomId: string;
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

/** Seeds `hs` once; throws if the demo users exist already. `now` dates the history. */
export function seedDemo(hs: Homeserver, now = Date.now()): SeedReport {
  const seeder = new Seeder(hs);
  return seeder.batch(() => new DemoSeed(seeder, now).run());
}

class DemoSeed {
  readonly #seeder: Seeder;
  readonly #now: number;
  readonly #conversations: Map<string, Conversation>;
  #messages = 0;
  #events = 0;

  constructor(seeder: Seeder, now: number) {
    this.#seeder = seeder;
    this.#now = now;
    this.#conversations = new Map(demoConversations().map((c) => [c.room, c]));
  }

  run(): SeedReport {
    this.#createUsers();
    const direct = new Map<string, Record<string, string[]>>();
    let rooms = 0;
    let invites = 0;
    let botDirectRoomId: string | undefined;
    for (const def of ROOMS) {
      const roomId = this.#createRoom(def);
      if (def.direct && def.creator === BOT_USER.localpart) botDirectRoomId = roomId;
      const events = this.#play(roomId, def);
      if (def.direct) this.#recordDirect(direct, def, roomId);
      if (def.invite) {
        invites++;
        continue;
      }
      rooms++;
      this.#tag(def, roomId);
      this.#markRead(def, roomId, events);
    }
    for (const [userId, content] of direct) {
      this.#seeder.setAccountData(userId, undefined, 'm.direct', content);
    }
    if (!botDirectRoomId) throw new Error('The cast has no direct chat with the bot');
    return {
      users: 2 + Object.keys(PEOPLE).length,
      rooms,
      invites,
      messages: this.#messages,
      events: this.#events,
      demoUserId: this.#id(DEMO_USER.localpart),
      botUserId: this.#id(BOT_USER.localpart),
      botDirectRoomId,
    };
  }

  #id(localpart: string): string {
    return this.#seeder.userId(localpart);
  }

  #createUsers(): void {
    const all: [string, string, string][] = [
      [DEMO_USER.localpart, DEMO_USER.password, DEMO_USER.displayName],
      [BOT_USER.localpart, BOT_USER.password, BOT_USER.displayName],
      ...Object.entries(PEOPLE).map(([l, name]): [string, string, string] => [l, l + l, name]),
    ];
    for (const [localpart, password, displayName] of all) {
      this.#seeder.createUser(localpart, { password, displayName });
    }
  }

  /** The room as its creator made it, with everyone joined a minute later; returns its id. */
  #createRoom(def: DemoRoom): string {
    const created = this.#creationTime(def);
    const creator = this.#id(def.creator);
    const request: CreateRoomRequest = {
      preset: def.direct ? 'trusted_private_chat' : 'private_chat',
      isDirect: def.direct ?? false,
      invite: def.invite ? [this.#id(DEMO_USER.localpart)] : [],
      name: def.name,
      topic: def.topic,
      initialState: def.encrypted
        ? [{ type: 'm.room.encryption', content: { algorithm: 'm.megolm.v1.aes-sha2' } }]
        : undefined,
    };
    const roomId = this.#seeder.createRoom(creator, request, created);
    const joiners = def.members.filter((m) => m !== def.creator && !(def.invite && m === 'demo'));
    joiners.forEach((localpart, i) => {
      const ts = created + MINUTE + i * 1000;
      this.#seeder.join(roomId, this.#id(localpart), { invitedBy: creator, ts });
    });
    this.#events += this.#seeder.timeline(roomId).length;
    return roomId;
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
  #play(roomId: string, def: DemoRoom): SeededEvent[] {
    const c = this.#conversations.get(def.key);
    if (!c) return [];
    if (def.encrypted) {
      throw new Error(`${def.key} is encrypted: the seed cannot write its history in plain text`);
    }
    const sent: SeededEvent[] = [];
    let ts = this.#startOf(c);
    c.lines.forEach((line, i) => {
      ts += (i === 0 ? 0 : (line.gap ?? 3)) * MINUTE;
      const target = line.reply ? sent[i - line.reply] : undefined;
      const content = messageContent({
        kind: line.emote ? 'emote' : 'text',
        body: line.emote ? line.text.replace(/^\/me /, '') : line.text,
        replyTo: target && { eventId: target.eventId, sender: target.sender },
        mentions: line.mention?.map((m) => this.#id(m)),
      });
      const event = this.#send(roomId, line.from, 'm.room.message', content, ts);
      this.#messages++;
      sent.push(event);
      this.#decorate(roomId, line, event, ts);
    });
    return sent;
  }

  /** The edit, reactions and deletion a line gets, each a little after it. */
  #decorate(roomId: string, line: Line, event: SeededEvent, ts: number): void {
    const { eventId } = event;
    if (line.edit) {
      const edit = editContent(eventId, { kind: 'text', body: line.edit });
      this.#send(roomId, line.from, 'm.room.message', edit, ts + 40_000);
    }
    Object.entries(line.react ?? {}).forEach(([key, who], k) => {
      who.forEach((localpart, n) => {
        const at = ts + 20_000 + (k * 5 + n) * 3_000;
        this.#send(roomId, localpart, 'm.reaction', reactionContent(eventId, key), at);
      });
    });
    if (line.redact) {
      this.#events++;
      this.#seeder.redact(roomId, this.#id(line.from), eventId, ts + 30_000);
    }
  }

  #send(roomId: string, localpart: string, type: string, content: object, ts: number) {
    this.#events++;
    const sender = this.#id(localpart);
    return this.#seeder.send(roomId, sender, type, content as JsonObject, { ts });
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
    this.#seeder.setAccountData(this.#id(DEMO_USER.localpart), roomId, 'm.tag', { tags });
  }

  /** A read receipt of the demo user on the last message it has read. */
  #markRead(def: DemoRoom, roomId: string, sent: SeededEvent[]): void {
    const read = sent[sent.length - 1 - (def.unread ?? 0)] ?? this.#seeder.timeline(roomId).at(-1);
    if (!read) return;
    this.#seeder.markRead(roomId, this.#id(DEMO_USER.localpart), read.eventId, read.ts + MINUTE);
  }
}
