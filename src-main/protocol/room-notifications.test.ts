import { describe, expect, it } from 'vitest';
import { notificationLevelOf, rulesForLevel } from './room-notifications';

const ROOM = '!r:hs';
const rules = (override: unknown[], room: unknown[]) => ({ global: { override, room } });
const muteRule = {
  rule_id: ROOM,
  enabled: true,
  default: false,
  actions: ['dont_notify'],
  conditions: [{ kind: 'event_match', key: 'room_id', pattern: ROOM }],
};

describe('notificationLevelOf', () => {
  it('is the default without rules, or with malformed account data', () => {
    expect(notificationLevelOf(undefined, ROOM)).toBe('default');
    expect(notificationLevelOf({ global: 'x' }, ROOM)).toBe('default');
    expect(notificationLevelOf(rules([1, null], ['x']), ROOM)).toBe('default');
  });

  it('reads a muting override rule (Element writes `dont_notify` or no action)', () => {
    expect(notificationLevelOf(rules([muteRule], []), ROOM)).toBe('mute');
    expect(notificationLevelOf(rules([{ ...muteRule, actions: [] }], []), ROOM)).toBe('mute');
    expect(notificationLevelOf(rules([{ ...muteRule, enabled: false }], []), ROOM)).toBe('default');
    expect(notificationLevelOf(rules([muteRule], []), '!other:hs')).toBe('default');
  });

  it('reads a room rule: with notify all messages, without mentions only', () => {
    const all = { rule_id: ROOM, enabled: true, actions: ['notify'] };
    expect(notificationLevelOf(rules([], [all]), ROOM)).toBe('all');
    expect(notificationLevelOf(rules([], [{ ...all, actions: [] }]), ROOM)).toBe('mentions');
  });
});

describe('rulesForLevel', () => {
  it('writes rules that read back as the same level', () => {
    for (const level of ['all', 'mentions', 'mute'] as const) {
      const written = rulesForLevel(ROOM, level).map((r) => ({ rule_id: r.ruleId, ...r.rule }));
      const kind = rulesForLevel(ROOM, level)[0]!.kind;
      const set = kind === 'override' ? rules(written, []) : rules([], written);
      expect(notificationLevelOf(set, ROOM)).toBe(level);
    }
    expect(rulesForLevel(ROOM, 'default')).toEqual([]);
  });
});
