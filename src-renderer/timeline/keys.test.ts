import { describe, expect, it } from 'vitest';
import { scrollKey } from './keys';

const press = (
  key: string,
  mods: Partial<Record<'ctrl' | 'meta' | 'alt' | 'shift', boolean>> = {},
) =>
  scrollKey({
    key,
    ctrlKey: !!mods.ctrl,
    metaKey: !!mods.meta,
    altKey: !!mods.alt,
    shiftKey: !!mods.shift,
    isComposing: false,
  });

describe('timeline keys from the composer', () => {
  it('pages with PageUp and PageDown', () => {
    expect(press('PageUp')).toBe('pageUp');
    expect(press('PageDown')).toBe('pageDown');
  });

  it('goes to the oldest and newest with Ctrl (or ⌘) + Home and End', () => {
    expect(press('Home', { ctrl: true })).toBe('oldest');
    expect(press('End', { meta: true })).toBe('latest');
  });

  it('leaves the caret keys alone', () => {
    expect(press('Home')).toBeUndefined();
    expect(press('End')).toBeUndefined();
    expect(press('PageUp', { shift: true })).toBeUndefined();
    expect(press('ArrowUp')).toBeUndefined();
    expect(
      scrollKey({
        key: 'PageUp',
        ctrlKey: false,
        metaKey: false,
        altKey: false,
        shiftKey: false,
        isComposing: true,
      }),
    ).toBeUndefined();
  });
});
