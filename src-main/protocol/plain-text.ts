/**
 * A message's text as a person reads it, for one-line summaries (room-list previews, reply
 * quotes, dialogs): the text of `formatted_body` rather than its HTML or the markdown `body`
 * it was typed as, without the reply fallback. Pure, and total over hostile content.
 *
 * @packageDocumentation
 */
import { isObject, type JsonObject } from './events';

/** Inputs longer than this are cut before parsing: summaries are short. */
const MAX_INPUT = 20_000;

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : +name.slice(1);
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff
        ? String.fromCodePoint(code)
        : m;
    }
    return ENTITIES[name.toLowerCase()] ?? m;
  });
}

const BLOCK_END =
  /<\/(?:p|div|li|h[1-6]|blockquote|pre|tr|table|ul|ol|details|summary|caption)\s*>|<br\s*\/?>|<hr\s*\/?>/gi;

/** The text of an HTML `formatted_body`: the reply fallback dropped, tags removed, entities decoded. */
export function htmlToPlainText(html: string): string {
  return decodeEntities(
    html
      .slice(0, MAX_INPUT)
      .replace(/<mx-reply[\s>][\s\S]*?<\/mx-reply\s*>/gi, '')
      .replace(/<(script|style)[\s>][\s\S]*?<\/\1\s*>/gi, '')
      .replace(BLOCK_END, '\n')
      .replace(/<[^>]*>?/g, ''),
  ).trim();
}

/** `body` without a reply fallback (leading `> ` lines and the blank line after them). */
export function stripReplyFallback(body: string): string {
  if (!body.startsWith('> ')) return body;
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('>')) i++;
  if (i < lines.length && lines[i] === '') i++;
  return lines.slice(i).join('\n');
}

function isReply(content: JsonObject): boolean {
  const rel = content['m.relates_to'];
  return isObject(rel) && isObject(rel['m.in_reply_to']);
}

/**
 * The plain text of message content: `formatted_body`'s text when it is HTML with some text,
 * else `body` (without its reply fallback, for a reply); `undefined` without a string body.
 */
export function plainTextOf(content: JsonObject): string | undefined {
  const body = typeof content.body === 'string' ? content.body : undefined;
  const html = content.format === 'org.matrix.custom.html' ? content.formatted_body : undefined;
  if (typeof html === 'string') {
    const text = htmlToPlainText(html);
    if (text) return text;
  }
  if (body === undefined) return undefined;
  return isReply(content) ? stripReplyFallback(body) : body;
}

/** {@link plainTextOf} squeezed onto one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
