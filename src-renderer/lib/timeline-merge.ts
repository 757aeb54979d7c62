import type { TimelineItem } from '../../src-main/ipc/contract';

/**
 * `existing` with `incoming` live items added at the end: an item already present is replaced
 * where it stands, and local echoes (our unsent messages) stay after every real event.
 */
export function mergeAppended(
  existing: readonly TimelineItem[],
  incoming: readonly TimelineItem[],
): TimelineItem[] {
  if (incoming.length === 0) return existing as TimelineItem[];
  const fresh = new Map(incoming.map((i) => [i.eventId, i]));
  const real: TimelineItem[] = [];
  const local: TimelineItem[] = [];
  for (const it of existing) {
    const next = fresh.get(it.eventId) ?? it;
    fresh.delete(it.eventId);
    (next.local ? local : real).push(next);
  }
  for (const it of fresh.values()) (it.local ? local : real).push(it);
  return [...real, ...local];
}

/** `existing` with changed items swapped in; the same array when none of them is loaded. */
export function replaceUpdated(
  existing: readonly TimelineItem[],
  updates: readonly TimelineItem[],
): TimelineItem[] {
  const byId = new Map(updates.map((i) => [i.eventId, i]));
  let changed = false;
  const out = existing.map((it) => {
    const next = byId.get(it.eventId);
    if (!next) return it;
    changed = true;
    return next;
  });
  return changed ? out : (existing as TimelineItem[]);
}

/** `older` items (a back-pagination page) not already loaded, to put before `existing`. */
export function olderThan(
  existing: readonly TimelineItem[],
  older: readonly TimelineItem[],
): TimelineItem[] {
  const known = new Set(existing.map((i) => i.eventId));
  return older.filter((i) => !known.has(i.eventId));
}

/** `existing` without the items `eventIds`; the same array when none of them is loaded. */
export function removeIds(
  existing: readonly TimelineItem[],
  eventIds: readonly string[],
): TimelineItem[] {
  const gone = new Set(eventIds);
  if (!existing.some((i) => gone.has(i.eventId))) return existing as TimelineItem[];
  return existing.filter((i) => !gone.has(i.eventId));
}

/** A lookup by key over an immutable list (rebuilt, never mutated). */
export function indexBy<T>(list: readonly T[], key: (t: T) => string): ReadonlyMap<string, T> {
  return new Map(list.map((t) => [key(t), t]));
}
