/**
 * A room's notification setting as push rules, the way Element writes it: "Mute" is an
 * `override` rule matching the room with no `notify` action; "Mentions and keywords" a `room`
 * rule without `notify`; "All messages" a `room` rule with `notify`; neither is the default.
 *
 * @packageDocumentation
 */
import type { NotificationLevel } from '../model/room';
import { isObject, type JsonObject } from './events';

function rulesOf(pushRules: JsonObject | undefined, kind: 'override' | 'room'): JsonObject[] {
  const global = isObject(pushRules?.global) ? pushRules.global : undefined;
  const list = global?.[kind];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

const notifies = (rule: JsonObject) =>
  Array.isArray(rule.actions) && rule.actions.includes('notify');

/** Whether an override rule matches exactly this room (one `room_id` condition). */
function mutesRoom(rule: JsonObject, roomId: string): boolean {
  if (rule.enabled === false || notifies(rule)) return false;
  const conditions = Array.isArray(rule.conditions) ? rule.conditions : [];
  return (
    conditions.length === 1 &&
    isObject(conditions[0]) &&
    conditions[0].kind === 'event_match' &&
    conditions[0].key === 'room_id' &&
    conditions[0].pattern === roomId
  );
}

/** The level set for `roomId` in the `m.push_rules` account data (`{ global: Ruleset }`). */
export function notificationLevelOf(
  pushRules: JsonObject | undefined,
  roomId: string,
): NotificationLevel {
  if (rulesOf(pushRules, 'override').some((r) => mutesRoom(r, roomId))) return 'mute';
  const room = rulesOf(pushRules, 'room').find((r) => r.rule_id === roomId && r.enabled !== false);
  if (!room) return 'default';
  return notifies(room) ? 'all' : 'mentions';
}

/** The push rules (`kind`, id, body) that give `roomId` the level; none for `default`. */
export function rulesForLevel(
  roomId: string,
  level: NotificationLevel,
): { kind: 'override' | 'room'; ruleId: string; rule: JsonObject }[] {
  switch (level) {
    case 'mute':
      return [
        {
          kind: 'override',
          ruleId: roomId,
          rule: {
            actions: [],
            conditions: [{ kind: 'event_match', key: 'room_id', pattern: roomId }],
          },
        },
      ];
    case 'mentions':
      return [{ kind: 'room', ruleId: roomId, rule: { actions: [] } }];
    case 'all':
      return [{ kind: 'room', ruleId: roomId, rule: { actions: ['notify'] } }];
    default:
      return [];
  }
}
