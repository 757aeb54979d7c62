/**
 * Bounds on one item a server hands over (an event, a to-device message, an account data
 * entry), checked without recursion before anything recursive (`JSON.stringify`, redaction,
 * content walks) touches it.
 *
 * `JSON.parse` itself is iterative and reads any nesting, but `JSON.stringify` and every
 * recursive walk overflow the stack on a value nested ~10,000 levels deep, which fits in 44 KB
 * of `[[[…]]]`, well under the 64 KiB an event may take. Such an item must be dropped on its
 * own, before it reaches the store, or it fails the whole response on every retry.
 *
 * @packageDocumentation
 */

/**
 * The deepest nesting of objects and arrays one item may have (the item itself is level 1).
 * The spec sets none; Synapse's Python JSON codec gives up near 1,000 levels and servers
 * built on serde_json (Conduit and its forks) at 128 for a whole request, of which the
 * envelope around an event takes about six. Real content stays under ten.
 */
export const MAX_JSON_DEPTH = 100;

/** At most how many bytes of JSON one string character becomes (`\u0000` escapes). */
const ESCAPED_CHAR_MAX = 6;
/** At most how many bytes a number, `true`, `false` or `null` takes, with its comma. */
const SCALAR_MAX = 26;

/** The size of `x` serialised as JSON, in bytes (UTF-8). Only for values of bounded depth. */
export function jsonBytes(x: unknown): number {
  return Buffer.byteLength(JSON.stringify(x) ?? '', 'utf8');
}

/**
 * Walks `x` with an explicit stack: the reason it is nested deeper than `maxDepth`, or else
 * an upper bound of its JSON size in bytes.
 */
function measure(x: unknown, maxDepth: number): string | number {
  const values: unknown[] = [x];
  const depths: number[] = [1];
  let upper = 0;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v === 'string') {
      upper += v.length * ESCAPED_CHAR_MAX + 3;
    } else if (typeof v !== 'object' || v === null) {
      upper += SCALAR_MAX;
    } else if (depth > maxDepth) {
      return `nested more than ${maxDepth} levels deep`;
    } else if (Array.isArray(v)) {
      upper += 3;
      for (const item of v) {
        values.push(item);
        depths.push(depth + 1);
      }
    } else {
      upper += 3;
      for (const k in v) {
        upper += k.length * ESCAPED_CHAR_MAX + 4;
        values.push((v as Record<string, unknown>)[k]);
        depths.push(depth + 1);
      }
    }
  }
  return upper;
}

/**
 * Why `x` may not be taken as one item: nested more than `maxDepth` levels, or larger than
 * `maxBytes` as JSON; `undefined` when it fits. Never recurses, so any parsed value is safe to
 * pass. Serialises `x` to measure it exactly only when it is known to be shallow and a cheap
 * upper bound of its size exceeds `maxBytes`.
 */
export function jsonLimitProblem(
  x: unknown,
  maxBytes: number,
  maxDepth = MAX_JSON_DEPTH,
): string | undefined {
  const m = measure(x, maxDepth);
  if (typeof m === 'string') return m;
  if (m <= maxBytes) return undefined;
  const size = jsonBytes(x);
  return size > maxBytes ? `too large (${size} bytes)` : undefined;
}
