/**
 * Mention pills in the composer's textarea, pure. A pill is a tracked token: the text range
 * holding a person's name, kept in step as the text around it changes, and removed whole (its
 * text too) when an edit touches its inside, so it behaves as one atomic piece.
 */

/** The name of `userId` at `start`..`end` of the composer's text. */
export type Pill = { start: number; end: number; userId: string };

/** The text after an edit, its pills, and the caret. */
export type Edited = { text: string; pills: Pill[]; caret: number };

/** Where `before` and `after` differ: `[start, oldEnd)` of `before` became `[start, newEnd)`. */
function changedRange(
  before: string,
  after: string,
  caret: number,
): { start: number; oldEnd: number; newEnd: number } {
  // The caret ends the inserted text (typing, pasting, deleting): the text after it is kept.
  let suffix = after.length - caret;
  if (suffix < 0 || suffix > before.length || !before.endsWith(after.slice(caret))) {
    suffix = 0;
    const max = Math.min(before.length, after.length);
    while (suffix < max && before[before.length - 1 - suffix] === after[after.length - 1 - suffix])
      suffix++;
  }
  const limit = Math.min(before.length - suffix, after.length - suffix);
  let start = 0;
  while (start < limit && before[start] === after[start]) start++;
  return { start, oldEnd: before.length - suffix, newEnd: after.length - suffix };
}

/**
 * Follows an edit of the text from `before` to `after` (the caret after it at `caret`): pills
 * before the change stay, pills after it move, and a pill the change touched inside is removed
 * along with what is left of its name.
 */
export function reconcilePills(
  before: string,
  after: string,
  caret: number,
  pills: readonly Pill[],
): Edited {
  if (before === after) return { text: after, pills: [...pills], caret };
  const { start, oldEnd, newEnd } = changedRange(before, after, caret);
  const shift = newEnd - oldEnd;
  const kept: Pill[] = [];
  const cut: [number, number][] = [];
  for (const p of pills) {
    if (p.end <= start) kept.push(p);
    else if (p.start >= oldEnd) kept.push({ ...p, start: p.start + shift, end: p.end + shift });
    else {
      if (p.start < start) cut.push([p.start, start]);
      if (p.end > oldEnd) cut.push([newEnd, newEnd + p.end - oldEnd]);
    }
  }
  let text = after;
  let next = kept;
  for (const [a, b] of cut.sort((x, y) => y[0] - x[0])) {
    text = text.slice(0, a) + text.slice(b);
    next = next.map((p) =>
      p.start >= b ? { ...p, start: p.start - (b - a), end: p.end - (b - a) } : p,
    );
    if (caret >= b) caret -= b - a;
    else if (caret > a) caret = a;
  }
  return { text, pills: next, caret };
}

/**
 * The pills as the core takes them, for the part `[from, to)` of the text that is sent, moved
 * by `shift` (text put before it, such as a command's prefix).
 */
export function pillsForSend(
  pills: readonly Pill[],
  from: number,
  to: number,
  shift = 0,
): { offset: number; length: number; userId: string }[] {
  return pills
    .filter((p) => p.start >= from && p.end <= to)
    .map((p) => ({ offset: p.start - from + shift, length: p.end - p.start, userId: p.userId }));
}

/** A run of the text for showing the pills: plain, or one pill (with its user). */
export type PillSegment = { text: string; userId?: string };

/** The text cut into plain runs and pills (the ones that fit the text), in order. */
export function pillSegments(text: string, pills: readonly Pill[]): PillSegment[] {
  const out: PillSegment[] = [];
  let at = 0;
  for (const p of [...pills].sort((a, b) => a.start - b.start)) {
    if (p.start < at || p.end > text.length || p.end <= p.start) continue;
    if (p.start > at) out.push({ text: text.slice(at, p.start) });
    out.push({ text: text.slice(p.start, p.end), userId: p.userId });
    at = p.end;
  }
  if (at < text.length) out.push({ text: text.slice(at) });
  return out;
}
