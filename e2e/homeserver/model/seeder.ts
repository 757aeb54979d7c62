import { notFound } from '../errors';
import type { Homeserver } from '../hs';
import type { JsonObject } from '../validate';
import { createRoom, type CreateRoomRequest } from './create-room';
import type { Pdu, StoredEvent } from './events';
import type { Room } from './room';

/** An event the seeder wrote (or found in a room's timeline). */
export type SeededEvent = {
  eventId: string;
  type: string;
  sender: string;
  /** Its `origin_server_ts`. */
  ts: number;
};

/** Where and when an event is sent. */
export type SendOptions = {
  /** `origin_server_ts`; the server's clock when absent. */
  ts?: number;
  /** Makes it a state event. */
  stateKey?: string;
};

/**
 * Writes straight into a homeserver's state what clients would make over HTTP, through the
 * same model code (so a seeded room is indistinguishable from a client-made one), but dated as
 * told: for the `/_test/` control API and for tools that need a history in the past (the demo,
 * benchmarks). Ids are Matrix ids; timestamps default to the server's clock.
 */
export class Seeder {
  readonly #hs: Homeserver;

  constructor(hs: Homeserver) {
    this.#hs = hs;
  }

  /** Runs `fn` as one write (one SQLite transaction when the server persists). */
  batch<T>(fn: () => T): T {
    return this.#hs.persist.batch(fn);
  }

  /** The user id of `localpart` on this server. */
  userId(localpart: string): string {
    return this.#hs.accounts.userId(localpart);
  }

  /** Registers a user (no device); returns its id. Throws M_USER_IN_USE if taken. */
  createUser(localpart: string, opts: { password: string; displayName?: string }): string {
    const { accounts, notifier } = this.#hs;
    const user = accounts.createUser(localpart, opts.password, notifier.next());
    if (opts.displayName !== undefined) {
      user.displayname = opts.displayName;
      accounts.users.set(user.user_id, user);
    }
    return user.user_id;
  }

  /** Creates a room as `creator`, as `POST /createRoom` would, every event dated `ts`. */
  createRoom(creator: string, req: CreateRoomRequest, ts?: number): string {
    this.#requireUser(creator);
    return createRoom(this.#hs, creator, req, ts);
  }

  /**
   * `userId` joins the room, invited first by `invitedBy` unless the room is public or they are
   * invited already; a member already joined stays as they are.
   */
  join(roomId: string, userId: string, opts: { invitedBy: string; ts?: number }): void {
    const { rooms } = this.#hs;
    const room = this.#room(roomId);
    const profile = this.#requireUser(userId);
    const membership = room.membership(userId);
    if (membership === 'join') return;
    const open = room.stateContent('m.room.join_rules')?.join_rule === 'public';
    if (!open && membership !== 'invite') {
      rooms.setMembership(room, opts.invitedBy, userId, 'invite', {}, profile, opts.ts);
    }
    rooms.setMembership(room, userId, userId, 'join', {}, profile, opts.ts);
  }

  /** Sends an event as `sender` (authorized as any event is). */
  send(
    roomId: string,
    sender: string,
    type: string,
    content: JsonObject,
    opts: SendOptions = {},
  ): SeededEvent {
    const room = this.#room(roomId);
    const pdu = opts.ts === undefined ? {} : { origin_server_ts: opts.ts };
    const se = this.#hs.rooms.send(room, sender, type, content, opts.stateKey, undefined, pdu);
    return seeded(se);
  }

  /** Redacts `eventId`, naming it where the room's version wants (content from v11 on). */
  redact(roomId: string, sender: string, eventId: string, ts?: number): SeededEvent {
    const room = this.#room(roomId);
    const v11 = Number(room.version) >= 11;
    const pdu: Partial<Pdu> = ts === undefined ? {} : { origin_server_ts: ts };
    if (!v11) pdu.redacts = eventId;
    const content = v11 ? { redacts: eventId } : {};
    const rooms = this.#hs.rooms;
    return seeded(rooms.send(room, sender, 'm.room.redaction', content, undefined, undefined, pdu));
  }

  /** Sets account data of `userId`: global without `roomId`, else for that room. */
  setAccountData(userId: string, roomId: string | undefined, type: string, content: JsonObject) {
    this.#hs.accountData.set(userId, roomId ?? '', type, content);
  }

  /** A read receipt (`m.read`) of `userId` on `eventId`, dated `ts`. */
  markRead(roomId: string, userId: string, eventId: string, ts?: number): void {
    const room = this.#room(roomId);
    const se = room.event(eventId);
    if (!se) throw notFound(`Unknown event ${eventId}`);
    this.#hs.receipts.put({
      room_id: roomId,
      type: 'm.read',
      user_id: userId,
      event_id: eventId,
      event_pos: se.pos,
      ts: ts ?? this.#hs.now(),
    });
  }

  /** The room's timeline, oldest first. */
  timeline(roomId: string): SeededEvent[] {
    return this.#room(roomId).timeline.map(seeded);
  }

  #room(roomId: string): Room {
    return this.#hs.rooms.require(roomId);
  }

  /** The user's profile; M_NOT_FOUND for an unknown user. */
  #requireUser(userId: string): { displayname?: string; avatar_url?: string } {
    if (!this.#hs.accounts.users.has(userId)) throw notFound(`Unknown user ${userId}`);
    return this.#hs.accounts.profile(userId);
  }
}

function seeded(se: StoredEvent): SeededEvent {
  const { event_id, type, sender, origin_server_ts } = se.pdu;
  return { eventId: event_id, type, sender, ts: origin_server_ts };
}
