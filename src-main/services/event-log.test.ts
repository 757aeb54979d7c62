import { describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../model/events';
import { EventLog } from './event-log';

const typing = (n: number) => ({ roomId: '!r:hs', userIds: [`@u${n}:hs`] });

describe('EventLog', () => {
  it('numbers events from 1 in push order and hands them to subscribers', () => {
    const log = new EventLog();
    const seen: AppEvent[] = [];
    log.subscribe((e) => seen.push(e));
    const first = log.push('typing.changed', typing(1));
    log.push('sync.status', { state: 'ok' });
    expect(first).toEqual({ type: 'typing.changed', seq: 1, data: typing(1) });
    expect(seen.map((e) => [e.seq, e.type])).toEqual([
      [1, 'typing.changed'],
      [2, 'sync.status'],
    ]);
    expect(log.lastSeq).toBe(2);
  });

  it('stops delivering after unsubscribe, and one throwing subscriber does not starve others', () => {
    const log = new EventLog();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const got: number[] = [];
    log.subscribe(() => {
      throw new Error('bad listener');
    });
    const off = log.subscribe((e) => got.push(e.seq));
    log.push('typing.changed', typing(1));
    off();
    log.push('typing.changed', typing(2));
    expect(got).toEqual([1]);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  it('returns what a reconnecting renderer missed, oldest first', () => {
    const log = new EventLog(10);
    for (let i = 1; i <= 7; i++) log.push('typing.changed', typing(i));
    const { events, reset } = log.since(4);
    expect(reset).toBe(false);
    expect(events.map((e) => e.seq)).toEqual([5, 6, 7]);
    expect(events[0]).toEqual({ type: 'typing.changed', seq: 5, data: typing(5) });
    expect(log.since(7)).toEqual({ events: [], reset: false });
    expect(log.since(0).events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('keeps only the last `capacity` events across wrap-around and asks for a reset beyond', () => {
    const log = new EventLog(5);
    for (let i = 1; i <= 23; i++) log.push('typing.changed', typing(i));
    // 19..23 are kept: after 18 is complete, after 17 has lost 18.
    expect(log.since(18)).toMatchObject({ reset: false });
    expect(log.since(18).events.map((e) => e.seq)).toEqual([19, 20, 21, 22, 23]);
    expect(log.since(20).events.map((e) => (e.data as { userIds: string[] }).userIds[0])).toEqual([
      '@u21:hs',
      '@u22:hs',
      '@u23:hs',
    ]);
    expect(log.since(17)).toEqual({ events: [], reset: true });
    expect(log.since(0)).toEqual({ events: [], reset: true });
  });

  it('asks for a reset when the renderer is ahead (it saw an earlier core, since restarted)', () => {
    const log = new EventLog();
    log.push('typing.changed', typing(1));
    expect(log.since(40)).toEqual({ events: [], reset: true });
  });

  it('rejects a malformed afterSeq instead of guessing', () => {
    const log = new EventLog();
    for (const bad of [
      -1,
      1.5,
      Number.NaN,
      '3' as unknown as number,
      undefined as unknown as number,
    ]) {
      expect(() => log.since(bad)).toThrow(RangeError);
    }
    expect(() => new EventLog(0)).toThrow(RangeError);
  });
});
