import { describe, expect, it } from 'vitest';
import { mergeAppended, olderThan, removeIds, replaceUpdated } from './timeline-merge';
import { item } from '../testing/timeline-fixtures';

const echo = (localId: string) =>
  item({ eventId: `local:${localId}`, local: { localId, state: 'pending' } });
const ids = (list: { eventId: string }[]) => list.map((i) => i.eventId);

describe('mergeAppended', () => {
  it('adds live items at the end, keeping our unsent messages last', () => {
    const a = item();
    const mine = echo('l1');
    const b = item();
    expect(ids(mergeAppended([a, mine], [b]))).toEqual([a.eventId, b.eventId, mine.eventId]);
  });

  it('replaces an item it already holds instead of repeating it', () => {
    const a = item();
    const a2 = { ...a, edited: true };
    const merged = mergeAppended([a], [a2]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.edited).toBe(true);
  });
});

describe('replaceUpdated and removeIds', () => {
  it('swaps in changed items and leaves the list alone when none is loaded', () => {
    const a = item();
    const b = item();
    const list = [a, b];
    const next = replaceUpdated(list, [{ ...b, redacted: true }]);
    expect(next[1]!.redacted).toBe(true);
    expect(replaceUpdated(list, [item()])).toBe(list);
  });

  it('puts a message decrypted later where its undecryptable item stood', () => {
    const before = item();
    const utd = item({
      type: 'm.room.encrypted',
      content: {},
      e2ee: { state: 'undecryptable', reason: 'missing_key' },
    });
    const after = item();
    const decrypted = {
      ...utd,
      type: 'm.room.message',
      content: { msgtype: 'm.text', body: 'now readable' },
      e2ee: { state: 'decrypted' as const, shield: 'verified' as const },
    };
    const next = replaceUpdated([before, utd, after], [decrypted]);
    expect(ids(next)).toEqual([before.eventId, utd.eventId, after.eventId]);
    expect(next[1]).toBe(decrypted);
  });

  it('removes items by id, or returns the same list', () => {
    const list = [item(), echo('l2')];
    expect(ids(removeIds(list, ['local:l2']))).toEqual([list[0]!.eventId]);
    expect(removeIds(list, ['$nope'])).toBe(list);
  });

  it('drops older items already loaded', () => {
    const a = item();
    const b = item();
    expect(ids(olderThan([b], [a, b]))).toEqual([a.eventId]);
  });
});
