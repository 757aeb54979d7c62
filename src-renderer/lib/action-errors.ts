import type { IpcError } from '../../src-main/ipc/contract';

/** Something the user tried to do to a room or a person. */
export type RoomAction =
  | 'rename'
  | 'topic'
  | 'invite'
  | 'kick'
  | 'ban'
  | 'unban'
  | 'powerLevel'
  | 'encrypt'
  | 'delete'
  | 'leave'
  | 'tag'
  | 'markRead'
  | 'notifications'
  | 'ignore'
  | 'message';

/** What failed, in words: "Could not <verb>". */
const VERB: Record<RoomAction, string> = {
  rename: 'rename the room',
  topic: 'change the topic',
  invite: 'invite them',
  kick: 'remove them',
  ban: 'ban them',
  unban: 'unban them',
  powerLevel: 'change their role',
  encrypt: 'turn on encryption',
  delete: 'delete the message',
  leave: 'leave the room',
  tag: 'change the room’s section',
  markRead: 'change the read state',
  notifications: 'change notifications',
  ignore: 'change your ignore list',
  message: 'open a direct chat',
};

/** The server said no (`M_FORBIDDEN`): who may do it instead. */
const FORBIDDEN: Record<RoomAction, string> = {
  rename: 'Only moderators can rename this room.',
  topic: 'Only moderators can change the topic of this room.',
  invite: 'You are not allowed to invite people to this room.',
  kick: 'Only moderators can remove people from this room, and only people below them.',
  ban: 'Only moderators can ban people from this room, and only people below them.',
  unban: 'Only moderators can unban people in this room.',
  powerLevel: 'Only admins can change roles in this room, and only of people below them.',
  encrypt: 'Only admins can turn on encryption in this room.',
  delete: 'Only moderators can delete other people’s messages.',
  leave: 'The server did not let you leave this room.',
  tag: 'The server refused to change this room’s section.',
  markRead: 'The server refused to change the read state.',
  notifications: 'The server refused to change the notification settings.',
  ignore: 'The server refused to change your ignore list.',
  message: 'You are not allowed to start a chat with them.',
};

/** Codes that mean the same whatever was tried. */
const GENERAL: Record<string, string> = {
  M_LIMIT_EXCEEDED: 'The server is busy. Wait a moment, then try again.',
  M_NOT_FOUND: 'The server does not know this room or person any more.',
  M_UNKNOWN_TOKEN: 'The server ended this session. Sign in again.',
  M_USER_NOT_IN_ROOM: 'You are no longer in this room.',
  M_TOO_LARGE: 'That is too long for the server.',
  connection: 'Cannot reach the server. Check your connection and try again.',
  unreachable: 'Cannot reach the server. Check your connection and try again.',
  timeout: 'The server took too long to answer. Try again in a moment.',
  disconnected: 'Lost the connection to the LightMatrix core. Try again.',
};

/** Codes of the core whose message is already in words (e.g. a refused power level). */
const WORDED = new Set(['forbidden', 'bad_request', 'not_found']);

/** A Matrix error code (`M_…`), which people should never have to read. */
const PROTOCOL_CODE = /\bM_[A-Z_]+\b/;

/**
 * A sentence for people from an error of a room action: "Only moderators can rename this room."
 * for `M_FORBIDDEN`, never a protocol code.
 */
export function actionError(action: RoomAction, error: IpcError): string {
  if (error.code === 'M_FORBIDDEN') return FORBIDDEN[action];
  const general = GENERAL[error.code];
  if (general) return `Could not ${VERB[action]}. ${general}`;
  const detail = error.message.trim();
  if (WORDED.has(error.code) && detail) return detail.endsWith('.') ? detail : `${detail}.`;
  if (!detail || PROTOCOL_CODE.test(detail)) return `Could not ${VERB[action]}.`;
  return `Could not ${VERB[action]}: ${detail}`;
}
