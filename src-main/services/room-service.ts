import type { Member, NewRoom } from '../model/room';
import type { MatrixApi } from '../net/api';
import { validateEvent, type JsonObject } from '../protocol/events';
import { directRoomsOf } from '../sync/ingest';
import { deleteRoomData, type Stores } from '../storage/stores';

export type RoomDeps = {
  api: MatrixApi;
  stores: Stores;
  userId: string;
  /** Rooms whose summary changed outside sync (or left the cache). */
  onRoomsChanged: (changed: string[], removed: string[]) => void;
  log?: (msg: string) => void;
};

const MEGOLM = { algorithm: 'm.megolm.v1.aes-sha2' };

/** Room operations: create, join, leave, forget, invite, name and topic, members. */
export class RoomService {
  #deps: RoomDeps;

  constructor(deps: RoomDeps) {
    this.#deps = deps;
  }

  /** Creates a room or DM: encrypted by default unless public. */
  async create(r: NewRoom): Promise<string> {
    const encrypted = r.encrypted ?? !r.public;
    const roomId = await this.#deps.api.createRoom({
      name: r.name,
      topic: r.topic,
      invite: r.invite,
      is_direct: r.isDirect,
      preset: r.public ? 'public_chat' : r.isDirect ? 'trusted_private_chat' : 'private_chat',
      visibility: r.public ? 'public' : 'private',
      room_alias_name: r.aliasName,
      initial_state: encrypted
        ? [{ type: 'm.room.encryption', state_key: '', content: MEGOLM }]
        : [],
    });
    if (r.isDirect) await this.#addDirect(roomId, r.invite ?? []);
    return roomId;
  }

  /** Joins by id or alias; accepting a DM invite records the room in `m.direct`. */
  async join(roomIdOrAlias: string): Promise<string> {
    const { api, stores } = this.#deps;
    const invite = stores.rooms.get(roomIdOrAlias);
    const roomId = await api.join(roomIdOrAlias);
    if (invite?.membership === 'invite' && invite.isDirect && invite.inviter) {
      await this.#addDirect(roomId, [invite.inviter]);
    }
    return roomId;
  }

  /** Leaves a room, or rejects an invite. */
  async leave(roomId: string): Promise<void> {
    await this.#deps.api.leave(roomId);
  }

  /** Forgets a left room: on the server, then everything cached about it. */
  async forget(roomId: string): Promise<void> {
    const { api, stores } = this.#deps;
    await api.forget(roomId);
    stores.db.transaction(() => deleteRoomData(stores, roomId))();
    this.#deps.onRoomsChanged([], [roomId]);
  }

  async invite(roomId: string, userId: string): Promise<void> {
    await this.#deps.api.invite(roomId, userId);
  }

  /** Turns encryption on for good (nothing to do when it already is). */
  async enableEncryption(roomId: string): Promise<void> {
    if (this.#deps.stores.state.content(roomId, 'm.room.encryption')) return;
    await this.#deps.api.sendState(roomId, 'm.room.encryption', '', MEGOLM);
  }

  async setName(roomId: string, name: string): Promise<void> {
    await this.#deps.api.sendState(roomId, 'm.room.name', '', { name });
  }

  async setTopic(roomId: string, topic: string): Promise<void> {
    const content = { topic, 'm.topic': { 'm.text': [{ body: topic }] } };
    await this.#deps.api.sendState(roomId, 'm.room.topic', '', content);
  }

  /** The member list: from the cache once `/members` has filled it, fetched the first time. */
  async members(roomId: string): Promise<Member[]> {
    const { api, stores } = this.#deps;
    const room = stores.rooms.get(roomId);
    if (room && !room.membersLoaded && room.membership === 'join') {
      const raw = await api.members(roomId);
      stores.db.transaction(() => {
        for (const json of raw) {
          const ev = validateEvent(json);
          if (typeof ev === 'string') {
            this.#deps.log?.(`members: skipped a malformed member event: ${ev}`);
            continue;
          }
          // Keep newer state from sync; fill in only members we have not seen.
          if (ev.type === 'm.room.member' && ev.state_key !== undefined) {
            if (!stores.state.get(roomId, 'm.room.member', ev.state_key))
              stores.state.setState(roomId, ev);
          }
        }
        const fresh = stores.rooms.get(roomId);
        if (fresh) stores.rooms.save({ ...fresh, membersLoaded: true });
      })();
    }
    return stores.state.listMembers(roomId);
  }

  /** Adds `roomId` under each user in the global `m.direct` account data. */
  async #addDirect(roomId: string, users: readonly string[]): Promise<void> {
    const { api, stores, userId } = this.#deps;
    const current = stores.accountData.get('', 'm.direct') ?? {};
    if (directRoomsOf(current).has(roomId)) return;
    const next: JsonObject = { ...current };
    for (const u of users) {
      const list = Array.isArray(next[u])
        ? (next[u] as unknown[]).filter((x) => typeof x === 'string')
        : [];
      next[u] = [...list, roomId];
    }
    await api.setAccountData(userId, 'm.direct', next);
  }
}
