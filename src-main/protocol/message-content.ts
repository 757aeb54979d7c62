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

/** What the composer gives: markdown text, optional reply target and mentions. */
export type Draft = {
  kind: 'text' | 'notice' | 'emote';
  body: string;
  replyTo?: { eventId: string; sender: string };
  mentions?: string[];
  mentionsRoom?: boolean;
};

const MSGTYPE = { text: 'm.text', notice: 'm.notice', emote: 'm.emote' } as const;

function mentionsOf(userIds: string[], room: boolean | undefined) {
  const m: { user_ids?: string[]; room?: boolean } = { user_ids: [...new Set(userIds)] };
  if (room) m.room = true;
  return m;
}

function baseContent(kind: Draft['kind'], body: string): MessageContent {
  const content: MessageContent = { msgtype: MSGTYPE[kind], body };
  const html = markdownToHtml(body);
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
  const content = baseContent(d.kind, d.body);
  const users = [...(d.mentions ?? [])];
  if (d.replyTo) {
    content['m.relates_to'] = { 'm.in_reply_to': { event_id: d.replyTo.eventId } };
    users.push(d.replyTo.sender);
  }
  content['m.mentions'] = mentionsOf(users, d.mentionsRoom);
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
