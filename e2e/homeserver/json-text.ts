/**
 * JSON text of any parsed JSON value, however deeply nested. `JSON.stringify` recurses and
 * overflows the stack on a value nested some ten thousand levels deep (44 KB of `[[[…]]]` is
 * enough), which a client may send and a server must store and relay rather than fail with a
 * 500; this falls back to an explicit stack for those.
 */

/** `JSON.stringify(value)` for plain JSON data, without recursion when that overflows. */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return iterativeJson(value);
  }
}

/** A scalar as `JSON.stringify` writes it (`null` for what JSON cannot hold). */
function scalar(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

type Frame = { close: string; items: [key: string | undefined, value: unknown][]; i: number };

function open(v: object): { text: string; frame: Frame } {
  if (Array.isArray(v)) {
    return { text: '[', frame: { close: ']', items: v.map((x) => [undefined, x]), i: 0 } };
  }
  const items: Frame['items'] = [];
  for (const [k, x] of Object.entries(v)) {
    if (x !== undefined && typeof x !== 'function') items.push([k, x]);
  }
  return { text: '{', frame: { close: '}', items, i: 0 } };
}

function iterativeJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return scalar(value);
  const out: string[] = [];
  const first = open(value);
  out.push(first.text);
  const stack: Frame[] = [first.frame];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i === top.items.length) {
      out.push(top.close);
      stack.pop();
      continue;
    }
    const [key, v] = top.items[top.i]!;
    if (top.i++ > 0) out.push(',');
    if (key !== undefined) out.push(`${JSON.stringify(key)}:`);
    if (typeof v === 'object' && v !== null) {
      const next = open(v);
      out.push(next.text);
      stack.push(next.frame);
    } else out.push(scalar(v));
  }
  return out.join('');
}
