/**
 * `m.relates_to`: replies, edits, reactions, references and threads.
 *
 * @packageDocumentation
 */
import { isObject, type JsonObject } from './events';

/** The relation types the client indexes. */
export type RelType = 'm.annotation' | 'm.replace' | 'm.reference' | 'm.thread' | 'm.in_reply_to';

/** How an event relates to another. */
export type Relation = {
  relType: RelType;
  /** The event related to (the reply's parent for `m.in_reply_to`, the root for `m.thread`). */
  targetId: string;
  /** The annotation key (the reaction emoji) of an `m.annotation`. */
  key?: string;
  /** The `m.in_reply_to` parent, also inside a thread (`rel_type: m.thread`). */
  inReplyTo?: string;
  /**
   * For a thread event: its `m.in_reply_to` is only a fallback for clients without threads
   * (`is_falling_back: true`), not a real reply.
   */
  isFallingBack?: boolean;
};

const REL_TYPES = new Set<string>(['m.annotation', 'm.replace', 'm.reference', 'm.thread']);

function replyTarget(rel: JsonObject): string | undefined {
  const r = rel['m.in_reply_to'];
  return isObject(r) && typeof r.event_id === 'string' && r.event_id !== ''
    ? r.event_id
    : undefined;
}

/**
 * The relation of an event, from `content['m.relates_to']`, or undefined when it has none (or
 * a malformed one). A known `rel_type` with an `event_id` wins; an `m.annotation` needs a string
 * `key`. Without one, a rich reply (`m.in_reply_to.event_id`) is an `m.in_reply_to` relation.
 * For `m.thread`, the reply parent is returned too as `inReplyTo`.
 */
export function relationOf(event: { content: JsonObject }): Relation | undefined {
  const rel = event.content['m.relates_to'];
  if (!isObject(rel)) return undefined;
  const replyTo = replyTarget(rel);
  const relType = rel.rel_type;
  const targetId = rel.event_id;
  if (typeof relType === 'string' && REL_TYPES.has(relType) && typeof targetId === 'string') {
    if (targetId === '') return undefined;
    if (relType === 'm.annotation') {
      if (typeof rel.key !== 'string') return undefined;
      return { relType, targetId, key: rel.key };
    }
    if (relType === 'm.thread') {
      const out: Relation = { relType, targetId };
      if (replyTo) {
        out.inReplyTo = replyTo;
        out.isFallingBack = rel.is_falling_back === true;
      }
      return out;
    }
    return { relType: relType as RelType, targetId };
  }
  return replyTo ? { relType: 'm.in_reply_to', targetId: replyTo, inReplyTo: replyTo } : undefined;
}

/** The `m.new_content` of a well-formed edit (`m.replace`), or undefined. */
export function newContentOf(event: { content: JsonObject }): JsonObject | undefined {
  const nc = event.content['m.new_content'];
  return isObject(nc) ? nc : undefined;
}
