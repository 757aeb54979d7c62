import { moderate, roomPermissions, setPowerLevel } from '../../services/room-people';
import type { Core } from '../core';
import type { Handlers } from '../dispatch';

type PeopleCommands =
  'rooms.permissions' | 'rooms.kick' | 'rooms.ban' | 'rooms.unban' | 'rooms.setPowerLevel';

/** What the account may do to people in a room, and doing it. */
export function peopleHandlers(core: Core): Pick<Handlers, PeopleCommands> {
  const s = () => core.session;
  return {
    'rooms.permissions': ({ roomId }) => roomPermissions(s(), roomId),
    'rooms.kick': async ({ roomId, userId, reason }) => {
      await moderate(s(), 'kick', roomId, userId, reason);
      return {};
    },
    'rooms.ban': async ({ roomId, userId, reason }) => {
      await moderate(s(), 'ban', roomId, userId, reason);
      return {};
    },
    'rooms.unban': async ({ roomId, userId }) => {
      await moderate(s(), 'unban', roomId, userId);
      return {};
    },
    'rooms.setPowerLevel': async ({ roomId, userId, level }) => {
      await setPowerLevel(s(), roomId, userId, level);
      return {};
    },
  };
}
