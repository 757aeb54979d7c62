/**
 * Composer completion, pure: what is being completed at the caret (`:smi` → emoji, `@al` →
 * members), the candidates, and the text after picking one.
 */
import type { Member } from '../../src-main/ipc/contract';
import { displayName } from '../lib/format';

/** A completion in progress: the typed token spans `start`..`end` of the text. */
export type Trigger = {
  kind: 'emoji' | 'mention' | 'command';
  query: string;
  start: number;
  end: number;
};

/**
 * One suggestion of the popup: an emoji (`emoji`), a person (`userId`, with an avatar) or a
 * slash command (`command`, its name with the `/`).
 */
export type Suggestion = {
  key: string;
  label: string;
  detail?: string;
  emoji?: string;
  userId?: string;
  command?: string;
};

/** A member offered for `@` completion. */
export type MentionCandidate = { userId: string; name: string };

/**
 * The completion the caret sits in, if any: `/` plus a word at the very start (slash commands),
 * `:` plus at least two word characters (emoji shortcodes), or `@` plus anything without
 * spaces (members), each at a word start.
 */
export function findTrigger(text: string, caret: number): Trigger | undefined {
  const before = text.slice(0, caret);
  const command = /^\/(\w*)$/.exec(before);
  if (command) return { kind: 'command', query: command[1]!, start: 0, end: caret };
  const emoji = /(?:^|[\s(])(:[\w+-]{2,})$/.exec(before);
  if (emoji) {
    const token = emoji[1]!;
    return { kind: 'emoji', query: token.slice(1), start: caret - token.length, end: caret };
  }
  const mention = /(?:^|[\s(])(@[^\s@]*)$/.exec(before);
  if (mention) {
    const token = mention[1]!;
    return { kind: 'mention', query: token.slice(1), start: caret - token.length, end: caret };
  }
  return undefined;
}

/** Joined (and invited) members matching `query` by name or user id, best first. */
export function matchMembers(
  members: Iterable<Member>,
  query: string,
  ownUserId: string | undefined,
  limit = 8,
): MentionCandidate[] {
  const q = query.toLowerCase();
  const hits: { c: MentionCandidate; r: number }[] = [];
  for (const m of members) {
    if (m.userId === ownUserId || (m.membership !== 'join' && m.membership !== 'invite')) continue;
    const name = displayName(m.userId, m.displayName);
    const n = name.toLowerCase();
    const id = m.userId.slice(1).split(':')[0]!.toLowerCase(); // the server part matches everyone
    const r = n.startsWith(q) ? 0 : id.startsWith(q) ? 1 : n.includes(q) || id.includes(q) ? 2 : -1;
    if (r >= 0) hits.push({ c: { userId: m.userId, name }, r });
  }
  hits.sort((a, b) => a.r - b.r || a.c.name.localeCompare(b.c.name));
  return hits.slice(0, limit).map((h) => h.c);
}

/** `text` with the trigger's token replaced by `insert` and a space; the new caret position. */
export function applyCompletion(
  text: string,
  trigger: Trigger,
  insert: string,
): { text: string; caret: number } {
  const after = text.slice(trigger.end);
  const spacer = after.startsWith(' ') ? '' : ' ';
  const next = text.slice(0, trigger.start) + insert + spacer + after;
  return { text: next, caret: trigger.start + insert.length + 1 };
}
