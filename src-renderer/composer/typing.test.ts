import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingNotifier } from './typing';

describe('TypingNotifier', () => {
  let sent: boolean[];
  let t: TypingNotifier;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    t = new TypingNotifier((typing) => sent.push(typing), 5_000, 20_000);
  });
  afterEach(() => vi.useRealTimers());

  it('says typing once per burst of keystrokes', () => {
    t.input(true);
    t.input(true);
    vi.advanceTimersByTime(1_000);
    t.input(true);
    expect(sent).toEqual([true]);
  });

  it('stops after five idle seconds', () => {
    t.input(true);
    vi.advanceTimersByTime(4_900);
    t.input(true);
    vi.advanceTimersByTime(4_900);
    expect(sent).toEqual([true]);
    vi.advanceTimersByTime(200);
    expect(sent).toEqual([true, false]);
  });

  it('stops on send or blur, and when the text is emptied, once', () => {
    t.input(true);
    t.stop();
    t.stop();
    expect(sent).toEqual([true, false]);
    t.input(true);
    t.input(false);
    expect(sent).toEqual([true, false, true, false]);
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([true, false, true, false]);
  });

  it('repeats typing while it goes on, before the server forgets', () => {
    for (let s = 0; s < 25; s++) {
      t.input(true);
      vi.advanceTimersByTime(1_000);
    }
    expect(sent).toEqual([true, true]);
  });
});
