/** The keys of a roving tabindex (see `roving.svelte.ts`): where each one goes. Pure. */

/** Where Up/Down/Home/End go from `index` among `count` items (`-1`: none active yet). */
export function moveIndex(key: string, index: number, count: number): number | undefined {
  if (count === 0) return undefined;
  switch (key) {
    case 'ArrowDown':
      return index < 0 ? 0 : Math.min(count - 1, index + 1);
    case 'ArrowUp':
      return index < 0 ? count - 1 : Math.max(0, index - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}

/** Where Left/Right go among an item's stops (its home first), or `undefined`: stay. */
export function stepWithin(key: string, index: number, count: number): number | undefined {
  const next = key === 'ArrowRight' ? index + 1 : key === 'ArrowLeft' ? index - 1 : -1;
  return next >= 0 && next < count && index >= 0 ? next : undefined;
}

/** Whether `key` (with Shift or not) asks for a context menu. */
export function isMenuKey(event: Pick<KeyboardEvent, 'key' | 'shiftKey'>): boolean {
  return event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey);
}
