/**
 * Emoji for the picker and `:shortcode:` completion, from emojibase-data (compact English set
 * plus emojibase shortcodes). The data (~700 KB of JSON) loads on first use, not at start.
 */
import type { CompactEmoji, ShortcodesDataset } from 'emojibase';

/** One emoji as the picker shows it. */
export type EmojiEntry = {
  unicode: string;
  label: string;
  /** Without colons, e.g. `smile`. */
  shortcodes: string[];
  /** emojibase group number (0 smileys … 9 flags). */
  group: number;
  tags: string[];
};

/** The picker's tabs: emojibase groups, component swatches (2) left out. */
export const EMOJI_GROUPS: readonly { group: number; label: string; icon: string }[] = [
  { group: 0, label: 'Smileys & emotion', icon: '😀' },
  { group: 1, label: 'People & body', icon: '👋' },
  { group: 3, label: 'Animals & nature', icon: '🐻' },
  { group: 4, label: 'Food & drink', icon: '🍔' },
  { group: 5, label: 'Travel & places', icon: '🚗' },
  { group: 6, label: 'Activities', icon: '⚽' },
  { group: 7, label: 'Objects', icon: '💡' },
  { group: 8, label: 'Symbols', icon: '❤️' },
  { group: 9, label: 'Flags', icon: '🏁' },
];

/**
 * Reactions offered with one click. Written as emojibase (and Element) write them, with the
 * emoji variation selector, so the same reaction from the picker or another client counts once.
 */
export const QUICK_REACTIONS = ['👍\ufe0f', '❤\ufe0f', '😂', '🎉', '😮', '😢'] as const;

/** Joins the compact data with the shortcodes; drops skin-tone swatches and ungrouped entries. */
export function buildEmojiList(
  compact: readonly CompactEmoji[],
  shortcodes: ShortcodesDataset,
): EmojiEntry[] {
  const out: EmojiEntry[] = [];
  for (const e of compact) {
    if (e.group === undefined || e.group === 2) continue;
    const sc = shortcodes[e.hexcode];
    out.push({
      unicode: e.unicode,
      label: e.label,
      shortcodes: sc === undefined ? [] : Array.isArray(sc) ? sc : [sc],
      group: e.group,
      tags: e.tags ?? [],
    });
  }
  return out;
}

function rank(e: EmojiEntry, q: string): number {
  if (e.shortcodes.some((s) => s === q)) return 0;
  if (e.shortcodes.some((s) => s.startsWith(q))) return 1;
  if (e.label.toLowerCase().startsWith(q)) return 2;
  if (e.shortcodes.some((s) => s.includes(q))) return 3;
  if (e.label.toLowerCase().includes(q)) return 4;
  if (e.tags.some((t) => t.startsWith(q))) return 5;
  return -1;
}

/** Emoji matching `query` (shortcode, name or tag), best matches first, at most `limit`. */
export function searchEmoji(list: readonly EmojiEntry[], query: string, limit = 50): EmojiEntry[] {
  const q = query.trim().toLowerCase().replace(/^:|:$/g, '');
  if (!q) return list.slice(0, limit);
  const hits: { e: EmojiEntry; r: number; i: number }[] = [];
  list.forEach((e, i) => {
    const r = rank(e, q);
    if (r >= 0) hits.push({ e, r, i });
  });
  hits.sort((a, b) => a.r - b.r || a.i - b.i);
  return hits.slice(0, limit).map((h) => h.e);
}

let loading: Promise<EmojiEntry[]> | undefined;

/** The emoji list, loaded once (a separate chunk, fetched on first use). */
export function loadEmoji(): Promise<EmojiEntry[]> {
  loading ??= Promise.all([
    import('emojibase-data/en/compact.json'),
    import('emojibase-data/en/shortcodes/emojibase.json'),
  ]).then(([compact, shortcodes]) =>
    buildEmojiList(compact.default, shortcodes.default as ShortcodesDataset),
  );
  return loading;
}
