/**
 * What a message's body shows, decided from its content alone, whatever the content holds:
 * hostile or malformed content gives text or a placeholder, never an exception.
 */
import type { TimelineItem } from '../../src-main/ipc/contract';
import { utdText } from '../lib/e2ee-words';
import { stripReplyFallback } from '../lib/html';

/** How the message is styled: normal, a bot's notice (muted), or an emote ("* Alice waves"). */
export type BodyStyle = 'text' | 'notice' | 'emote';

/** The body of a message, ready for the view. */
export type BodyView =
  | { kind: 'deleted' }
  | { kind: 'encrypted' }
  /** Arrived encrypted and could not be decrypted: why, in words. */
  | { kind: 'undecryptable'; text: string }
  /** Something not shown inline (media, stickers, unknown content): a short description. */
  | { kind: 'placeholder'; text: string; icon: 'file' | 'alert' }
  /** Unsanitized `formatted_body`: the view sanitizes it. */
  | { kind: 'html'; html: string; style: BodyStyle }
  | { kind: 'text'; text: string; style: BodyStyle; bigEmoji: boolean };

const MEDIA: Record<string, string> = {
  'm.image': 'Image',
  'm.file': 'File',
  'm.video': 'Video',
  'm.audio': 'Audio',
  'm.location': 'Location',
};

const STYLES: Record<string, BodyStyle> = {
  'm.text': 'text',
  'm.notice': 'notice',
  'm.emote': 'emote',
};

const EMOJI_ONLY = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\u200d|\ufe0f|\s)+$/u;

/** Short messages made only of emoji (up to five) are shown large. */
export function isBigEmoji(text: string): boolean {
  const t = text.trim();
  if (!t || t.length > 40 || !EMOJI_ONLY.test(t) || /^[\d#*\s]+$/.test(t)) return false;
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(t)];
  return graphemes.filter((g) => g.segment.trim()).length <= 5;
}

/** Decides how `item`'s body is shown. */
export function bodyView(item: TimelineItem): BodyView {
  if (item.redacted) return { kind: 'deleted' };
  if (item.e2ee?.state === 'undecryptable')
    return { kind: 'undecryptable', text: utdText(item.e2ee) };
  if (item.type === 'm.room.encrypted') return { kind: 'encrypted' };
  const c = item.content ?? {};
  const body = typeof c.body === 'string' ? c.body : undefined;
  if (item.type === 'm.sticker') {
    return { kind: 'placeholder', text: body ? `Sticker: ${body}` : 'Sticker', icon: 'file' };
  }
  const msgtype = typeof c.msgtype === 'string' ? c.msgtype : '';
  const media = MEDIA[msgtype];
  if (media) return { kind: 'placeholder', text: body ? `${media}: ${body}` : media, icon: 'file' };
  if (body === undefined)
    return { kind: 'placeholder', text: 'Unsupported message', icon: 'alert' };
  const style = STYLES[msgtype] ?? 'text';
  const html = c.format === 'org.matrix.custom.html' ? c.formatted_body : undefined;
  if (typeof html === 'string' && html.trim()) return { kind: 'html', html, style };
  const text = item.replyTo ? stripReplyFallback(body) : body;
  return { kind: 'text', text, style, bigEmoji: style === 'text' && isBigEmoji(text) };
}

/** A one-line excerpt of a message for reply previews and bars. */
export function excerpt(item: TimelineItem, max = 140): string {
  const v = bodyView(item);
  switch (v.kind) {
    case 'deleted':
      return 'Message deleted';
    case 'encrypted':
      return 'Encrypted message';
    case 'undecryptable':
      return 'Unable to decrypt this message';
    case 'placeholder':
      return v.text.slice(0, max);
    default: {
      // The core's plain text (of the HTML, without the reply fallback) when it differs.
      const raw = typeof item.content.body === 'string' ? item.content.body : '';
      const text = item.plainText ?? (item.replyTo ? stripReplyFallback(raw) : raw);
      return text.replace(/\s+/g, ' ').trim().slice(0, max);
    }
  }
}

/** Whether the message mentions `userId` (intentional mentions, `m.mentions`). */
export function mentions(item: TimelineItem, userId: string | undefined): boolean {
  if (!userId || item.sender === userId) return false;
  const m = item.content['m.mentions'];
  if (typeof m !== 'object' || m === null) return false;
  const ids = (m as { user_ids?: unknown }).user_ids;
  return Array.isArray(ids) && ids.includes(userId);
}
