/**
 * Slash commands, pure: the list the composer offers after `/`, and what a typed line means
 * (a message in some form, an action on the room, or an unknown command).
 */

/** A slash command as the list shows it. */
export type SlashCommand = { name: CommandName; args?: string; description: string };

type MessageCommand = 'me' | 'shrug' | 'tableflip' | 'plain' | 'html';
type ActionCommand = 'nick' | 'topic' | 'invite' | 'join' | 'leave' | 'ignore';
export type CommandName = MessageCommand | ActionCommand;

/** Every command, in the order the list shows them. */
export const COMMANDS: readonly SlashCommand[] = [
  { name: 'me', args: '<action>', description: 'Sends an action: "/me waves" shows "* You waves"' },
  { name: 'shrug', args: '[message]', description: 'Prepends ¯\\_(ツ)_/¯ to a plain-text message' },
  {
    name: 'tableflip',
    args: '[message]',
    description: 'Prepends (╯°□°)╯︵ ┻━┻ to a plain-text message',
  },
  { name: 'plain', args: '<message>', description: 'Sends the message as it is, without markdown' },
  { name: 'html', args: '<html>', description: 'Sends the message as HTML' },
  { name: 'nick', args: '<name>', description: 'Changes your display name' },
  { name: 'topic', args: '<topic>', description: "Sets the room's topic" },
  { name: 'invite', args: '<@user:server>', description: 'Invites someone to this room' },
  {
    name: 'join',
    args: '<#alias:server>',
    description: 'Joins a room by its address and opens it',
  },
  { name: 'leave', description: 'Leaves this room' },
  { name: 'ignore', args: '<@user:server>', description: 'Ignores a user: hides their messages' },
];

/** What a line typed into the composer means. */
export type Parsed =
  | {
      kind: 'message';
      body: string;
      /** Where `body` starts in the typed text (pills there are shifted by it). */
      offset: number;
      emote?: boolean;
      format?: 'plain' | 'html';
      /** Text put before the typed body (`/shrug`). */
      prefix?: string;
    }
  | { kind: 'action'; name: ActionCommand; arg: string }
  | { kind: 'unknown'; name: string }
  | { kind: 'usage'; message: string };

const SHRUG = '¯\\_(ツ)_/¯';
const TABLEFLIP = '(╯°□°)╯︵ ┻━┻';

const usage = (c: CommandName) => {
  const cmd = COMMANDS.find((x) => x.name === c)!;
  return { kind: 'usage' as const, message: `Usage: /${c}${cmd.args ? ` ${cmd.args}` : ''}` };
};

/** Reads a (trimmed) line: a plain message, `//…` (a message starting with `/`), or a command. */
export function parseCommand(text: string): Parsed {
  const lead = text.length - text.trimStart().length;
  const line = text.trim();
  if (!line.startsWith('/') || line.startsWith('//')) {
    const skip = line.startsWith('//') ? 1 : 0;
    return { kind: 'message', body: line.slice(skip), offset: lead + skip };
  }
  const m = /^\/(\S+)(\s+|$)/.exec(line)!;
  const name = m[1]!.toLowerCase();
  const argStart = lead + m[0].length;
  const arg = line.slice(m[0].length);
  const message = (extra: Partial<Extract<Parsed, { kind: 'message' }>>): Parsed => ({
    kind: 'message',
    body: arg,
    offset: argStart,
    ...extra,
  });
  switch (name) {
    case 'me':
      return arg ? message({ emote: true }) : usage('me');
    case 'shrug':
      return message({ format: 'plain', prefix: arg ? `${SHRUG} ` : SHRUG });
    case 'tableflip':
      return message({ format: 'plain', prefix: arg ? `${TABLEFLIP} ` : TABLEFLIP });
    case 'plain':
      return arg ? message({ format: 'plain' }) : usage('plain');
    case 'html':
      return arg ? message({ format: 'html' }) : usage('html');
    case 'nick':
    case 'topic':
      return arg ? { kind: 'action', name, arg } : usage(name);
    case 'invite':
    case 'ignore':
      return /^@[^:\s]+:\S+$/.test(arg) ? { kind: 'action', name, arg } : usage(name);
    case 'join':
      return /^[#!][^:\s]+:\S+$/.test(arg) ? { kind: 'action', name, arg } : usage('join');
    case 'leave':
      return { kind: 'action', name: 'leave', arg };
    default:
      return { kind: 'unknown', name };
  }
}

/** The commands whose name starts with `query` (typed after the `/`). */
export function matchCommands(query: string): SlashCommand[] {
  const q = query.toLowerCase();
  return COMMANDS.filter((c) => c.name.startsWith(q));
}
