import { sharedRooms } from '../../services/direct-chat';
import { ignoredUsers, setIgnored } from '../../services/ignore-list';
import type { Core } from '../core';
import type { Handlers } from '../dispatch';

type UserCommands = 'users.ignored' | 'users.ignore' | 'users.sharedRooms' | 'users.directChat';

/** Other people, as the active account sees them: its ignore list, shared rooms, DMs. */
export function userHandlers(core: Core): Pick<Handlers, UserCommands> {
  return {
    'users.ignored': () => ({ userIds: ignoredUsers(core.session) }),
    'users.ignore': async ({ userId, ignored }) => {
      await setIgnored(core.session, userId, ignored !== false);
      return {};
    },
    'users.sharedRooms': ({ userId }) => ({
      roomIds: sharedRooms(core.session.stores, core.session.userId, userId),
    }),
    'users.directChat': async ({ userId }) => ({ roomId: await core.session.directChat(userId) }),
  };
}
