import compact from 'emojibase-data/en/compact.json';
import shortcodes from 'emojibase-data/en/shortcodes/emojibase.json';
import { describe, expect, it } from 'vitest';
import { buildEmojiList, QUICK_REACTIONS, searchEmoji } from './emoji';

const list = buildEmojiList(compact, shortcodes);

describe('emoji data', () => {
  it('joins shortcodes to emoji and leaves out skin-tone swatches', () => {
    const grin = list.find((e) => e.unicode === '😀');
    expect(grin?.shortcodes).toContain('grinning');
    expect(list.some((e) => e.group === 2)).toBe(false);
    expect(list.length).toBeGreaterThan(1500);
  });

  it('finds by shortcode prefix first, then by name and tag', () => {
    const hits = searchEmoji(list, 'smi', 8);
    expect(hits.length).toBe(8);
    expect(hits.every((e) => e.shortcodes.some((s) => s.startsWith('smi')))).toBe(true);
    expect(searchEmoji(list, ':thumbsup:', 1)[0]?.shortcodes).toContain('thumbsup');
    expect(searchEmoji(list, 'heart', 50).some((e) => e.shortcodes.includes('heart'))).toBe(true);
    expect(searchEmoji(list, 'zzzznothing')).toEqual([]);
  });
});

describe('quick reactions', () => {
  it('are spelled exactly as the picker spells them, so both count as one reaction', () => {
    const unicode = new Set(list.map((e) => e.unicode));
    for (const key of QUICK_REACTIONS) expect(unicode.has(key), key).toBe(true);
  });
});
