import type { CommandName, Commands, IpcError } from './contract';

// Runtime list of the contract's commands; `satisfies` keeps it in step with the type.
const commandNames = {
  'app.version': true,
  'account.discover': true,
  'account.login': true,
  'account.relogin': true,
  'account.list': true,
  'account.switch': true,
  'account.logout': true,
  'account.setDisplayName': true,
  'devices.list': true,
  'devices.rename': true,
  'devices.signOut': true,
  'sync.status': true,
  'rooms.list': true,
  'rooms.search': true,
  'rooms.create': true,
  'rooms.join': true,
  'rooms.leave': true,
  'rooms.forget': true,
  'rooms.invite': true,
  'rooms.setName': true,
  'rooms.setTopic': true,
  'rooms.members': true,
  'rooms.permissions': true,
  'rooms.kick': true,
  'rooms.ban': true,
  'rooms.unban': true,
  'rooms.setPowerLevel': true,
  'rooms.setTag': true,
  'rooms.markRead': true,
  'rooms.markUnread': true,
  'rooms.notifications': true,
  'rooms.setNotifications': true,
  'rooms.link': true,
  'users.ignored': true,
  'users.ignore': true,
  'users.sharedRooms': true,
  'users.directChat': true,
  'timeline.open': true,
  'timeline.paginate': true,
  'timeline.jumpTo': true,
  'message.send': true,
  'message.edit': true,
  'message.history': true,
  'message.react': true,
  'message.redact': true,
  'queue.retry': true,
  'queue.cancel': true,
  'queue.list': true,
  'drafts.get': true,
  'drafts.set': true,
  'receipts.list': true,
  'receipt.send': true,
  'readMarker.set': true,
  'typing.set': true,
  'rooms.enableEncryption': true,
  'crypto.status': true,
  'crypto.userDevices': true,
  'crypto.acknowledgeIdentity': true,
  'verification.request': true,
  'verification.accept': true,
  'verification.startSas': true,
  'verification.confirm': true,
  'verification.cancel': true,
  'backup.setup': true,
  'backup.restore': true,
  'keys.export': true,
  'keys.import': true,
  'events.since': true,
} satisfies Record<keyof Commands, true>;

/** Every command of the contract, at run time. */
export const COMMAND_NAMES = Object.keys(commandNames) as readonly CommandName[];

/** Whether `name` is a command of the contract (own keys only: `toString` is not). */
export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commandNames, name);
}

/**
 * The command and request of an envelope from a renderer, or the error to answer when the
 * envelope is not an object or names no command of the contract.
 */
export function parseEnvelope(
  envelope: unknown,
): { command: CommandName; data: unknown } | { ok: false; error: IpcError } {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    return { ok: false, error: { code: 'bad_request', message: 'Envelope must be an object' } };
  }
  const { command, data } = envelope as { command?: unknown; data?: unknown };
  if (!isCommandName(command)) {
    return {
      ok: false,
      error: { code: 'unknown_command', message: `Unknown command: ${String(command)}` },
    };
  }
  return { command, data: data ?? {} };
}
