/** The timeline's keys, as used from the composer and on a focused message. */

/** One entry of a message's menu: a button of its action toolbar, offered by its name. */
export type MenuAction = { label: string; button: HTMLButtonElement };

/** What a key pressed in the composer does to the timeline, if anything. */
export type ScrollAction = 'pageUp' | 'pageDown' | 'oldest' | 'latest';

/**
 * PageUp/PageDown scroll the timeline by a screen, Ctrl+Home/Ctrl+End (⌘ on a Mac) to the
 * oldest message and back to the newest, while the caret stays in the composer.
 */
export function scrollKey(
  event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'isComposing'>,
): ScrollAction | undefined {
  if (event.isComposing || event.altKey || event.shiftKey) return undefined;
  const mod = event.ctrlKey || event.metaKey;
  if (!mod && event.key === 'PageUp') return 'pageUp';
  if (!mod && event.key === 'PageDown') return 'pageDown';
  if (mod && event.key === 'Home') return 'oldest';
  if (mod && event.key === 'End') return 'latest';
  return undefined;
}

/**
 * A message's actions as a menu: the buttons of its action toolbar, each by its name. The
 * toolbar is the one place that knows which actions a message offers.
 */
export function menuActions(message: HTMLElement): MenuAction[] {
  const buttons = message.querySelectorAll<HTMLButtonElement>(
    '[role="toolbar"][aria-label="Message actions"] button:not(:disabled)',
  );
  return [...buttons].map((button) => ({
    label: button.getAttribute('aria-label') ?? button.textContent?.trim() ?? '',
    button,
  }));
}
