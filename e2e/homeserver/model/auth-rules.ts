import { forbidden, MatrixError } from '../errors';
import { isObject, type JsonObject } from '../validate';
import type { Pdu } from './events';
import type { Room } from './room';

/** Power levels with the spec's defaults filled in. */
export type PowerLevels = {
  users: Record<string, number>;
  users_default: number;
  events: Record<string, number>;
  events_default: number;
  state_default: number;
  ban: number;
  kick: number;
  redact: number;
  invite: number;
  notifications: Record<string, number>;
};

function num(v: unknown, d: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : d;
}

function numMap(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (isObject(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'number') out[k] = x;
  return out;
}

export function powerLevels(room: Room): PowerLevels {
  const c = room.stateContent('m.room.power_levels');
  if (!c) {
    const create = room.stateEvent('m.room.create', '');
    const creator = create ? String(create.content.creator ?? create.sender) : '';
    return {
      users: creator ? { [creator]: 100 } : {},
      users_default: 0,
      events: {},
      events_default: 0,
      state_default: 0,
      ban: 50,
      kick: 50,
      redact: 50,
      invite: 0,
      notifications: { room: 50 },
    };
  }
  return {
    users: numMap(c.users),
    users_default: num(c.users_default, 0),
    events: numMap(c.events),
    events_default: num(c.events_default, 0),
    state_default: num(c.state_default, 50),
    ban: num(c.ban, 50),
    kick: num(c.kick, 50),
    redact: num(c.redact, 50),
    invite: num(c.invite, 0),
    notifications: { room: 50, ...numMap(c.notifications) },
  };
}

export function userLevel(pl: PowerLevels, userId: string): number {
  return pl.users[userId] ?? pl.users_default;
}

/** Required level to send an event of this type. */
export function eventLevel(pl: PowerLevels, type: string, isState: boolean): number {
  return pl.events[type] ?? (isState ? pl.state_default : pl.events_default);
}

/**
 * The authorization rules (spec: room versions, "Authorization rules"), applied against the
 * room's current state. Throws M_FORBIDDEN with the reason when the event is not allowed.
 */
export function authorize(room: Room, pdu: Pdu): void {
  if (pdu.type === 'm.room.create') {
    if (room.timeline.length > 0) throw forbidden('Room already created');
    return;
  }
  if (pdu.type === 'm.room.member') return authorizeMember(room, pdu);
  const pl = powerLevels(room);
  if (room.membership(pdu.sender) !== 'join') throw forbidden(`${pdu.sender} is not in the room`);
  const level = userLevel(pl, pdu.sender);
  const isState = pdu.state_key !== undefined;
  if (level < eventLevel(pl, pdu.type, isState)) {
    throw forbidden(`Insufficient power level to send ${pdu.type}`);
  }
  if (isState && pdu.state_key!.startsWith('@') && pdu.state_key !== pdu.sender) {
    throw forbidden('State keys starting with @ are reserved for that user');
  }
  if (pdu.type === 'm.room.power_levels') authorizePowerLevels(pl, level, pdu);
}

function authorizeMember(room: Room, pdu: Pdu): void {
  const target = pdu.state_key!;
  const membership = pdu.content.membership;
  const senderMembership = room.membership(pdu.sender);
  const targetMembership = room.membership(target);
  const pl = powerLevels(room);
  const senderLevel = userLevel(pl, pdu.sender);
  const targetLevel = userLevel(pl, target);
  const joinRule = String(room.stateContent('m.room.join_rules')?.join_rule ?? 'invite');

  switch (membership) {
    case 'join': {
      if (pdu.sender !== target) throw forbidden('Cannot join on behalf of another user');
      const create = room.stateEvent('m.room.create', '');
      if (room.timeline.length === 1 && create?.sender === target) return;
      if (targetMembership === 'ban') throw forbidden('You are banned from this room');
      if (joinRule === 'public' || targetMembership === 'join') return;
      if (targetMembership === 'invite') return;
      throw forbidden('You are not invited to this room');
    }
    case 'invite': {
      if (senderMembership !== 'join') throw forbidden('You are not in the room');
      if (targetMembership === 'ban') throw forbidden(`${target} is banned from the room`);
      if (targetMembership === 'join') throw forbidden(`${target} is already in the room`);
      if (senderLevel < pl.invite) throw forbidden('Insufficient power level to invite');
      return;
    }
    case 'leave': {
      if (pdu.sender === target) {
        if (!['join', 'invite', 'knock'].includes(targetMembership ?? '')) {
          throw forbidden('You are not in the room');
        }
        return;
      }
      if (senderMembership !== 'join') throw forbidden('You are not in the room');
      if (targetMembership === 'ban') {
        if (senderLevel < pl.ban) throw forbidden('Insufficient power level to unban');
        return;
      }
      if (
        targetMembership !== 'join' &&
        targetMembership !== 'invite' &&
        targetMembership !== 'knock'
      ) {
        throw forbidden(`${target} is not in the room`);
      }
      if (senderLevel < pl.kick || targetLevel >= senderLevel) {
        throw forbidden('Insufficient power level to kick');
      }
      return;
    }
    case 'ban': {
      if (senderMembership !== 'join') throw forbidden('You are not in the room');
      if (senderLevel < pl.ban || targetLevel >= senderLevel) {
        throw forbidden('Insufficient power level to ban');
      }
      return;
    }
    case 'knock': {
      if (pdu.sender !== target) throw forbidden('Cannot knock on behalf of another user');
      if (Number(room.version) < 7 || !['knock', 'knock_restricted'].includes(joinRule)) {
        throw forbidden('This room does not accept knocks');
      }
      if (targetMembership === 'ban' || targetMembership === 'join') {
        throw forbidden('Cannot knock from the current membership');
      }
      return;
    }
    default:
      throw new MatrixError(400, 'M_BAD_JSON', 'Unknown membership');
  }
}

function authorizePowerLevels(old: PowerLevels, level: number, pdu: Pdu): void {
  const next = pdu.content;
  for (const k of [
    'users_default',
    'events_default',
    'state_default',
    'ban',
    'kick',
    'redact',
    'invite',
  ]) {
    const o = (old as unknown as JsonObject)[k];
    const n = next[k] ?? o;
    if (n !== o && (Number(o) > level || Number(n) > level)) {
      throw forbidden(`Cannot change '${k}' beyond your own power level`);
    }
  }
  const nextUsers = numMap(next.users);
  const ids = new Set([...Object.keys(old.users), ...Object.keys(nextUsers)]);
  for (const id of ids) {
    const o = old.users[id];
    const n = nextUsers[id];
    if (o === n) continue;
    if (id !== pdu.sender && o !== undefined && o >= level) {
      throw forbidden(`Cannot change the power level of ${id}`);
    }
    if (n !== undefined && n > level) throw forbidden('Cannot raise a user above your own level');
  }
  const nextEvents = numMap(next.events);
  const types = new Set([...Object.keys(old.events), ...Object.keys(nextEvents)]);
  for (const t of types) {
    const o = old.events[t];
    const n = nextEvents[t];
    if (o !== n && ((o ?? 0) > level || (n ?? 0) > level)) {
      throw forbidden(`Cannot change the level of ${t} beyond your own`);
    }
  }
}
