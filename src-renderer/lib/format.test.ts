import { describe, expect, it } from 'vitest';
import {
  colorIndex,
  dayKey,
  displayName,
  formatDay,
  initials,
  joinNames,
  localpart,
  plural,
} from './format';

describe('names', () => {
  it('uses the display name, else the localpart', () => {
    expect(displayName('@alice:example.org', 'Alice A.')).toBe('Alice A.');
    expect(displayName('@alice:example.org', '   ')).toBe('alice');
    expect(displayName('@alice:example.org')).toBe('alice');
    expect(localpart('not-an-id')).toBe('not-an-id');
  });

  it('gives one upper-case initial, emoji included', () => {
    expect(initials('bob')).toBe('B');
    expect(initials('@carol:x')).toBe('C');
    expect(initials('😀 party')).toBe('😀');
    expect(initials('')).toBe('?');
  });

  it('keeps a colour per id', () => {
    expect(colorIndex('@a:x')).toBe(colorIndex('@a:x'));
    const slots = new Set(['@a:x', '@b:x', '@c:x', '@d:x', '@e:x', '@f:x'].map(colorIndex));
    expect(slots.size).toBeGreaterThan(1);
    for (const s of slots) expect(s).toBeGreaterThanOrEqual(0);
  });

  it('joins names like a sentence', () => {
    expect(joinNames([])).toBe('');
    expect(joinNames(['A'])).toBe('A');
    expect(joinNames(['A', 'B'])).toBe('A and B');
    expect(joinNames(['A', 'B', 'C'])).toBe('A, B and C');
    expect(joinNames(['A', 'B', 'C', 'D', 'E'])).toBe('A, B and 3 others');
    expect(plural(1, 'person', 'people')).toBe('1 person');
    expect(plural(2, 'person', 'people')).toBe('2 people');
  });
});

describe('days', () => {
  const now = new Date(2025, 2, 12, 15, 0).getTime(); // a Wednesday

  it('says today and yesterday by the local calendar', () => {
    expect(formatDay(new Date(2025, 2, 12, 0, 1).getTime(), now)).toBe('Today');
    expect(formatDay(new Date(2025, 2, 11, 23, 59).getTime(), now)).toBe('Yesterday');
  });

  it('names the weekday within a week, the date beyond', () => {
    expect(formatDay(new Date(2025, 2, 9, 12).getTime(), now, 'en-GB')).toBe('Sunday');
    expect(formatDay(new Date(2025, 1, 1, 12).getTime(), now, 'en-GB')).toMatch(
      /^Saturday,? 1 February$/,
    );
    expect(formatDay(new Date(2023, 1, 1, 12).getTime(), now, 'en-GB')).toMatch(
      /^Wednesday,? 1 February 2023$/,
    );
  });

  it('keys days so that different days differ', () => {
    expect(dayKey(new Date(2025, 0, 5, 1).getTime())).toBe('2025-01-05');
    expect(dayKey(new Date(2025, 0, 5, 23).getTime())).toBe(
      dayKey(new Date(2025, 0, 5, 0).getTime()),
    );
  });
});
