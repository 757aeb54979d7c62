/**
 * Records on each incoming timeline event its sender's name as of that event, before it is
 * stored (see `protocol/sender-names`), so an old message keeps the name it was sent under.
 */
import type { RawEvent } from '../protocol/events';
import type { ContextPage } from '../protocol/pagination';
import {
  namesBackward,
  namesForward,
  namesFromState,
  setSenderName,
  type NameMap,
} from '../protocol/sender-names';
import type { Stores } from '../storage/stores';

/** The cached current names of the senders of `events` (and the users their member events name). */
function cachedNames(stores: Stores, roomId: string, events: readonly RawEvent[]): NameMap {
  const users = new Set<string>();
  for (const e of events) {
    users.add(e.sender);
    if (e.type === 'm.room.member' && typeof e.state_key === 'string') users.add(e.state_key);
  }
  const out: NameMap = new Map();
  for (const [userId, m] of stores.state.membersOf(roomId, [...users])) {
    out.set(userId, m.displayName ?? null);
  }
  return out;
}

function record(events: readonly RawEvent[], names: readonly (string | null)[]): void {
  events.forEach((e, i) => setSenderName(e, names[i] ?? null));
}

/**
 * A sync response's timeline (oldest first). The cache holds the state before it (its `state`
 * applied), or with `state_after` the state after it.
 */
export function nameSyncEvents(
  stores: Stores,
  roomId: string,
  timeline: readonly RawEvent[],
  stateAfter: boolean,
): void {
  if (timeline.length === 0) return;
  const names = cachedNames(stores, roomId, timeline);
  if (!stateAfter) {
    record(timeline, namesForward(timeline, names));
    return;
  }
  const newestFirst = [...timeline].reverse();
  record(newestFirst, namesBackward(newestFirst, names));
}

/**
 * A `/messages` page: `chunk` in the order it came. Going back (newest first), `state` holds
 * the senders' member events as of its newest event (Synapse's, and the test homeserver's);
 * going forward, only the chunk's own member events are trusted (`state` may be today's).
 */
export function namePageEvents(
  chunk: readonly RawEvent[],
  state: readonly RawEvent[],
  dir: 'b' | 'f',
): void {
  if (dir === 'b') record(chunk, namesBackward(chunk, namesFromState(state)));
  else record(chunk, namesForward(chunk, new Map()));
}

/** A `/context` response: its `state` is as of the event it is around. */
export function nameContextEvents(ctx: ContextPage): void {
  const atEvent = namesFromState(ctx.state);
  const after = new Map(atEvent);
  record(
    [ctx.event, ...ctx.eventsBefore],
    namesBackward([ctx.event, ...ctx.eventsBefore], atEvent),
  );
  record(ctx.eventsAfter, namesForward(ctx.eventsAfter, after));
}
