import { ignoredUsers, setIgnored } from '../../services/ignore-list';
import type { Core } from '../core';
import type { Handlers } from '../dispatch';

type UserCommands = 'users.ignored' | 'users.ignore';

/** Other people, as the active account sees them: its ignore list. */
export function userHandlers(core: Core): Pick<Handlers, UserCommands> {
  return {
    'users.ignored': () => ({ userIds: ignoredUsers(core.session) }),
    'users.ignore': async ({ userId, ignored }) => {
      await setIgnored(core.session, userId, ignored !== false);
      return {};
    },
  };
}
