/** Timeline items for the renderer's unit tests. */
import type { TimelineItem } from '../../src-main/ipc/contract';

let n = 0;

/** A timeline item for tests: a text message unless overridden. */
export function item(over: Partial<TimelineItem> = {}): TimelineItem {
  n++;
  return {
    eventId: `$e${n}`,
    sender: '@bob:x',
    ts: new Date(2025, 2, 12, 10, 0).getTime() + n * 1000,
    type: 'm.room.message',
    content: { msgtype: 'm.text', body: `message ${n}` },
    edited: false,
    redacted: false,
    reactions: [],
    ...over,
  };
}

/** An `m.room.member` item. */
export function member(
  sender: string,
  target: string,
  membership: string,
  extra: Record<string, unknown> = {},
  over: Partial<TimelineItem> = {},
): TimelineItem {
  return item({
    sender,
    type: 'm.room.member',
    stateKey: target,
    content: { membership, ...extra },
    ...over,
  });
}

export const nameOf = (userId: string): string =>
  ({ '@alice:x': 'Alice', '@bob:x': 'Bob', '@carol:x': 'Carol' })[userId] ??
  userId.slice(1, userId.indexOf(':'));
