/**
 * Each event's sender name as it was when the event was sent (per-event state), worked out by
 * walking a run of timeline events from a point where the names are known: forwards from the
 * state before the run (live sync), applying each member event's `content`; or backwards from
 * the state at its newest event (`/messages` pages, `state_after`), undoing each member event
 * with its `unsigned.prev_content`. Pure.
 *
 * @packageDocumentation
 */
import { isObject, type RawEvent } from './events';

/**
 * Local key in a stored event's `unsigned`: the sender's display name as of the event. Set (or
 * removed) by {@link setSenderName} before the event is stored; absent when it is not known.
 */
export const SENDER_NAME_KEY = 'lightmatrix.sender_name';

/**
 * Known display names by user id: a string, or `null` when the user had none. A user missing
 * from the map is not known.
 */
export type NameMap = Map<string, string | null>;

const displayNameOf = (content: unknown): string | null =>
  isObject(content) && typeof content.displayname === 'string' && content.displayname.trim()
    ? content.displayname
    : null;

const isMember = (e: RawEvent): e is RawEvent & { state_key: string } =>
  e.type === 'm.room.member' && typeof e.state_key === 'string';

/**
 * Names as of each event of `oldestFirst`, given `names` as of just before the first one
 * (updated in place to the names after the last). A member event's own sender name is the one
 * before it.
 */
export function namesForward(oldestFirst: readonly RawEvent[], names: NameMap): (string | null)[] {
  return oldestFirst.map((e) => {
    const name = names.get(e.sender) ?? null;
    if (isMember(e)) names.set(e.state_key, displayNameOf(e.content));
    return name;
  });
}

/**
 * Names as of each event of `newestFirst` (in that order), given `names` as of its first (newest)
 * event, that event included (updated in place to the names before the last). A member event
 * without `prev_content` makes its user unknown before it.
 */
export function namesBackward(newestFirst: readonly RawEvent[], names: NameMap): (string | null)[] {
  return newestFirst.map((e) => {
    if (isMember(e)) {
      const prev = e.unsigned?.prev_content;
      if (isObject(prev)) names.set(e.state_key, displayNameOf(prev));
      else names.delete(e.state_key);
    }
    return names.get(e.sender) ?? null;
  });
}

/** Names of the `m.room.member` events in `state` (a page's or response's state). */
export function namesFromState(state: readonly RawEvent[]): NameMap {
  const out: NameMap = new Map();
  for (const e of state) if (isMember(e)) out.set(e.state_key, displayNameOf(e.content));
  return out;
}

/** Records `name` as the sender's name of `event` (in `unsigned`), or removes a stale one. */
export function setSenderName(event: RawEvent, name: string | null): void {
  if (name !== null) {
    event.unsigned = { ...event.unsigned, [SENDER_NAME_KEY]: name };
  } else if (event.unsigned && SENDER_NAME_KEY in event.unsigned) {
    const rest = { ...event.unsigned };
    delete rest[SENDER_NAME_KEY];
    event.unsigned = rest;
  }
}
