import type { RawEvent } from '../protocol/events';
import type { Stores } from '../storage/stores';

/** What new timeline events changed beyond themselves. */
export type EventEffects = {
  /** Held events whose display changed: reaction/edit targets, redacted events. */
  updated: Set<string>;
  /** Current state changed (a state event, or a redacted current state event). */
  stateChanged: boolean;
  /** A redaction hit something we hold. */
  redacted: boolean;
};

const AGGREGATED = new Set(['m.annotation', 'm.replace']);

function applyRedaction(stores: Stores, roomId: string, ev: RawEvent, fx: EventEffects): void {
  const target = stores.events.applyRedaction(roomId, ev, stores.state.roomVersion(roomId));
  if (!target) return;
  fx.redacted = true;
  fx.updated.add(target.eventId);
  const rel = stores.relations.remove(target.eventId);
  if (rel && AGGREGATED.has(rel.relType)) fx.updated.add(rel.targetId);
  if (stores.state.refreshRedacted(target)) fx.stateChanged = true;
}

/**
 * Applies what events new to the timeline mean for the rest of the cache, in order: their
 * relations are indexed, redactions rewrite the events they target, and (for the live end,
 * unless the response had `state_after`) state events become current state.
 */
export function applyTimelineEvents(
  stores: Stores,
  roomId: string,
  added: readonly RawEvent[],
  opts: { updateState: boolean },
): EventEffects {
  const fx: EventEffects = { updated: new Set(), stateChanged: false, redacted: false };
  for (const ev of added) {
    // An undecryptable event's relation is indexed once it decrypts (its key is inside).
    const undecryptable = ev.e2ee?.info.state === 'undecryptable';
    const rel = undecryptable ? undefined : stores.relations.index(roomId, ev);
    if (rel && AGGREGATED.has(rel.relType)) fx.updated.add(rel.targetId);
    if (ev.type === 'm.room.redaction') applyRedaction(stores, roomId, ev, fx);
    if (opts.updateState && ev.state_key !== undefined) {
      stores.state.setState(roomId, ev);
      fx.stateChanged = true;
    }
  }
  return fx;
}
