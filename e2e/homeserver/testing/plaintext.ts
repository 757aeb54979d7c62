/**
 * Proof that a secret never reached the test homeserver in the clear: a search of everything it
 * stores. Every piece of its state goes through its persistence layer (users, devices, rooms
 * and their events, state, receipts, account data, device and cross-signing keys, one-time
 * keys, to-device inboxes, key backups, media), so the search walks every stored row (each
 * string, and each object key, at any depth) and every media blob. In memory mode the rows are
 * the live objects; with a data dir they are what the database holds.
 *
 * A hit is the text as is, or its base64 encoding (standard or URL-safe, at any byte
 * alignment), so merely encoding a message is not mistaken for encrypting it.
 */
import type { Homeserver } from '../hs';

/** Shorter texts could turn up by chance inside ciphertext. */
const MIN_LENGTH = 8;

type Target = Homeserver | { readonly hs: Homeserver };

/**
 * The places the homeserver's stored state holds `text` (or its base64 encoding), as
 * `<collection>/<row key>: <path>` or `blob/<media id>`; empty when it holds it nowhere.
 */
export function findPlaintext(target: Target, text: string): string[] {
  if (text.length < MIN_LENGTH) {
    throw new Error(`search for at least ${MIN_LENGTH} characters (got ${JSON.stringify(text)})`);
  }
  const hs = 'persist' in target ? target : target.hs;
  const needles = [text, ...base64Forms(text)];
  const holds = (s: string) => needles.some((n) => s.includes(n));
  const found: string[] = [];
  for (const [kind, rows] of hs.persist.loadAll()) {
    for (const [key, value] of rows) {
      for (const path of pathsHolding(value, holds, '')) found.push(`${kind}/${key}: ${path}`);
    }
  }
  const byteNeedles = needles.map((n) => Buffer.from(n, 'utf8'));
  for (const [id, data] of hs.persist.blobs()) {
    if (byteNeedles.some((n) => data.includes(n))) found.push(`blob/${id}`);
  }
  return found;
}

/** Throws, naming every place, if the homeserver's stored state holds `text` anywhere. */
export function expectNoPlaintext(target: Target, text: string): void {
  const found = findPlaintext(target, text);
  if (found.length) {
    throw new Error(
      `the homeserver stores ${JSON.stringify(text)} in the clear:\n  ${found.join('\n  ')}`,
    );
  }
}

/** JSON paths under `value` whose string (or object key) `holds` the text. */
function* pathsHolding(
  value: unknown,
  holds: (s: string) => boolean,
  path: string,
): Generator<string> {
  if (typeof value === 'string') {
    if (holds(value)) yield path || '(value)';
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* pathsHolding(v, holds, `${path}[${i}]`);
  } else if (value instanceof Uint8Array) {
    if (holds(Buffer.from(value).toString('latin1'))) yield path || '(bytes)';
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (holds(k)) yield `${p} (key)`;
      yield* pathsHolding(v, holds, p);
    }
  }
}

/**
 * The parts of `text`'s base64 encodings that do not depend on its neighbours: for each of the
 * three byte alignments, the characters covering only `text`'s own bytes; in the standard and
 * the URL-safe alphabet.
 */
function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const out = new Set<string>();
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (core.length < MIN_LENGTH) continue;
    out.add(core);
    out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...out];
}
