/**
 * Proof that a secret never reached the test homeserver in the clear. The homeserver keeps all
 * its state through its persistence layer (rooms and their events, to-device inboxes, device
 * keys, key backups, account data…), so a watch records every row written from the moment it
 * starts (rows deleted since, like delivered to-device messages, included) and, when asked,
 * also searches every row held now. A hit is the text as is or base64-encoded (at any byte
 * alignment), so an encoded message is not mistaken for an encrypted one.
 *
 * Local to the interop tests until the homeserver's own helper (`testing/plaintext.ts`, on
 * another branch) lands; that one also searches media blobs, which these tests do not use.
 */
import type { Homeserver } from '../homeserver';

/** Shorter texts could turn up by chance inside ciphertext. */
const MIN_LENGTH = 8;

export type PlaintextWatch = {
  /** Where `text` is or was stored (`<kind>/<key>` of the row), empty when nowhere. */
  find(text: string): string[];
  /** Stops recording writes. */
  stop(): void;
};

/** Starts recording every row `hs` writes. */
export function watchPlaintext(hs: Homeserver): PlaintextWatch {
  const persist = hs.persist;
  const written: { where: string; json: string }[] = [];
  const put = persist.put;
  persist.put = function (kind: string, key: string, value: unknown) {
    written.push({ where: `${kind}/${key} (written)`, json: JSON.stringify(value) ?? '' });
    put.call(this, kind, key, value);
  };
  return {
    find(text) {
      if (text.length < MIN_LENGTH) throw new Error(`search for at least ${MIN_LENGTH} characters`);
      const needles = [text, ...base64Forms(text)];
      // JSON escapes some characters; search the escaped forms in the serialised rows.
      const escaped = needles.map((n) => JSON.stringify(n).slice(1, -1));
      const holds = (json: string) => escaped.some((n) => json.includes(n));
      const found = written.filter((w) => holds(w.json)).map((w) => w.where);
      for (const [kind, rows] of persist.loadAll()) {
        for (const [key, value] of rows) {
          if (holds(JSON.stringify(value) ?? '')) found.push(`${kind}/${key}`);
        }
      }
      return found;
    },
    stop() {
      persist.put = put;
    },
  };
}

/**
 * The parts of `text`'s base64 encodings that do not depend on the bytes around it, for each of
 * the three byte alignments, in the standard and the URL-safe alphabet.
 */
function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const out = new Set<string>();
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const own = enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (own.length < MIN_LENGTH) continue;
    out.add(own);
    out.add(own.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...out];
}
