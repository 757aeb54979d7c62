import { describe, expect, it } from 'vitest';
import type { RawEvent } from './events';
import {
  SENDER_NAME_KEY,
  namesBackward,
  namesForward,
  namesFromState,
  setSenderName,
} from './sender-names';

const BOB = '@bob:example.org';
let n = 0;
const msg = (sender = BOB): RawEvent => ({
  event_id: `$${++n}`,
  type: 'm.room.message',
  sender,
  origin_server_ts: n,
  content: { msgtype: 'm.text', body: `m${n}` },
});
const rename = (from: string | undefined, to: string, withPrev = true): RawEvent => ({
  ...msg(),
  type: 'm.room.member',
  state_key: BOB,
  content: { membership: 'join', displayname: to },
  ...(withPrev
    ? { unsigned: { prev_content: { membership: 'join', ...(from ? { displayname: from } : {}) } } }
    : {}),
});

describe('sender names per event', () => {
  const run = () => [msg(), rename('Bob', 'Robert'), msg(), rename('Robert', 'Rob'), msg()];

  it('walks forward from the names before the run', () => {
    const names = new Map([[BOB, 'Bob']]);
    expect(namesForward(run(), names)).toEqual(['Bob', 'Bob', 'Robert', 'Robert', 'Rob']);
    expect(names.get(BOB)).toBe('Rob');
  });

  it('walks back from the names at the newest event, undoing renames', () => {
    const newestFirst = run().reverse();
    const names = namesFromState([rename('Robert', 'Rob')]);
    expect(namesBackward(newestFirst, names)).toEqual(['Rob', 'Robert', 'Robert', 'Bob', 'Bob']);
  });

  it('forgets a name it cannot undo, and knows a name removed', () => {
    const newestFirst = [msg(), rename(undefined, 'Rob', false), msg()];
    expect(namesBackward(newestFirst, new Map([[BOB, 'Rob']]))).toEqual(['Rob', null, null]);
    expect(namesForward([rename('Bob', ' '), msg()], new Map([[BOB, 'Bob']]))).toEqual([
      'Bob',
      null,
    ]);
  });

  it('records the name in unsigned, and removes one a server sent', () => {
    const e = { ...msg(), unsigned: { age: 5, [SENDER_NAME_KEY]: 'forged' } };
    setSenderName(e, 'Bob');
    expect(e.unsigned).toEqual({ age: 5, [SENDER_NAME_KEY]: 'Bob' });
    setSenderName(e, null);
    expect(e.unsigned).toEqual({ age: 5 });
  });
});
