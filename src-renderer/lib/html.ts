/**
 * Message content made safe to show: `formatted_body` HTML reduced to the Matrix spec's subset
 * (DOMPurify, no remote loads, no styles but validated colours, links only to http(s) and
 * mailto opening outside the app), and plain bodies split into text and link segments
 * (linkifyjs). The pure helpers run anywhere; {@link sanitizeHtml} needs a DOM.
 */
import DOMPurify, { type DOMPurify as Purifier } from 'dompurify';
import { find } from 'linkifyjs';

/** The tags the spec lets `formatted_body` use (`img` is turned into its alt text: no media yet). */
export const ALLOWED_TAGS = [
  'font',
  'del',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'p',
  'a',
  'ul',
  'ol',
  'sup',
  'sub',
  'li',
  'b',
  'i',
  'u',
  'strong',
  'em',
  's',
  'code',
  'hr',
  'br',
  'div',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'caption',
  'pre',
  'span',
  'details',
  'summary',
];

/** Attributes kept, each only on the elements that may carry it (see `ATTR_TAGS`). */
const ATTR_TAGS: Record<string, readonly string[]> = {
  href: ['A'],
  target: ['A'],
  color: ['FONT'],
  'data-mx-color': ['FONT', 'SPAN'],
  'data-mx-bg-color': ['FONT', 'SPAN'],
  'data-mx-spoiler': ['SPAN'],
  start: ['OL'],
  class: ['CODE'],
};

/** Bodies longer than this are cut, with a "Show more" to see the rest. */
export const MAX_BODY_CHARS = 4000;

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** Whether a link may be shown as a link: an absolute http(s) or mailto URL. */
export function isSafeHref(href: string): boolean {
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return false;
  }
  return SAFE_PROTOCOLS.has(url.protocol);
}

/** A colour as the spec allows it (`#rrggbb`), or `undefined`. */
export function safeColor(value: string | null | undefined): string | undefined {
  const v = value?.trim();
  return v && /^#[0-9a-f]{6}$/i.test(v) ? v : undefined;
}

/** The `language-*` classes of a `<code class>`; everything else is dropped. */
export function codeClass(value: string): string {
  return value
    .split(/\s+/)
    .filter((c) => /^language-[\w+#-]{1,40}$/.test(c))
    .join(' ');
}

/** `ol start`: a plain integer, or nothing. */
export function safeStart(value: string): string | undefined {
  return /^-?\d{1,9}$/.test(value.trim()) ? value.trim() : undefined;
}

/** A piece of plain text: words, or a link to show as one. */
export type Segment = { text: string; href?: string };

/** Splits plain text into text and link segments; only http(s) and mailto become links. */
export function linkSegments(text: string): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const link of find(text)) {
    if (link.type !== 'url' && link.type !== 'email') continue;
    if (!isSafeHref(link.href)) continue;
    if (link.start > at) out.push({ text: text.slice(at, link.start) });
    out.push({ text: link.value, href: link.href });
    at = link.end;
  }
  if (at < text.length) out.push({ text: text.slice(at) });
  return out;
}

/**
 * Removes a reply fallback (leading `> ` lines and the blank line after them) from a body,
 * as the spec asks of clients showing a reply.
 */
export function stripReplyFallback(body: string): string {
  if (!body.startsWith('> ')) return body;
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('>')) i++;
  if (i < lines.length && lines[i] === '') i++;
  return lines.slice(i).join('\n');
}

/** Cuts `text` to at most `max` characters without splitting a surrogate pair. */
export function truncateText(
  text: string,
  max: number = MAX_BODY_CHARS,
): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return { text: text.slice(0, end), truncated: true };
}

/** The length of the text inside some HTML, roughly (tags and entities not counted). */
export function htmlTextLength(html: string): number {
  return html.replace(/<[^>]*>/g, '').replace(/&[#\w]+;/g, ' ').length;
}

const NAME_END = new Set([' ', '\t', '\n', '\r', '\f', '/', '>', '=']);
const SPACE = new Set([' ', '\t', '\n', '\r', '\f']);

/**
 * Renames `on…` attributes inside tags to a harmless name, before the browser parses the HTML.
 * Not a sanitizer (DOMPurify is): parsing an event-handler attribute, even in a detached
 * document, makes Chromium check it against the page's CSP and log a refusal for every
 * hostile message. Text outside tags is copied unchanged; linear in the input.
 */
export function defuseEventHandlers(html: string): string {
  let out = '';
  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0 || lt + 1 >= n) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      const stop = end < 0 ? n : end + 3;
      out += html.slice(i, stop);
      i = stop;
      continue;
    }
    out += html.slice(i, lt + 1);
    i = lt + 1;
    if (!/[a-zA-Z]/.test(html[i]!)) continue;
    while (i < n && !NAME_END.has(html[i]!)) out += html[i++]; // the tag name
    while (i < n && html[i] !== '>') {
      if (SPACE.has(html[i]!) || html[i] === '/') {
        out += html[i++];
        continue;
      }
      let name = '';
      while (i < n && !NAME_END.has(html[i]!)) name += html[i++];
      if (html[i] === '=' && !name) name = html[i++]; // a stray '=' is a name in HTML
      out += /^on/i.test(name) ? `data-lm-blocked-${name.slice(2)}` : name;
      let j = i;
      while (j < n && SPACE.has(html[j]!)) j++;
      if (html[j] !== '=') continue;
      j++;
      while (j < n && SPACE.has(html[j]!)) j++;
      const q = html[j];
      let end: number;
      if (q === '"' || q === "'") {
        const close = html.indexOf(q, j + 1);
        end = close < 0 ? n : close + 1;
      } else {
        end = j;
        while (end < n && !SPACE.has(html[end]!) && html[end] !== '>') end++;
      }
      out += html.slice(i, end);
      i = end;
    }
  }
  return out + html.slice(i);
}

let purifier: Purifier | undefined;

function keepAttribute(node: Element, name: string, value: string): string | false {
  const tags = ATTR_TAGS[name];
  if (!tags || !tags.includes(node.nodeName)) return false;
  switch (name) {
    case 'href':
      return isSafeHref(value) ? value.trim() : false;
    case 'color':
    case 'data-mx-color':
    case 'data-mx-bg-color':
      return safeColor(value) ?? false;
    case 'start':
      return safeStart(value) ?? false;
    case 'class':
      return codeClass(value) || false;
    default:
      return value;
  }
}

/** What a mention link points at: a user, or a room by alias or id. */
export type PillTarget = { kind: 'user' | 'room'; id: string };

/**
 * The user or room a `matrix.to` link names (`https://matrix.to/#/@user:server`, `#alias`,
 * `!room`), shown as a pill; `undefined` for any other link (event permalinks included).
 */
export function pillTarget(href: string): PillTarget | undefined {
  const m = /^https:\/\/matrix\.to\/#\/([^/?]+)(?:\?[^/]*)?$/.exec(href.trim());
  if (!m) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  if (!/^[@#!][^:\s]+:\S+$/.test(id)) return undefined;
  return { kind: id.startsWith('@') ? 'user' : 'room', id };
}

/**
 * After the attributes are cleaned: links open outside, mention links become pills
 * (`data-lm-pill` with the kind, `data-lm-pill-id`), validated colours become styles.
 */
function finishElement(node: Element): void {
  if (node.nodeName === 'A') {
    const pill = pillTarget(node.getAttribute('href') ?? '');
    if (pill) {
      node.setAttribute('data-lm-pill', pill.kind);
      node.setAttribute('data-lm-pill-id', pill.id);
      node.setAttribute('title', pill.id);
    }
    if (node.hasAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    } else {
      node.removeAttribute('target');
    }
  }
  if (node.hasAttribute('data-mx-spoiler')) {
    node.setAttribute('tabindex', '0');
    node.setAttribute('title', 'Spoiler: click to reveal');
  }
  const el = node as HTMLElement;
  const fg = safeColor(node.getAttribute('data-mx-color') ?? node.getAttribute('color'));
  const bg = safeColor(node.getAttribute('data-mx-bg-color'));
  if (fg) el.style.color = fg;
  if (bg) el.style.backgroundColor = bg;
}

function createPurifier(): Purifier {
  const p = DOMPurify(window);
  p.addHook('uponSanitizeElement', (node, data) => {
    // No media yet, and never a remote load: an image becomes its alt text.
    if (data.tagName !== 'img' || !(node instanceof Element)) return;
    const alt = node.getAttribute('alt')?.trim() || node.getAttribute('title')?.trim();
    const emote = node.hasAttribute('data-mx-emoticon');
    const text = emote && alt ? alt : alt ? `[image: ${alt}]` : '[image]';
    node.parentNode?.insertBefore(node.ownerDocument.createTextNode(text), node);
  });
  p.addHook('uponSanitizeAttribute', (node, data) => {
    const kept = keepAttribute(node, data.attrName, data.attrValue);
    if (kept === false) data.keepAttr = false;
    else data.attrValue = kept;
  });
  p.addHook('afterSanitizeAttributes', finishElement);
  return p;
}

/**
 * `formatted_body` HTML reduced to the spec's safe subset: no scripts, handlers, styles, forms,
 * media or unknown tags (their text stays, `mx-reply` fallbacks go entirely), links only to
 * http(s)/mailto with `target=_blank rel="noopener noreferrer"`.
 */
export function sanitizeHtml(html: string): string {
  purifier ??= createPurifier();
  return purifier.sanitize(defuseEventHandlers(html), {
    ALLOWED_TAGS,
    ALLOWED_ATTR: Object.keys(ATTR_TAGS),
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOWED_URI_REGEXP: /^(?:https?|mailto):/i,
    // Values of these are checked by our hook, not as URIs (DOMPurify would drop "#ff0000").
    ADD_URI_SAFE_ATTR: ['color', 'data-mx-color', 'data-mx-bg-color', 'data-mx-spoiler', 'start'],
    ADD_FORBID_CONTENTS: ['mx-reply'],
    KEEP_CONTENT: true,
  });
}

const cache = new WeakMap<object, string>();

/** {@link sanitizeHtml}, remembered per content object (items are immutable once built). */
export function sanitizeOnce(key: object, html: string): string {
  let out = cache.get(key);
  if (out === undefined) cache.set(key, (out = sanitizeHtml(html)));
  return out;
}
