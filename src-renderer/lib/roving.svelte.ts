/**
 * A roving tabindex over a (virtualised) list: the list is one Tab stop, the arrow keys move
 * between its items, and each item's own controls are reached with Left/Right (or Enter)
 * instead of Tab. As in the WAI-ARIA practices' "roving tabindex", only the active item's home
 * (the item itself, or its first control) has `tabindex=0`; every other control inside an
 * item has `-1`. Items may be rendered later than asked for (virtua), so moving to one first
 * scrolls it in and waits for it.
 */
import { untrack } from 'svelte';
import type { Attachment } from 'svelte/attachments';
import { isMenuKey, moveIndex, stepWithin } from './roving-keys';

export type RovingOptions = {
  /** The items, by CSS selector, inside the element this is attached to. */
  items: string;
  /** An item element's key. */
  keyOf: (item: HTMLElement) => string | undefined;
  /** Every item's key in display order, rendered or not. */
  keys: () => readonly string[];
  /** Scrolls the item at `index` of {@link keys} into view (rendering it). */
  reveal: (index: number) => void;
  /** The item itself takes the focus (a message); otherwise its first control does. */
  self?: boolean;
  /**
   * The Tab stop until an item takes the focus: `key` (read reactively: when it changes, the
   * stop moves there, e.g. the selected room) if rendered, else the first or last visible item.
   */
  initial: { key?: () => string | undefined; end: 'first' | 'last' };
  /** Enter on an item's home focuses its first control matching this selector. */
  enter?: string;
  /** The context-menu key or Shift+F10 on an item (or inside it). */
  onMenu?: (item: HTMLElement, key: string) => void;
};

const FOCUSABLE =
  'a[href], button, input, select, textarea, summary, [tabindex], [contenteditable="true"]';
const EDITABLE = 'input, select, textarea, [contenteditable="true"]';

const nextFrame = () => new Promise<void>((done) => requestAnimationFrame(() => done()));

/** Attaches a roving tabindex to a list container (`{@attach roving({...})}`). */
export function roving(options: RovingOptions): Attachment<HTMLElement> {
  return (container) => {
    let active: string | undefined;

    const items = () => [...container.querySelectorAll<HTMLElement>(options.items)];
    const find = (key: string) => items().find((el) => options.keyOf(el) === key);
    const controls = (item: HTMLElement) => [...item.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const home = (item: HTMLElement) => (options.self ? item : controls(item)[0]);
    const setTabIndex = (el: HTMLElement, value: number) => {
      if (el.tabIndex !== value || !el.hasAttribute('tabindex')) el.tabIndex = value;
    };

    function visibleEnd(list: HTMLElement[]): HTMLElement | undefined {
      const box = container.getBoundingClientRect();
      const seen = list.filter((el) => {
        const r = el.getBoundingClientRect();
        return r.bottom > box.top && r.top < box.bottom;
      });
      const pool = seen.length ? seen : list;
      return options.initial.end === 'first' ? pool[0] : pool.at(-1);
    }

    /** Puts `tabindex` right on every rendered item: 0 on the stop's home, -1 elsewhere. */
    function sync(): void {
      const list = items();
      const byKey = (key: string | undefined) =>
        key === undefined ? undefined : list.find((el) => options.keyOf(el) === key);
      const stop =
        byKey(active) ?? byKey(untrack(() => options.initial.key?.())) ?? visibleEnd(list);
      for (const item of list) {
        const own = home(item);
        for (const el of controls(item)) if (el !== own) setTabIndex(el, -1);
        if (own) setTabIndex(own, item === stop ? 0 : -1);
      }
    }

    /** Focuses the item `key`, scrolling it in (and waiting for it to render) if needed. */
    async function focusKey(key: string): Promise<void> {
      active = key;
      // A far item renders a few frames after the scroll (measured, maybe after older rows
      // arrived above it): ask again now and then, for up to about two seconds.
      for (let n = 0; n < 120 && active === key; n++) {
        const item = find(key);
        if (item) {
          sync();
          // Refused while the virtualiser keeps a row hidden until measured: try next frame.
          const target = home(item);
          target?.focus({ preventScroll: isInView(item) });
          if (!target || document.activeElement === target) return;
        }
        if (n % 10 === 0) {
          const index = options.keys().indexOf(key);
          if (index < 0) return;
          options.reveal(index);
        }
        await nextFrame();
      }
    }

    function isInView(el: HTMLElement): boolean {
      const box = container.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      return r.top >= box.top && r.bottom <= box.bottom;
    }

    function onKeydown(event: KeyboardEvent): void {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target as HTMLElement;
      const item = target.closest<HTMLElement>(options.items);
      if (!item || !container.contains(item) || target.matches(EDITABLE)) return;
      const key = options.keyOf(item);
      if (key === undefined) return;
      if (isMenuKey(event)) {
        if (!options.onMenu) return;
        event.preventDefault();
        options.onMenu(item, key);
        return;
      }
      if (event.shiftKey) return;
      const keys = options.keys();
      const to = moveIndex(event.key, keys.indexOf(key), keys.length);
      if (to !== undefined) {
        event.preventDefault();
        void focusKey(keys[to]!);
        return;
      }
      const own = home(item);
      const stops = [own, ...controls(item).filter((el) => el !== own && el.checkVisibility())];
      const step = stepWithin(event.key, stops.indexOf(target), stops.length);
      if (step !== undefined) {
        event.preventDefault();
        stops[step]?.focus();
      } else if (event.key === 'Enter' && target === own && options.enter) {
        const first = item.querySelector<HTMLElement>(options.enter);
        if (!first) return;
        event.preventDefault();
        first.focus();
      } else if (event.key === 'Escape' && target !== own && own) {
        event.preventDefault();
        own.focus();
      }
    }

    function onFocusin(event: FocusEvent): void {
      const item = (event.target as HTMLElement).closest<HTMLElement>(options.items);
      if (!item || !container.contains(item)) return;
      focused = event.target as HTMLElement;
      active = options.keyOf(item);
      sync();
    }

    // The focused item can leave the DOM under the reader (the virtualiser re-renders rows as
    // the list scrolls or older rows arrive): the focus then falls to the page, and comes back
    // to the item as soon as it is rendered again, unless it went somewhere else meanwhile.
    let focused: HTMLElement | undefined;
    function onFocusout(event: FocusEvent): void {
      if (event.relatedTarget) focused = undefined;
    }
    function onMutation(): void {
      sync();
      const lost = !document.activeElement || document.activeElement === document.body;
      if (!focused || focused.isConnected || !lost || active === undefined) return;
      if (!find(active)) return;
      focused = undefined;
      void focusKey(active);
    }

    let queued = false;
    const later = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        sync();
      });
    };
    // Rows come and go as the list scrolls or changes: each new one gets its tabindex.
    const observer = new MutationObserver(onMutation);
    observer.observe(container, { childList: true, subtree: true });
    container.addEventListener('keydown', onKeydown);
    container.addEventListener('focusin', onFocusin);
    container.addEventListener('focusout', onFocusout);
    container.addEventListener('scroll', later, { capture: true, passive: true });
    // The stop follows `initial.key` when it changes (another room selected, by any means).
    $effect(() => {
      const key = options.initial.key?.();
      untrack(() => {
        if (key !== undefined) active = key;
        sync();
      });
    });
    return () => {
      observer.disconnect();
      container.removeEventListener('keydown', onKeydown);
      container.removeEventListener('focusin', onFocusin);
      container.removeEventListener('focusout', onFocusout);
      container.removeEventListener('scroll', later, { capture: true });
    };
  };
}
