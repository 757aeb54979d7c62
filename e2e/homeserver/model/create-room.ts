import { MatrixError } from '../errors';
import type { Homeserver } from '../hs';
import type { JsonObject } from '../validate';
import { ROOM_VERSIONS, DEFAULT_ROOM_VERSION } from './rooms';

/** The presets of `POST /createRoom`. */
export const PRESETS = ['public_chat', 'private_chat', 'trusted_private_chat'] as const;
export type Preset = (typeof PRESETS)[number];

/** A state event to put in a new room (`initial_state`). */
export type InitialState = { type: string; state_key?: string; content: JsonObject };

/** What `POST /createRoom` asks for, parsed (the spec's fields, camel-cased). */
export type CreateRoomRequest = {
  roomVersion?: string;
  /** `public` publishes the room in the directory; private when absent. */
  visibility?: 'public' | 'private';
  /** As the spec says: `public_chat` for a public room, else `private_chat`. */
  preset?: Preset;
  /** User ids to invite. */
  invite?: string[];
  /** The localpart of an alias on this server. */
  aliasName?: string;
  initialState?: InitialState[];
  isDirect?: boolean;
  name?: string;
  topic?: string;
  powerLevelOverride?: JsonObject;
  creationContent?: JsonObject;
};

/**
 * Creates a room as `sender`, as `POST /createRoom` describes, every event dated `ts` (the
 * server's clock when absent); returns its id. Throws the spec's errors for an unsupported
 * room version or a taken alias.
 */
export function createRoom(
  hs: Homeserver,
  sender: string,
  req: CreateRoomRequest,
  ts = hs.now(),
): string {
  const version = req.roomVersion ?? DEFAULT_ROOM_VERSION;
  if (!ROOM_VERSIONS.includes(version)) {
    const error = `Room version ${version} is not supported`;
    throw new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', error);
  }
  const visibility = req.visibility ?? 'private';
  const preset = req.preset ?? (visibility === 'public' ? 'public_chat' : 'private_chat');
  const invites = req.invite ?? [];
  const alias =
    req.aliasName !== undefined ? `#${req.aliasName}:${hs.config.serverName}` : undefined;
  if (alias && hs.rooms.aliases.has(alias)) {
    throw new MatrixError(400, 'M_ROOM_IN_USE', 'Room alias already taken');
  }
  return hs.persist.batch(() => {
    const room = hs.rooms.newRoom(version);
    const send = (type: string, content: JsonObject, stateKey = '') =>
      hs.rooms.send(room, sender, type, content, stateKey, undefined, { origin_server_ts: ts });
    const createContent: JsonObject = { ...req.creationContent, room_version: version };
    if (Number(version) < 11) createContent.creator = sender;
    send('m.room.create', createContent);
    const profile = hs.accounts.profile(sender);
    hs.rooms.setMembership(room, sender, sender, 'join', {}, profile, ts);
    send('m.room.power_levels', powerLevels(sender, preset, invites, req.powerLevelOverride));
    if (alias) {
      hs.rooms.aliases.set(alias, { room_id: room.id, creator: sender });
      send('m.room.canonical_alias', { alias });
    }
    send('m.room.join_rules', { join_rule: preset === 'public_chat' ? 'public' : 'invite' });
    send('m.room.history_visibility', { history_visibility: 'shared' });
    send('m.room.guest_access', {
      guest_access: preset === 'public_chat' ? 'forbidden' : 'can_join',
    });
    for (const e of req.initialState ?? []) send(e.type, e.content, e.state_key ?? '');
    if (req.name !== undefined) send('m.room.name', { name: req.name });
    if (req.topic !== undefined) {
      send('m.room.topic', { topic: req.topic, 'm.topic': { 'm.text': [{ body: req.topic }] } });
    }
    const inviteExtra = req.isDirect ? { is_direct: true } : {};
    for (const u of invites) {
      hs.rooms.setMembership(room, sender, u, 'invite', inviteExtra, hs.accounts.profile(u), ts);
    }
    if (visibility === 'public') hs.rooms.setPublished(room.id, true);
    return room.id;
  });
}

/** A new room's power levels: the creator (and a trusted chat's invitees) at 100. */
function powerLevels(
  sender: string,
  preset: Preset,
  invites: string[],
  override: JsonObject = {},
): JsonObject {
  const users: Record<string, number> = { [sender]: 100 };
  if (preset === 'trusted_private_chat') for (const u of invites) users[u] = 100;
  return {
    users,
    users_default: 0,
    events: {
      'm.room.name': 50,
      'm.room.power_levels': 100,
      'm.room.history_visibility': 100,
      'm.room.canonical_alias': 50,
      'm.room.avatar': 50,
      'm.room.tombstone': 100,
      'm.room.server_acl': 100,
      'm.room.encryption': 100,
    },
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 0,
    historical: 100,
    ...override,
  };
}
