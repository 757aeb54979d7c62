import { describe, expect, it } from 'vitest';
import { pillSegments, pillsForSend, reconcilePills, type Pill } from './pills';

const alice: Pill = { start: 3, end: 8, userId: '@alice:x' };

describe('reconcilePills', () => {
  it('keeps pills before the change and moves those after it', () => {
    const r = reconcilePills('hi Alice!', 'hi Alice! ok', 12, [alice]);
    expect(r).toEqual({ text: 'hi Alice! ok', pills: [alice], caret: 12 });
    const moved = reconcilePills('hi Alice', 'oh hi Alice', 3, [alice]);
    expect(moved.pills).toEqual([{ ...alice, start: 6, end: 11 }]);
  });

  it('typing right after or before a pill keeps it', () => {
    expect(reconcilePills('hi Alice', 'hi Alice ', 9, [alice]).pills).toEqual([alice]);
    expect(reconcilePills('hi Alice', 'hi xAlice', 4, [alice]).pills).toEqual([
      { ...alice, start: 4, end: 9 },
    ]);
  });

  it('deletes a pill whole when Backspace reaches into it', () => {
    expect(reconcilePills('hi Alice ok', 'hi Alic ok', 7, [alice])).toEqual({
      text: 'hi  ok',
      pills: [],
      caret: 3,
    });
  });

  it('deletes a pill whole when typing inside it, keeping what was typed', () => {
    expect(reconcilePills('hi Alice', 'hi AlXice', 6, [alice])).toEqual({
      text: 'hi X',
      pills: [],
      caret: 4,
    });
  });

  it('tells repeated names apart by the caret', () => {
    const second: Pill = { start: 9, end: 14, userId: '@alice:x' };
    // "Alice Alice": the second is a pill; Backspace at the end of the first (plain) one.
    const r = reconcilePills('hi Alice Alice', 'hi Alic Alice', 7, [second]);
    expect(r.pills).toEqual([{ ...second, start: 8, end: 13 }]);
    expect(r.text).toBe('hi Alic Alice');
  });

  it('removes every pill a deleted selection touched, and moves later ones', () => {
    const bob: Pill = { start: 13, end: 16, userId: '@bob:x' };
    const carol: Pill = { start: 21, end: 26, userId: '@carol:x' };
    // "hi Alice and Bob and Carol": select from "ice" to "B" and delete.
    const r = reconcilePills('hi Alice and Bob and Carol', 'hi Alob and Carol', 5, [
      alice,
      bob,
      carol,
    ]);
    expect(r.text).toBe('hi  and Carol');
    expect(r.pills).toEqual([{ ...carol, start: 8, end: 13 }]);
    expect(r.caret).toBe(3);
  });
});

describe('pillsForSend', () => {
  it('keeps the pills inside the sent part, as offsets into it', () => {
    const pills = [alice, { start: 10, end: 13, userId: '@bob:x' }];
    expect(pillsForSend(pills, 3, 9)).toEqual([{ offset: 0, length: 5, userId: '@alice:x' }]);
    expect(pillsForSend(pills, 0, 13, 2)).toEqual([
      { offset: 5, length: 5, userId: '@alice:x' },
      { offset: 12, length: 3, userId: '@bob:x' },
    ]);
  });
});

describe('pillSegments', () => {
  it('cuts the text into plain runs and pills, skipping pills that do not fit', () => {
    expect(pillSegments('hi Alice!', [alice, { start: 7, end: 20, userId: '@x:x' }])).toEqual([
      { text: 'hi ' },
      { text: 'Alice', userId: '@alice:x' },
      { text: '!' },
    ]);
    expect(pillSegments('', [])).toEqual([]);
  });
});
