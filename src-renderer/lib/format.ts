/** Dates, times and names as the timeline shows them. Pure functions, no state. */

const DAY_MS = 86_400_000;

/** The local calendar day of `ts` as a sortable key, e.g. `2025-03-07`. */
export function dayKey(ts: number): string {
  const d = new Date(ts);
  const mm = String(d.getMonth() + 1).padStart(2, '0');
  const dd = String(d.getDate()).padStart(2, '0');
  return `${d.getFullYear()}-${mm}-${dd}`;
}

/** Whether two timestamps fall on the same local calendar day. */
export function sameDay(a: number, b: number): boolean {
  return dayKey(a) === dayKey(b);
}

/** "Today", "Yesterday", a weekday within the last week, else a full date. */
export function formatDay(ts: number, now: number = Date.now(), locale?: string): string {
  if (sameDay(ts, now)) return 'Today';
  if (sameDay(ts, now - DAY_MS)) return 'Yesterday';
  const age = now - ts;
  if (age > 0 && age < 6 * DAY_MS) {
    return new Date(ts).toLocaleDateString(locale, { weekday: 'long' });
  }
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return new Date(ts).toLocaleDateString(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
}

/** The time of day, e.g. "14:05" or "2:05 PM" as the locale writes it. */
export function formatTime(ts: number, locale?: string): string {
  return new Date(ts).toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' });
}

/** Date and time in full, for tooltips. */
export function formatFullDate(ts: number, locale?: string): string {
  return new Date(ts).toLocaleString(locale, { dateStyle: 'full', timeStyle: 'short' });
}

/** The localpart of a user id: `@alice:example.org` → `alice`. */
export function localpart(userId: string): string {
  const m = /^@([^:]+)/.exec(userId);
  return m ? m[1]! : userId;
}

/** A person's name: their display name when set (and not blank), else the id's localpart. */
export function displayName(userId: string, name?: string): string {
  const trimmed = name?.trim();
  return trimmed ? trimmed : localpart(userId);
}

/** One or two letters for an avatar placeholder: the first letter of the name. */
export function initials(name: string): string {
  const clean = name.replace(/^[@#!+]/, '').trim();
  const first = [...clean][0];
  return first ? first.toUpperCase() : '?';
}

/** A stable colour slot (0–7) for a user id, so each person keeps one colour. */
export function colorIndex(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return Math.abs(h) % 8;
}

/** "Alice", "Alice and Bob", "Alice, Bob and Carol", "Alice, Bob and 3 others". */
export function joinNames(names: readonly string[], max = 3): string {
  if (names.length === 0) return '';
  if (names.length === 1) return names[0]!;
  if (names.length <= max) return `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
  const rest = names.length - (max - 1);
  return `${names.slice(0, max - 1).join(', ')} and ${rest} others`;
}

/** "1 person" / "3 people"-style plurals. */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
