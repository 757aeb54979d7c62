/**
 * State events in plain words ("Alice joined", "Bob changed the topic to …"). Pure: names come
 * from a lookup the caller provides, earlier membership from the items loaded before.
 */
import type { TimelineItem } from '../../src-main/ipc/contract';
import { plural } from '../lib/format';

/** What a membership event did, for summaries of long runs. */
export type MemberAction =
  | 'joined'
  | 'left'
  | 'invited'
  | 'rejected'
  | 'revoked'
  | 'kicked'
  | 'banned'
  | 'unbanned'
  | 'knocked'
  | 'renamed'
  | 'avatar'
  | 'unchanged';

/** A state event described: the sentence, and for membership the action it took. */
export type StateLine = { text: string; action?: MemberAction };

type NameOf = (userId: string) => string;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function withReason(text: string, content: Record<string, unknown>): string {
  const reason = str(content.reason)?.trim();
  return reason ? `${text}: ${reason}` : text;
}

/** Decides what a membership change did, given the target's previous membership content. */
export function memberAction(
  item: TimelineItem,
  prev: Record<string, unknown> | undefined,
): MemberAction {
  const now = str(item.content.membership);
  const before = str(prev?.membership);
  const self = item.sender === item.stateKey;
  switch (now) {
    case 'join':
      if (before !== 'join') return 'joined';
      if (str(prev?.displayname) !== str(item.content.displayname)) return 'renamed';
      if (str(prev?.avatar_url) !== str(item.content.avatar_url)) return 'avatar';
      return 'unchanged';
    case 'invite':
      return 'invited';
    case 'ban':
      return 'banned';
    case 'knock':
      return 'knocked';
    case 'leave':
      if (self) return before === 'invite' ? 'rejected' : 'left';
      if (before === 'ban') return 'unbanned';
      if (before === 'invite') return 'revoked';
      return 'kicked';
    default:
      return 'unchanged';
  }
}

function describeMember(
  item: TimelineItem,
  prev: Record<string, unknown> | undefined,
  nameOf: NameOf,
): StateLine {
  const c = item.content;
  const action = memberAction(item, prev);
  const actor = nameOf(item.sender);
  const targetId = item.stateKey ?? item.sender;
  const target = str(c.displayname)?.trim() || nameOf(targetId);
  const previousName = str(prev?.displayname)?.trim() || nameOf(targetId);
  const text: Record<MemberAction, () => string> = {
    joined: () => `${target} joined`,
    left: () => withReason(`${target} left`, c),
    invited: () => withReason(`${actor} invited ${target}`, c),
    rejected: () => `${previousName} rejected the invitation`,
    revoked: () => withReason(`${actor} withdrew ${previousName}'s invitation`, c),
    kicked: () => withReason(`${actor} removed ${previousName}`, c),
    banned: () => withReason(`${actor} banned ${previousName}`, c),
    unbanned: () => `${actor} unbanned ${previousName}`,
    knocked: () => withReason(`${target} asked to join`, c),
    renamed: () =>
      str(c.displayname)?.trim()
        ? str(prev?.displayname)?.trim()
          ? `${previousName} changed their name to ${target}`
          : `${previousName} set their name to ${target}`
        : `${previousName} removed their name`,
    avatar: () => `${target} changed their avatar`,
    unchanged: () => `${target} updated their profile`,
  };
  return { text: text[action](), action };
}

const JOIN_RULES: Record<string, string> = {
  public: 'made the room public',
  invite: 'made the room invite only',
  knock: 'let people ask to join',
  restricted: 'let members of other spaces join',
  knock_restricted: 'let members of other spaces join or ask to join',
  private: 'made the room private',
};

const HISTORY: Record<string, string> = {
  world_readable: 'anyone',
  shared: 'all members',
  invited: 'members, from the point they were invited',
  joined: 'members, from the point they joined',
};

function describeOther(item: TimelineItem, actor: string): string | undefined {
  const c = item.content;
  switch (item.type) {
    case 'm.room.create':
      return `${actor} created the room`;
    case 'm.room.name': {
      const name = str(c.name)?.trim();
      return name ? `${actor} changed the room name to ${name}` : `${actor} removed the room name`;
    }
    case 'm.room.topic': {
      const topic = str(c.topic)?.trim();
      return topic ? `${actor} changed the topic to "${topic}"` : `${actor} removed the topic`;
    }
    case 'm.room.avatar':
      return str(c.url) ? `${actor} changed the room avatar` : `${actor} removed the room avatar`;
    case 'm.room.encryption':
      return `${actor} turned on end-to-end encryption`;
    case 'm.room.join_rules': {
      const rule = JOIN_RULES[str(c.join_rule) ?? ''];
      return rule ? `${actor} ${rule}` : `${actor} changed who can join`;
    }
    case 'm.room.history_visibility': {
      const who = HISTORY[str(c.history_visibility) ?? ''];
      return who ? `${actor} made future history visible to ${who}` : undefined;
    }
    case 'm.room.guest_access':
      return c.guest_access === 'can_join'
        ? `${actor} allowed guests to join`
        : `${actor} stopped guests from joining`;
    case 'm.room.power_levels':
      return `${actor} changed the power levels`;
    case 'm.room.canonical_alias': {
      const alias = str(c.alias);
      return alias ? `${actor} set the main address to ${alias}` : `${actor} changed the addresses`;
    }
    case 'm.room.pinned_events':
      return `${actor} changed the pinned messages`;
    case 'm.room.server_acl':
      return `${actor} changed the server access rules`;
    case 'm.room.tombstone':
      return `${actor} upgraded this room`;
    default:
      return undefined;
  }
}

/**
 * A state event in plain words, or `undefined` for state the timeline does not show.
 * `prev` is the target's earlier membership content (for `m.room.member`), when known.
 */
export function describeState(
  item: TimelineItem,
  nameOf: NameOf,
  prev?: Record<string, unknown>,
): StateLine | undefined {
  if (item.stateKey === undefined) return undefined;
  if (item.type === 'm.room.member') return describeMember(item, prev, nameOf);
  const actor = nameOf(item.sender);
  if (item.redacted) return { text: `${actor} changed the room settings (deleted)` };
  const text = describeOther(item, actor);
  return text ? { text } : undefined;
}

const SUMMARY: [MemberAction, string, string][] = [
  ['joined', 'joined', 'joined'],
  ['left', 'left', 'left'],
  ['invited', 'was invited', 'were invited'],
  ['rejected', 'rejected an invitation', 'rejected invitations'],
  ['revoked', 'had an invitation withdrawn', 'had invitations withdrawn'],
  ['kicked', 'was removed', 'were removed'],
  ['banned', 'was banned', 'were banned'],
  ['unbanned', 'was unbanned', 'were unbanned'],
  ['knocked', 'asked to join', 'asked to join'],
  ['renamed', 'changed their name', 'changed their names'],
  ['avatar', 'changed their avatar', 'changed their avatars'],
  ['unchanged', 'updated their profile', 'updated their profiles'],
];

/** "5 people joined, 2 left" for a run of membership changes. */
export function summarizeMembers(actions: readonly MemberAction[]): string {
  const counts = new Map<MemberAction, number>();
  for (const a of actions) counts.set(a, (counts.get(a) ?? 0) + 1);
  const parts: string[] = [];
  for (const [action, one, many] of SUMMARY) {
    const n = counts.get(action);
    if (!n) continue;
    const who = parts.length === 0 ? plural(n, 'person', 'people') : String(n);
    parts.push(`${who} ${n === 1 ? one : many}`);
  }
  return parts.join(', ');
}
