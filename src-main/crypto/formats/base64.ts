/**
 * Base64 as the Matrix spec uses it (appendix "Unpadded Base64"): RFC 4648's standard
 * alphabet, or its URL-safe one (`-` and `_` for `+` and `/`), written without `=` padding.
 *
 * Decoding takes input with or without padding, as the spec asks ("implementations SHOULD
 * accept input with or without padding characters"), and rejects everything else with a
 * {@link FormatError} that says what and where: characters outside the alphabet (whitespace
 * included), a length no encoding produces (one character past a multiple of four), padding
 * of the wrong length, and a last character whose unused low bits are not zero (such text is
 * never written by an encoder; vodozemac rejects it too).
 *
 * @packageDocumentation
 */

import { FormatError } from './errors';

type Alphabet = 'standard' | 'url-safe';

const ALPHABET_PATTERN: Record<Alphabet, RegExp> = {
  standard: /[^A-Za-z0-9+/]/,
  'url-safe': /[^A-Za-z0-9_-]/,
};

const LAST_CHARS: Record<Alphabet, string> = { standard: '+/', 'url-safe': '-_' };

/** Bytes as unpadded base64, standard alphabet: what the spec means by "base64". */
export function encodeUnpaddedBase64(bytes: Uint8Array): string {
  return encodePaddedBase64(bytes).replace(/=+$/, '');
}

/** Bytes as unpadded base64 with the URL-safe alphabet (`-`, `_`). */
export function encodeUnpaddedBase64Url(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64url');
}

/** Bytes as RFC 4648 base64 with `=` padding (the key export file's body). */
export function encodePaddedBase64(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64');
}

/** Standard-alphabet base64, padded or not, as bytes; a {@link FormatError} otherwise. */
export function decodeBase64(text: string): Uint8Array {
  return decode(text, 'standard');
}

/** URL-safe base64, padded or not, as bytes; a {@link FormatError} otherwise. */
export function decodeBase64Url(text: string): Uint8Array {
  return decode(text, 'url-safe');
}

function decode(text: string, alphabet: Alphabet): Uint8Array {
  if (typeof text !== 'string') {
    throw invalid(`expected a string, got ${text === null ? 'null' : typeof text}`);
  }
  const body = text.replace(/=+$/, '');
  const padding = text.length - body.length;
  const bad = ALPHABET_PATTERN[alphabet].exec(body);
  if (bad !== null) {
    throw invalid(
      `character ${JSON.stringify(bad[0])} at position ${bad.index} is not in the ${alphabet} alphabet`,
    );
  }
  const remainder = body.length % 4;
  if (remainder === 1) {
    throw invalid(`${body.length} characters (without padding) is a length no encoding has`);
  }
  if (padding > 0 && (remainder === 0 || padding !== 4 - remainder)) {
    throw invalid(`${padding} padding character(s) after ${body.length} characters`);
  }
  if (remainder !== 0 && (sextet(body[body.length - 1]!, alphabet) & unusedBits(remainder)) !== 0) {
    throw invalid(`the last character has unused bits set (text no encoder writes)`);
  }
  const decoded = Buffer.from(body, alphabet === 'standard' ? 'base64' : 'base64url');
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength).slice();
}

/** The value (0–63) of one alphabet character. */
function sextet(char: string, alphabet: Alphabet): number {
  const code = char.charCodeAt(0);
  if (code >= 65 && code <= 90) return code - 65; // A–Z
  if (code >= 97 && code <= 122) return code - 71; // a–z
  if (code >= 48 && code <= 57) return code + 4; // 0–9
  return 62 + LAST_CHARS[alphabet].indexOf(char);
}

/** The bits of the last character that carry no data, for a body of length 4n + remainder. */
function unusedBits(remainder: number): number {
  return remainder === 2 ? 0b1111 : 0b11;
}

function invalid(reason: string): FormatError {
  return new FormatError('invalid_base64', `Invalid base64: ${reason}`);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
