/**
 * People in a room: what the account may do there (from the power levels in the cache), and
 * kicking, banning and power levels.
 *
 * @packageDocumentation
 */
import type { RoomPermissions } from '../model/room';
import type { MatrixApi } from '../net/api';
import { permissionsOf, withUserLevel } from '../protocol/power-levels';
import type { Stores } from '../storage/stores';

type Deps = { api: MatrixApi; stores: Stores; userId: string };

function refused(message: string): Error {
  return Object.assign(new Error(message), { code: 'forbidden' });
}

/** What the account may do in `roomId`, from the cached state. */
export function roomPermissions({ stores, userId }: Deps, roomId: string): RoomPermissions {
  return permissionsOf(stores.state.powerState(roomId), userId);
}

/** Kicks, bans or unbans `target`, with an optional reason. */
export async function moderate(
  { api }: Deps,
  op: 'kick' | 'ban' | 'unban',
  roomId: string,
  target: string,
  reason?: string,
): Promise<void> {
  const why = reason?.trim();
  await api.moderate(op, roomId, target, why ? why : undefined);
}

/** Gives `target` the power level `level` (refused in words when the rules would refuse it). */
export async function setPowerLevel(
  { api, stores, userId }: Deps,
  roomId: string,
  target: string,
  level: number,
): Promise<void> {
  const next = withUserLevel(stores.state.powerState(roomId), userId, target, level);
  if (typeof next === 'string') throw refused(next);
  await api.sendState(roomId, 'm.room.power_levels', '', next);
}
