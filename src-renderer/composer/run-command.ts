/** Runs the composer's action commands (`/nick`, `/topic`, …) through the core. */
import type { Bridge, IpcResult } from '../../src-main/ipc/contract';
import { rooms } from '../state/rooms.svelte';
import type { Parsed } from './commands';

type Action = Extract<Parsed, { kind: 'action' }>;

/** Why a command failed, in words. */
function failure(what: string, result: IpcResult<unknown>): string | undefined {
  if (result.ok) return undefined;
  const e = result.error;
  const why =
    e.code === 'M_FORBIDDEN'
      ? 'you do not have permission'
      : e.code === 'M_NOT_FOUND'
        ? 'not found'
        : e.code === 'M_LIMIT_EXCEEDED'
          ? 'too many requests, try again in a moment'
          : e.message;
  return `Could not ${what}: ${why}.`;
}

/** Runs `action` in `roomId`; resolves to an error for people, or undefined when done. */
export async function runAction(
  bridge: Bridge | undefined,
  roomId: string,
  action: Action,
): Promise<string | undefined> {
  if (!bridge) return 'Not connected to the core.';
  const { arg } = action;
  switch (action.name) {
    case 'nick':
      return failure(
        'change your display name',
        await bridge.invoke('account.setDisplayName', { displayName: arg }),
      );
    case 'topic':
      return failure(
        'set the topic',
        await bridge.invoke('rooms.setTopic', { roomId, topic: arg }),
      );
    case 'invite':
      return failure(`invite ${arg}`, await bridge.invoke('rooms.invite', { roomId, userId: arg }));
    case 'ignore':
      return failure(
        `ignore ${arg}`,
        await bridge.invoke('users.ignore', { userId: arg, ignored: true }),
      );
    case 'leave':
      return failure('leave the room', await bridge.invoke('rooms.leave', { roomId }));
    case 'join': {
      const result = await bridge.invoke('rooms.join', { roomIdOrAlias: arg });
      if (result.ok) rooms.select(result.value.roomId);
      return failure(`join ${arg}`, result);
    }
  }
}
