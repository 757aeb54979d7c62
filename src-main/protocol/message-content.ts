import { Marked, type Tokens } from 'marked';

/** The content of an `m.room.message` we send. */
export type MessageContent = {
  msgtype: 'm.text' | 'm.notice' | 'm.emote';
  body: string;
  format?: 'org.matrix.custom.html';
  formatted_body?: string;
  'm.mentions'?: { user_ids?: string[]; room?: boolean };
  'm.relates_to'?: Record<string, unknown>;
  'm.new_content'?: Omit<MessageContent, 'm.relates_to' | 'm.new_content'>;
};

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// Raw HTML typed by the user is shown as text, never passed through as markup.
const markdown = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    html: (token: Tokens.HTML | Tokens.Tag) => escapeHtml(token.text),
  },
});

/**
 * Markdown to the spec's HTML subset: `undefined` when the text has no formatting, so plain
 * messages go out as `body` only.
 */
export function markdownToHtml(source: string): string | undefined {
  const html = (markdown.parse(source, { async: false }) as string).trim();
  const plain = `<p>${escapeHtml(source.trim()).replace(/\n/g, '<br>')}</p>`;
  if (html === plain || html === `<p>${escapeHtml(source.trim())}</p>`) return undefined;
  return html.replace(/^<p>([\s\S]*)<\/p>$/, (m, inner: string) =>
    inner.includes('<p>') ? m : inner,
  );
}

/** How a message's `body` is meant: markdown (the default), plain text, or HTML. */
export type BodyFormat = 'markdown' | 'plain' | 'html';

/** A mention pill: the `length` characters at `offset` of the body name the user `userId`. */
export type Pill = { offset: number; length: number; userId: string };

/** What the composer gives: markdown text, optional reply target and mentions. */
export type Draft = {
  kind: 'text' | 'notice' | 'emote';
  body: string;
  /** `markdown` when absent. */
  format?: BodyFormat;
  /** Mention pills in `body`, sent as `matrix.to` links. */
  pills?: Pill[];
  replyTo?: { eventId: string; sender: string };
  mentions?: string[];
  mentionsRoom?: boolean;
  /** Who sends it: never in its own `m.mentions` (a message cannot notify its sender). */
  sender?: string;
};

const MSGTYPE = { text: 'm.text', notice: 'm.notice', emote: 'm.emote' } as const;

function mentionsOf(userIds: string[], room: boolean | undefined) {
  const m: { user_ids?: string[]; room?: boolean } = { user_ids: [...new Set(userIds)] };
  if (room) m.room = true;
  return m;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of an HTML fragment, for the `body` of an HTML message: tags dropped, lines kept. */
export function htmlToPlain(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|blockquote|pre|tr)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
      if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The `matrix.to` link of a user, room alias or room id. */
export function matrixToLink(id: string): string {
  return `https://matrix.to/#/${encodeURIComponent(id).replace(/%40/g, '@').replace(/%3A/g, ':')}`;
}

const escapeMarkdown = (s: string) => s.replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, '\\$&');

/** `body` with each (valid, non-overlapping) pill replaced by a markdown link to its user. */
export function withPillLinks(body: string, pills: readonly Pill[]): string {
  let out = '';
  let at = 0;
  for (const p of [...pills].sort((a, b) => a.offset - b.offset)) {
    if (p.offset < at || p.length <= 0 || p.offset + p.length > body.length) continue;
    const name = body.slice(p.offset, p.offset + p.length);
    out += body.slice(at, p.offset) + `[${escapeMarkdown(name)}](${matrixToLink(p.userId)})`;
    at = p.offset + p.length;
  }
  return out + body.slice(at);
}

/** Plain text as HTML: escaped, line breaks kept, pills as links. */
function plainToHtml(body: string, pills: readonly Pill[]): string {
  let out = '';
  let at = 0;
  const text = (t: string) => escapeHtml(t).replace(/\n/g, '<br>');
  for (const p of [...pills].sort((a, b) => a.offset - b.offset)) {
    if (p.offset < at || p.length <= 0 || p.offset + p.length > body.length) continue;
    const name = body.slice(p.offset, p.offset + p.length);
    out += `${text(body.slice(at, p.offset))}<a href="${escapeHtml(matrixToLink(p.userId))}">${text(name)}</a>`;
    at = p.offset + p.length;
  }
  return out + text(body.slice(at));
}

function baseContent(
  kind: Draft['kind'],
  body: string,
  format: BodyFormat = 'markdown',
  pills: readonly Pill[] = [],
): MessageContent {
  if (format === 'html') {
    return {
      msgtype: MSGTYPE[kind],
      body: htmlToPlain(body) || body,
      format: 'org.matrix.custom.html',
      formatted_body: body,
    };
  }
  const content: MessageContent = { msgtype: MSGTYPE[kind], body };
  const html =
    format === 'plain'
      ? pills.length
        ? plainToHtml(body, pills)
        : undefined
      : markdownToHtml(pills.length ? withPillLinks(body, pills) : body);
  if (html !== undefined) {
    content.format = 'org.matrix.custom.html';
    content.formatted_body = html;
  }
  return content;
}

/**
 * A new message: markdown rendered to `formatted_body` when formatted, a reply relation, and
 * intentional mentions (`m.mentions`, always present so legacy body matching is off; a reply
 * mentions the replied-to sender).
 */
export function messageContent(d: Draft): MessageContent {
  const content = baseContent(d.kind, d.body, d.format, d.pills);
  const users = [...(d.mentions ?? []), ...(d.pills ?? []).map((p) => p.userId)];
  if (d.replyTo) {
    content['m.relates_to'] = { 'm.in_reply_to': { event_id: d.replyTo.eventId } };
    users.push(d.replyTo.sender);
  }
  content['m.mentions'] = mentionsOf(
    users.filter((u) => u !== d.sender),
    d.mentionsRoom,
  );
  return content;
}

/**
 * An edit (`m.replace`) of `eventId`: the fallback `body` starts with `* `; `m.new_content` holds
 * the full new content and its mentions; the top level mentions only users newly mentioned.
 */
export function editContent(
  eventId: string,
  d: Pick<Draft, 'kind' | 'body' | 'mentions'>,
  previousMentions: string[] = [],
): MessageContent {
  const next = baseContent(d.kind, d.body);
  next['m.mentions'] = mentionsOf(d.mentions ?? [], false);
  const fallback = baseContent(d.kind, `* ${d.body}`);
  const fresh = (d.mentions ?? []).filter((u) => !previousMentions.includes(u));
  return {
    ...fallback,
    'm.mentions': mentionsOf(fresh, false),
    'm.new_content': next,
    'm.relates_to': { rel_type: 'm.replace', event_id: eventId },
  };
}

/** A reaction (`m.annotation`) with `key`, usually an emoji. */
export function reactionContent(eventId: string, key: string): Record<string, unknown> {
  return { 'm.relates_to': { rel_type: 'm.annotation', event_id: eventId, key } };
}
