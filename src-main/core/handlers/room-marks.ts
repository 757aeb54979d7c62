import { editHistory } from '../../services/edit-history';
import {
  linkTo,
  markRead,
  notificationLevel,
  setMarkedUnread,
  setNotificationLevel,
  setTag,
} from '../../services/room-marks';
import type { Core } from '../core';
import type { Handlers } from '../dispatch';

type MarkCommands =
  | 'rooms.setTag'
  | 'rooms.markRead'
  | 'rooms.markUnread'
  | 'rooms.notifications'
  | 'rooms.setNotifications'
  | 'rooms.link'
  | 'message.history';

/** The room context menu's marks (tags, read/unread, notifications) and a message's edits. */
export function roomMarkHandlers(core: Core): Pick<Handlers, MarkCommands> {
  const s = () => core.session;
  return {
    'rooms.setTag': async ({ roomId, tag, on }) => (await setTag(s(), roomId, tag, on), {}),
    'rooms.markRead': async ({ roomId }) => (await markRead(s(), roomId), {}),
    'rooms.markUnread': async ({ roomId, unread }) => {
      await setMarkedUnread(s(), roomId, unread !== false);
      return {};
    },
    'rooms.notifications': ({ roomId }) => ({ level: notificationLevel(s(), roomId) }),
    'rooms.setNotifications': async ({ roomId, level }) => {
      await setNotificationLevel(s(), roomId, level);
      return {};
    },
    'rooms.link': ({ roomId }) => ({ link: linkTo(s(), roomId) }),
    'message.history': async ({ roomId, eventId }) => ({
      versions: await editHistory(s(), roomId, eventId),
    }),
  };
}
