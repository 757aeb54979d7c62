/**
 * Power levels (`m.room.power_levels`) and what they let a user do, as the spec's event schema
 * and the room versions' authorization rules define them. Pure: the state goes in, levels and
 * permissions come out.
 *
 * @packageDocumentation
 */
import type { RoomPermissions } from '../model/room';
import { isObject, num, str, type JsonObject } from './events';

/** The level of a room creator in room versions 12 and up: above any number in the event. */
export const CREATOR_LEVEL = Number.MAX_SAFE_INTEGER;

/** What the levels are computed from: the current state the cache holds. */
export type PowerState = {
  /** `m.room.power_levels` content, when the room has one. */
  powerLevels?: JsonObject;
  /** `m.room.create`: its sender and content (`creator` before v11, `additional_creators` v12+). */
  create?: { sender: string; content: JsonObject };
};

/** The levels with the spec's defaults filled in. */
export type Levels = {
  users: Record<string, number>;
  usersDefault: number;
  events: Record<string, number>;
  eventsDefault: number;
  stateDefault: number;
  invite: number;
  kick: number;
  ban: number;
  redact: number;
};

/** Room versions 1–11 (and unknown ones) give creators 100; 12 and up make them "privileged". */
function privilegedCreators(content: JsonObject): boolean {
  const v = str(content.room_version) ?? '1';
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  return n >= 12;
}

/** The room's creators: the create event's sender (or `creator` before v11), plus v12's others. */
export function creatorsOf(create: PowerState['create']): string[] {
  if (!create) return [];
  const first = str(create.content.creator) ?? create.sender;
  if (!privilegedCreators(create.content)) return [first];
  const more = Array.isArray(create.content.additional_creators)
    ? create.content.additional_creators.filter((u): u is string => typeof u === 'string')
    : [];
  return [create.sender, ...more];
}

function integer(x: unknown): number | undefined {
  const n = num(x);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

function levelMap(x: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObject(x)) return out;
  for (const [k, v] of Object.entries(x)) {
    const n = integer(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

/**
 * The levels of a room with the defaults of the schema. Without a power levels event the
 * authorization rules apply: the creator has 100, everyone else 0, and state needs 0 (the
 * rules' default, which servers enforce; the schema's 50 is for an event without the key).
 */
export function levelsOf(state: PowerState): Levels {
  const pl = state.powerLevels;
  if (!pl) {
    const users: Record<string, number> = {};
    // v12+ creators are above every level (see userLevel) and may not be listed.
    if (!state.create || !privilegedCreators(state.create.content))
      for (const c of creatorsOf(state.create)) users[c] = 100;
    return {
      users,
      usersDefault: 0,
      events: {},
      eventsDefault: 0,
      stateDefault: 0,
      invite: 0,
      kick: 50,
      ban: 50,
      redact: 50,
    };
  }
  return {
    users: levelMap(pl.users),
    usersDefault: integer(pl.users_default) ?? 0,
    events: levelMap(pl.events),
    eventsDefault: integer(pl.events_default) ?? 0,
    stateDefault: integer(pl.state_default) ?? 50,
    invite: integer(pl.invite) ?? 0,
    kick: integer(pl.kick) ?? 50,
    ban: integer(pl.ban) ?? 50,
    redact: integer(pl.redact) ?? 50,
  };
}

/** The power level of `userId`; creators of a v12+ room have {@link CREATOR_LEVEL}. */
export function userLevel(state: PowerState, userId: string): number {
  if (state.create && privilegedCreators(state.create.content)) {
    if (creatorsOf(state.create).includes(userId)) return CREATOR_LEVEL;
  }
  const levels = levelsOf(state);
  return levels.users[userId] ?? levels.usersDefault;
}

/** The level needed to send an event of `type` (a state event when `isState`). */
export function eventLevel(levels: Levels, type: string, isState: boolean): number {
  return levels.events[type] ?? (isState ? levels.stateDefault : levels.eventsDefault);
}

/** What one user may do in a room (the renderer offers only these controls). */
export type Permissions = RoomPermissions;

/** What `userId` may do in a room with this state (assuming they are joined). */
export function permissionsOf(state: PowerState, userId: string): Permissions {
  const levels = levelsOf(state);
  const me = userLevel(state, userId);
  const canState = (type: string) => me >= eventLevel(levels, type, true);
  return {
    powerLevel: me,
    sendMessages: me >= eventLevel(levels, 'm.room.message', false),
    setName: canState('m.room.name'),
    setTopic: canState('m.room.topic'),
    setAvatar: canState('m.room.avatar'),
    invite: me >= levels.invite,
    kick: me >= levels.kick,
    ban: me >= levels.ban,
    redactOthers: me >= levels.redact && me >= eventLevel(levels, 'm.room.redaction', false),
    changePowerLevels: canState('m.room.power_levels'),
    enableEncryption: canState('m.room.encryption'),
    pin: canState('m.room.pinned_events'),
  };
}

/**
 * The `m.room.power_levels` content that gives `target` `level`, or a reason in words why
 * `userId` may not: the authorization rules allow changing only levels below one's own, to
 * at most one's own (one's own level may be lowered).
 */
export function withUserLevel(
  state: PowerState,
  userId: string,
  target: string,
  level: number,
): JsonObject | string {
  if (!Number.isSafeInteger(level)) return 'A power level is a whole number';
  const me = userLevel(state, userId);
  const levels = levelsOf(state);
  if (me < eventLevel(levels, 'm.room.power_levels', true))
    return 'Only admins can change power levels in this room';
  const current = userLevel(state, target);
  if (current === CREATOR_LEVEL) return 'The room’s creators always keep their power';
  if (target !== userId && current >= me)
    return 'You can change the level only of people below your own';
  if (level > me) return 'You cannot give a level above your own';
  const base: JsonObject = state.powerLevels
    ? { ...state.powerLevels }
    : {
        users: { ...levels.users },
        users_default: 0,
        events_default: 0,
        state_default: 0,
        invite: 0,
        kick: 50,
        ban: 50,
        redact: 50,
      };
  const users: JsonObject = isObject(base.users) ? { ...base.users } : {};
  if (level === levels.usersDefault) delete users[target];
  else users[target] = level;
  return { ...base, users };
}
