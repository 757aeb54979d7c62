import { isObject, type JsonObject } from '../validate';
import type { Pdu } from './events';

/** A push rule (spec: `PushRule`). */
export type PushRule = {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  actions: unknown[];
  conditions?: JsonObject[];
  pattern?: string;
};

/** A user's rule set (spec: `Ruleset`). */
export type Ruleset = {
  override: PushRule[];
  content: PushRule[];
  room: PushRule[];
  sender: PushRule[];
  underride: PushRule[];
};

const NOTIFY_SOUND = ['notify', { set_tweak: 'sound', value: 'default' }];
const HIGHLIGHT = { set_tweak: 'highlight' };

function rule(
  rule_id: string,
  conditions: JsonObject[],
  actions: unknown[],
  enabled = true,
): PushRule {
  return { rule_id, default: true, enabled, conditions, actions };
}

const ev = (key: string, pattern: string) => ({ kind: 'event_match', key, pattern });

/** The spec's predefined rules for `userId`. */
export function defaultRules(userId: string): Ruleset {
  const localpart = userId.slice(1, userId.indexOf(':'));
  return {
    override: [
      rule('.m.rule.master', [], [], false),
      rule('.m.rule.suppress_notices', [ev('content.msgtype', 'm.notice')], []),
      rule(
        '.m.rule.invite_for_me',
        [ev('type', 'm.room.member'), ev('content.membership', 'invite'), ev('state_key', userId)],
        [...NOTIFY_SOUND, { set_tweak: 'highlight', value: false }],
      ),
      rule('.m.rule.member_event', [ev('type', 'm.room.member')], []),
      rule(
        '.m.rule.is_user_mention',
        [{ kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: userId }],
        [...NOTIFY_SOUND, HIGHLIGHT],
      ),
      rule(
        '.m.rule.contains_display_name',
        [{ kind: 'contains_display_name' }],
        [...NOTIFY_SOUND, HIGHLIGHT],
      ),
      rule(
        '.m.rule.is_room_mention',
        [
          { kind: 'event_property_is', key: 'content.m\\.mentions.room', value: true },
          { kind: 'sender_notification_permission', key: 'room' },
        ],
        ['notify', HIGHLIGHT],
      ),
      rule(
        '.m.rule.roomnotif',
        [{ kind: 'sender_notification_permission', key: 'room' }, ev('content.body', '@room')],
        ['notify', HIGHLIGHT],
      ),
      rule(
        '.m.rule.tombstone',
        [ev('type', 'm.room.tombstone'), ev('state_key', '')],
        ['notify', HIGHLIGHT],
      ),
      rule('.m.rule.reaction', [ev('type', 'm.reaction')], []),
      rule('.m.rule.room.server_acl', [ev('type', 'm.room.server_acl'), ev('state_key', '')], []),
      rule(
        '.m.rule.suppress_edits',
        [{ kind: 'event_property_is', key: 'content.m\\.relates_to.rel_type', value: 'm.replace' }],
        [],
      ),
    ],
    content: [
      {
        rule_id: '.m.rule.contains_user_name',
        default: true,
        enabled: true,
        pattern: localpart,
        actions: [...NOTIFY_SOUND, HIGHLIGHT],
      },
    ],
    room: [],
    sender: [],
    underride: [
      rule(
        '.m.rule.call',
        [ev('type', 'm.call.invite')],
        ['notify', { set_tweak: 'sound', value: 'ring' }],
      ),
      rule(
        '.m.rule.encrypted_room_one_to_one',
        [{ kind: 'room_member_count', is: '2' }, ev('type', 'm.room.encrypted')],
        NOTIFY_SOUND,
      ),
      rule(
        '.m.rule.room_one_to_one',
        [{ kind: 'room_member_count', is: '2' }, ev('type', 'm.room.message')],
        NOTIFY_SOUND,
      ),
      rule('.m.rule.message', [ev('type', 'm.room.message')], ['notify']),
      rule('.m.rule.encrypted', [ev('type', 'm.room.encrypted')], ['notify']),
    ],
  };
}

/** What the evaluator needs to know about the room and the reader. */
export type PushContext = {
  userId: string;
  displayName?: string;
  memberCount: number;
  senderPowerLevel: number;
  notificationLevels: Record<string, number>;
};

/** Splits a dotted key, honouring `\.` escapes. */
function keyPath(key: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === '\\' && (key[i + 1] === '.' || key[i + 1] === '\\')) cur += key[++i];
    else if (c === '.') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function lookup(event: JsonObject, key: string): unknown {
  let v: unknown = event;
  for (const p of keyPath(key)) {
    if (!isObject(v)) return undefined;
    v = v[p];
  }
  return v;
}

function globRe(pattern: string, words: boolean): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return words ? new RegExp(`(^|\\W)${body}(\\W|$)`, 'i') : new RegExp(`^${body}$`, 'i');
}

const LEGACY_MENTION_RULES = new Set([
  '.m.rule.contains_display_name',
  '.m.rule.roomnotif',
  '.m.rule.contains_user_name',
]);

function conditionHolds(c: JsonObject, event: JsonObject, ctx: PushContext): boolean {
  switch (c.kind) {
    case 'event_match': {
      if (typeof c.key !== 'string' || typeof c.pattern !== 'string') return false;
      const v = lookup(event, c.key);
      return typeof v === 'string' && globRe(c.pattern, c.key === 'content.body').test(v);
    }
    case 'event_property_is':
      return typeof c.key === 'string' && lookup(event, c.key) === c.value;
    case 'event_property_contains': {
      const v = typeof c.key === 'string' ? lookup(event, c.key) : undefined;
      return Array.isArray(v) && v.includes(c.value);
    }
    case 'contains_display_name': {
      const body = lookup(event, 'content.body');
      if (!ctx.displayName || typeof body !== 'string') return false;
      return globRe(ctx.displayName.replace(/[*?]/g, '\\$&'), true).test(body);
    }
    case 'room_member_count': {
      const m = /^(==|<=|>=|<|>)?(\d+)$/.exec(String(c.is ?? ''));
      if (!m) return false;
      const n = Number(m[2]);
      const count = ctx.memberCount;
      switch (m[1]) {
        case '<':
          return count < n;
        case '>':
          return count > n;
        case '<=':
          return count <= n;
        case '>=':
          return count >= n;
        default:
          return count === n;
      }
    }
    case 'sender_notification_permission': {
      const needed = ctx.notificationLevels[String(c.key)] ?? 50;
      return ctx.senderPowerLevel >= needed;
    }
    default:
      return false;
  }
}

/** The actions of the first matching enabled rule, or [] (spec: push rule evaluation). */
export function evaluate(rules: Ruleset, pdu: Pdu, ctx: PushContext): unknown[] {
  const event = pdu as unknown as JsonObject;
  const hasMentions = 'm.mentions' in pdu.content;
  for (const kind of ['override', 'content', 'room', 'sender', 'underride'] as const) {
    for (const r of rules[kind]) {
      if (!r.enabled) continue;
      if (hasMentions && LEGACY_MENTION_RULES.has(r.rule_id)) continue;
      let ok: boolean;
      if (kind === 'content') ok = conditionHolds(ev('content.body', r.pattern ?? ''), event, ctx);
      else if (kind === 'room') ok = pdu.room_id === r.rule_id;
      else if (kind === 'sender') ok = pdu.sender === r.rule_id;
      else ok = (r.conditions ?? []).every((c) => conditionHolds(c, event, ctx));
      if (ok) return r.actions;
    }
  }
  return [];
}

/** Whether actions ask to notify, and to highlight. */
export function notifyFlags(actions: unknown[]): { notify: boolean; highlight: boolean } {
  let notify = false;
  let highlight = false;
  for (const a of actions) {
    if (a === 'notify') notify = true;
    if (isObject(a) && a.set_tweak === 'highlight' && a.value !== false) highlight = true;
  }
  return { notify, highlight };
}

/** The user's rules: the stored `m.push_rules` account data when valid, else the defaults. */
export function rulesFrom(stored: JsonObject | undefined, userId: string): Ruleset {
  const g = stored && isObject(stored.global) ? (stored.global as JsonObject) : undefined;
  if (!g) return defaultRules(userId);
  const d = defaultRules(userId);
  const list = (k: keyof Ruleset) => (Array.isArray(g[k]) ? (g[k] as PushRule[]) : d[k]);
  return {
    override: list('override'),
    content: list('content'),
    room: list('room'),
    sender: list('sender'),
    underride: list('underride'),
  };
}
