/**
 * Deterministic message content for the benchmark's seeded rooms: short chat lines, long
 * multi-paragraph bodies with HTML, replies, edits and reactions, as a busy account has them.
 */

/** An event to append through the control API (`POST /_test/rooms/{id}/events`). */
export type SeedEvent = { sender: string; type: string; content: Record<string, unknown> };

/** A small seeded PRNG (mulberry32), so the same parameters seed the same account. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)]!;
  }
}

const WORDS = (
  'the a to and of is it that you for on we this with be have are not can just so but was do ' +
  'build release test sync room message server client cache timeline ship fix bug review merge ' +
  'meeting tomorrow today lunch coffee deploy crash log patch branch issue works again sorry ' +
  'thanks great idea maybe later yes no sure good morning night weekend plan draft doc'
).split(' ');

const EMOJI = ['👍', '❤️', '😂', '🎉', '👀', '🚀', '✅', '🙏'];

function sentence(rng: Rng, min: number, max: number): string {
  const n = rng.int(min, max);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + rng.pick(['.', '!', '?', '']);
}

/** A short chat line (3–20 words). */
export function shortText(rng: Rng): Record<string, unknown> {
  return { msgtype: 'm.text', body: sentence(rng, 3, 20) };
}

/** A long multi-paragraph message with a list and code, as `body` plus HTML `formatted_body`. */
export function longText(rng: Rng): Record<string, unknown> {
  const paragraphs: string[] = [];
  const n = rng.int(3, 8);
  for (let i = 0; i < n; i++) {
    const sentences: string[] = [];
    for (let j = rng.int(2, 6); j > 0; j--) sentences.push(sentence(rng, 8, 25));
    paragraphs.push(sentences.join(' '));
  }
  const items = [sentence(rng, 3, 8), sentence(rng, 3, 8), sentence(rng, 3, 8)];
  const code = `const x = ${rng.int(1, 999)};`;
  const body = [...paragraphs, items.map((i) => `- ${i}`).join('\n'), `    ${code}`].join('\n\n');
  const html = [
    ...paragraphs.map((p, i) => (i === 0 ? `<p><strong>${p}</strong></p>` : `<p>${p}</p>`)),
    `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`,
    `<pre><code>${code}</code></pre>`,
  ].join('\n');
  return { msgtype: 'm.text', body, format: 'org.matrix.custom.html', formatted_body: html };
}

/** A reply to `target` (with the fallback-free form recent clients send). */
export function reply(rng: Rng, targetId: string): Record<string, unknown> {
  return {
    msgtype: 'm.text',
    body: sentence(rng, 2, 12),
    'm.relates_to': { 'm.in_reply_to': { event_id: targetId } },
  };
}

/** An edit (`m.replace`) of `targetId`. */
export function edit(rng: Rng, targetId: string): Record<string, unknown> {
  const text = sentence(rng, 3, 15);
  return {
    msgtype: 'm.text',
    body: `* ${text}`,
    'm.new_content': { msgtype: 'm.text', body: text },
    'm.relates_to': { rel_type: 'm.replace', event_id: targetId },
  };
}

/** A reaction (`m.annotation`) to `targetId`. */
export function reaction(rng: Rng, targetId: string): Record<string, unknown> {
  return {
    'm.relates_to': { rel_type: 'm.annotation', event_id: targetId, key: rng.pick(EMOJI) },
  };
}

/** A notice or emote now and then. */
export function otherText(rng: Rng): Record<string, unknown> {
  return rng.next() < 0.5
    ? { msgtype: 'm.notice', body: `Build #${rng.int(1, 9999)} ${rng.pick(['passed', 'failed'])}` }
    : { msgtype: 'm.emote', body: sentence(rng, 2, 6) };
}

/**
 * The plain first part of a room's history: `count` messages from `senders`, mostly short,
 * some long, a few notices or emotes.
 */
export function plainMessages(rng: Rng, senders: readonly string[], count: number): SeedEvent[] {
  const out: SeedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    const content = r < 0.82 ? shortText(rng) : r < 0.94 ? longText(rng) : otherText(rng);
    out.push({ sender: rng.pick(senders), type: 'm.room.message', content });
  }
  return out;
}

/**
 * The latest part of a room's history: messages mixed with replies, edits (by the original
 * sender) and reactions to events of the first part (`earlier`, with their ids).
 */
export function mixedMessages(
  rng: Rng,
  senders: readonly string[],
  earlier: readonly { id: string; event: SeedEvent }[],
  count: number,
): SeedEvent[] {
  const out: SeedEvent[] = [];
  const messages = earlier.filter((e) => e.event.type === 'm.room.message');
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    const target = messages.length > 0 ? rng.pick(messages) : undefined;
    if (!target || r < 0.45) {
      const content = rng.next() < 0.85 ? shortText(rng) : longText(rng);
      out.push({ sender: rng.pick(senders), type: 'm.room.message', content });
    } else if (r < 0.62) {
      out.push({ sender: rng.pick(senders), type: 'm.room.message', content: reply(rng, target.id) });
    } else if (r < 0.74) {
      out.push({ sender: target.event.sender, type: 'm.room.message', content: edit(rng, target.id) });
    } else {
      out.push({ sender: rng.pick(senders), type: 'm.reaction', content: reaction(rng, target.id) });
    }
  }
  return out;
}
