import { loadEmoji, searchEmoji, type EmojiEntry } from '../lib/emoji';
import { matchCommands } from './commands';
import type { TimelineState } from '../state/timeline.svelte';
import {
  findTrigger,
  matchMembers,
  type MentionCandidate,
  type Suggestion,
  type Trigger,
} from './completion';

/** What picking a suggestion inserts. */
export type Insertion = { text: string; mention?: MentionCandidate };

/**
 * The composer's completion popup: `/` commands at the start, `:shortcode:` emoji and `@`
 * members at the caret.
 */
export class Completer {
  readonly #timeline: TimelineState;
  #trigger = $state.raw<Trigger | undefined>();
  #items = $state.raw<Suggestion[]>([]);
  #emoji: EmojiEntry[] | undefined;
  #dismissedAt: number | undefined;
  active = $state(0);

  constructor(timeline: TimelineState) {
    this.#timeline = timeline;
  }

  get open(): boolean {
    return this.#items.length > 0 && this.#trigger !== undefined;
  }
  get trigger(): Trigger | undefined {
    return this.#trigger;
  }
  get items(): Suggestion[] {
    return this.#items;
  }

  /** Recomputes the suggestions for the text and caret. */
  update(text: string, caret: number): void {
    const trigger = findTrigger(text, caret);
    if (!trigger || trigger.start === this.#dismissedAt) {
      this.#set(undefined, []);
      return;
    }
    this.#dismissedAt = undefined;
    if (trigger.kind === 'command') {
      this.#set(
        trigger,
        matchCommands(trigger.query).map((c) => ({
          key: c.name,
          label: `/${c.name}${c.args ? ` ${c.args}` : ''}`,
          detail: c.description,
          command: `/${c.name}`,
        })),
      );
      return;
    }
    if (trigger.kind === 'mention') {
      const members = matchMembers(
        this.#timeline.members.values(),
        trigger.query,
        this.#timeline.ownUserId,
      );
      this.#set(
        trigger,
        members.map((m) => ({ key: m.userId, label: m.name, detail: m.userId, userId: m.userId })),
      );
      return;
    }
    if (this.#emoji) {
      this.#set(trigger, this.#emojiSuggestions(trigger.query));
      return;
    }
    void loadEmoji().then((list) => {
      this.#emoji = list;
      if (this.#trigger === undefined || this.#trigger === trigger) this.update(text, caret);
    });
  }

  /** What picking suggestion `index` inserts. */
  insertion(index: number): Insertion | undefined {
    const s = this.#items[index];
    if (!s) return undefined;
    if (s.emoji) return { text: s.emoji };
    if (s.command) return { text: s.command };
    if (s.userId) return { text: s.label, mention: { userId: s.userId, name: s.label } };
    return undefined;
  }

  /** Handles a key while open: arrows move, Tab/Enter pick, Escape closes. True if handled. */
  key(e: KeyboardEvent, pick: (index: number) => void): boolean {
    const n = this.#items.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    } else if (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey)) {
      pick(this.active);
    } else if (e.key === 'Escape') {
      this.#dismissedAt = this.#trigger?.start;
      this.close();
    } else {
      return false;
    }
    e.preventDefault();
    return true;
  }

  close(): void {
    this.#set(undefined, []);
  }

  #set(trigger: Trigger | undefined, items: Suggestion[]): void {
    if (trigger?.start !== this.#trigger?.start || trigger?.kind !== this.#trigger?.kind)
      this.active = 0;
    this.#trigger = trigger;
    this.#items = items;
    if (this.active >= items.length) this.active = 0;
  }

  #emojiSuggestions(query: string): Suggestion[] {
    return searchEmoji(this.#emoji ?? [], query, 8).map((e) => ({
      key: e.unicode,
      label: `:${e.shortcodes[0] ?? e.label}:`,
      detail: e.label,
      emoji: e.unicode,
    }));
  }
}
