import { MatrixError, badJson, forbidden, notFound, tooLarge } from '../errors';
import { Collection, type Persistence } from '../store';
import { isObject, type JsonObject } from '../validate';
import { authorize, powerLevels, userLevel } from './auth-rules';
import { eventSize, redact, redactsOf, type Pdu, type StoredEvent } from './events';
import { newEventId, newRoomId } from './ids';
import type { Notifier } from './notifier';
import { Room } from './room';

/** Room versions this server creates and accepts. */
export const ROOM_VERSIONS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'];
export const DEFAULT_ROOM_VERSION = '10';

type RoomMeta = { room_id: string; version: string; published: boolean };
type Alias = { room_id: string; creator: string };

/** Memberships from most to least privileged (for judging one's own membership changes). */
const MEMBERSHIP_RANK = ['join', 'invite', 'knock', 'leave', 'ban'];
const rank = (m: string | undefined) => {
  const i = m === undefined ? -1 : MEMBERSHIP_RANK.indexOf(m);
  return i < 0 ? MEMBERSHIP_RANK.length : i;
};

/** Every room, its events, aliases and the directory. */
export class Rooms {
  readonly events: Collection<StoredEvent>;
  readonly meta: Collection<RoomMeta>;
  readonly aliases: Collection<Alias>;
  /** Transaction id → event id, per device, for idempotent sends. */
  readonly txns: Collection<string>;
  /** Rooms a user has forgotten. */
  readonly forgotten: Collection<true>;
  readonly #rooms = new Map<string, Room>();
  readonly #userRooms = new Map<string, Set<string>>();

  /** The server's clock. */
  readonly #now: () => number;

  constructor(
    readonly serverName: string,
    persist: Persistence,
    loaded: Map<string, Map<string, unknown>>,
    private readonly notifier: Notifier,
    now: () => number,
  ) {
    this.#now = now;
    this.events = new Collection('event', persist, loaded.get('event'));
    this.meta = new Collection('room', persist, loaded.get('room'));
    this.aliases = new Collection('alias', persist, loaded.get('alias'));
    this.txns = new Collection('txn', persist, loaded.get('txn'));
    this.forgotten = new Collection('forgotten', persist, loaded.get('forgotten'));
    for (const m of this.meta.values()) {
      this.#rooms.set(m.room_id, new Room(m.room_id, m.version, this.events));
    }
    const all = [...this.events.values()].sort((a, b) => a.pos - b.pos);
    for (const se of all) {
      const room = this.#rooms.get(se.pdu.room_id);
      if (room) this.#index(room, se);
    }
  }

  get(roomId: string): Room | undefined {
    return this.#rooms.get(roomId);
  }

  /** The room, or M_NOT_FOUND / M_FORBIDDEN if `userId` may not see it. */
  require(roomId: string): Room {
    const room = this.#rooms.get(roomId);
    if (!room) throw notFound('Unknown room');
    return room;
  }

  /** Rooms in which `userId` has (or had) a membership event. */
  roomsOf(userId: string): Room[] {
    const ids = this.#userRooms.get(userId);
    return ids ? [...ids].map((id) => this.#rooms.get(id)!) : [];
  }

  all(): IterableIterator<Room> {
    return this.#rooms.values();
  }

  newRoom(version: string): Room {
    const id = newRoomId(this.serverName);
    this.meta.set(id, { room_id: id, version, published: false });
    const room = new Room(id, version, this.events);
    this.#rooms.set(id, room);
    return room;
  }

  /**
   * Authorizes and stores an event, applying redactions. `txn` makes the send idempotent.
   */
  send(
    room: Room,
    sender: string,
    type: string,
    content: JsonObject,
    stateKey?: string,
    txn?: { deviceKey: string; txnId: string },
    extra: Partial<Pdu> = {},
  ): StoredEvent {
    if (txn) {
      const prior = this.txns.get(`${txn.deviceKey}|${room.id}|${txn.txnId}`);
      if (prior) return this.events.get(prior)!;
    }
    if (type.length > 255 || (stateKey !== undefined && stateKey.length > 255)) {
      throw badJson('Event type and state key are limited to 255 characters');
    }
    const pdu: Pdu = {
      event_id: newEventId(),
      room_id: room.id,
      sender,
      type,
      content,
      origin_server_ts: this.#now(),
      ...extra,
    };
    if (stateKey !== undefined) pdu.state_key = stateKey;
    if (eventSize(pdu) > 65536) throw tooLarge('Event is larger than 64 KiB');
    authorize(room, pdu);
    if (type === 'm.room.redaction') this.#checkRedaction(room, pdu);
    const se: StoredEvent = { pos: this.notifier.next(), pdu };
    if (stateKey !== undefined) se.replaces = room.stateId(type, stateKey);
    if (txn) {
      se.txn = txn;
      this.txns.set(`${txn.deviceKey}|${room.id}|${txn.txnId}`, pdu.event_id);
    }
    this.events.set(pdu.event_id, se);
    this.#index(room, se);
    return se;
  }

  #checkRedaction(room: Room, pdu: Pdu) {
    const target = redactsOf(pdu);
    if (!target) throw badJson('A redaction needs the id of the event it redacts');
    const se = room.event(target);
    if (se && se.pdu.sender === pdu.sender) return;
    const pl = powerLevels(room);
    if (userLevel(pl, pdu.sender) < pl.redact) {
      throw forbidden('Insufficient power level to redact events of others');
    }
  }

  #index(room: Room, se: StoredEvent) {
    room.append(se);
    const { pdu } = se;
    if (pdu.type === 'm.room.member' && pdu.state_key !== undefined) {
      let set = this.#userRooms.get(pdu.state_key);
      if (!set) this.#userRooms.set(pdu.state_key, (set = new Set()));
      set.add(room.id);
      if (pdu.content.membership === 'join' || pdu.content.membership === 'invite') {
        this.forgotten.delete(`${pdu.state_key}|${room.id}`);
      }
    }
    if (pdu.type === 'm.room.redaction' && !se.redactedBy) {
      const targetId = redactsOf(pdu);
      const target = targetId ? room.event(targetId) : undefined;
      if (target && !target.redactedBy) {
        target.pdu = redact(target.pdu, room.version);
        target.redactedBy = pdu.event_id;
        this.events.set(target.pdu.event_id, target);
      }
    }
  }

  /** Resolves `#alias:server` or `!room:server` to a room id. */
  resolve(idOrAlias: string): string {
    if (idOrAlias.startsWith('!')) return idOrAlias;
    if (idOrAlias.startsWith('#')) {
      const a = this.aliases.get(idOrAlias);
      if (!a) throw notFound(`Room alias ${idOrAlias} not found`);
      return a.room_id;
    }
    throw new MatrixError(400, 'M_INVALID_PARAM', 'Not a room id or alias');
  }

  /** Changes `target`'s membership, with `sender` acting, dated `ts` (now when absent). */
  setMembership(
    room: Room,
    sender: string,
    target: string,
    membership: string,
    extra: JsonObject = {},
    profile?: { displayname?: string; avatar_url?: string },
    ts?: number,
  ): StoredEvent {
    const content: JsonObject = { membership, ...extra };
    if (profile?.displayname !== undefined) content.displayname = profile.displayname;
    if (profile?.avatar_url !== undefined) content.avatar_url = profile.avatar_url;
    const pdu = ts === undefined ? {} : { origin_server_ts: ts };
    return this.send(room, sender, 'm.room.member', content, target, undefined, pdu);
  }

  /** Whether `userId` may see `se` (spec: history visibility). */
  canSee(room: Room, userId: string, se: StoredEvent): boolean {
    let at = room.membership(userId, se.pos);
    if (se.pdu.type === 'm.room.member' && se.pdu.state_key === userId) {
      // One's own membership change counts with the better of the memberships before and after
      // it, so a user sees the leave, kick or ban that ends their join (or rejects an invite).
      const before = room.membership(userId, se.pos - 1);
      if (rank(before) < rank(at)) at = before;
      if (at === 'invite' && se.pdu.content.membership === 'leave') return true;
    }
    if (at === 'join') return true;
    const vis = String(
      room.stateContent('m.room.history_visibility', '', se.pos - 1)?.history_visibility ??
        'shared',
    );
    if (vis === 'world_readable') return true;
    if (vis === 'shared' && room.membership(userId) === 'join') return true;
    if ((vis === 'invited' || vis === 'shared') && at === 'invite') return true;
    return false;
  }

  /** Throws unless `userId` is joined, or may read the room (left rooms up to leaving). */
  requireReader(room: Room, userId: string): void {
    const m = room.membership(userId);
    if (m === 'join') return;
    const vis = room.stateContent('m.room.history_visibility')?.history_visibility;
    if (m === 'leave' || m === 'ban' || vis === 'world_readable') return;
    throw forbidden('You are not allowed to read this room');
  }

  isPublished(roomId: string): boolean {
    return this.meta.get(roomId)?.published ?? false;
  }

  setPublished(roomId: string, published: boolean): void {
    const m = this.meta.get(roomId);
    if (!m) throw notFound('Unknown room');
    m.published = published;
    this.meta.set(roomId, m);
  }

  aliasesOf(roomId: string): string[] {
    return [...this.aliases.entries()].filter(([, a]) => a.room_id === roomId).map(([k]) => k);
  }
}

/** The `content` as an object, or M_BAD_JSON. */
export function contentOf(v: unknown): JsonObject {
  if (!isObject(v)) throw badJson('Event content must be a JSON object');
  return v;
}
