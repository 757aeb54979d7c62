import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeBase64,
  decodeBase64Url,
  encodePaddedBase64,
  encodeUnpaddedBase64,
  encodeUnpaddedBase64Url,
} from './base64';
import { FormatError } from './errors';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The spec's examples (appendix "Unpadded Base64"). */
const SPEC_VECTORS: [string, string][] = [
  ['', ''],
  ['f', 'Zg'],
  ['fo', 'Zm8'],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg'],
  ['fooba', 'Zm9vYmE'],
  ['foobar', 'Zm9vYmFy'],
];

/** Bytes whose encoding uses the alphabet's last two characters (62 and 63). */
const HIGH_BYTES = new Uint8Array([0xfb, 0xff, 0xbf]);

function decodeError(decode: (s: string) => Uint8Array, text: string): FormatError {
  try {
    decode(text);
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).code).toBe('invalid_base64');
    return e as FormatError;
  }
  throw new Error(`decoded ${JSON.stringify(text)} without complaint`);
}

describe('unpadded base64', () => {
  it.each(SPEC_VECTORS)('encodes and decodes the spec vector %j as %j', (plain, encoded) => {
    expect(encodeUnpaddedBase64(utf8(plain))).toBe(encoded);
    expect(encodeUnpaddedBase64Url(utf8(plain))).toBe(encoded);
    expect(decodeBase64(encoded)).toEqual(utf8(plain));
    expect(decodeBase64Url(encoded)).toEqual(utf8(plain));
  });

  it('decodes the spec vectors with RFC 4648 padding too', () => {
    for (const [plain, encoded] of SPEC_VECTORS) {
      const padded = encodePaddedBase64(utf8(plain));
      expect(padded).toBe(encoded.padEnd(Math.ceil(encoded.length / 4) * 4, '='));
      expect(decodeBase64(padded)).toEqual(utf8(plain));
      expect(decodeBase64Url(padded)).toEqual(utf8(plain));
    }
  });

  it('uses + and / in the standard alphabet, - and _ in the URL-safe one', () => {
    expect(encodeUnpaddedBase64(HIGH_BYTES)).toBe('+/+/');
    expect(encodeUnpaddedBase64Url(HIGH_BYTES)).toBe('-_-_');
    expect(decodeBase64('+/+/')).toEqual(HIGH_BYTES);
    expect(decodeBase64Url('-_-_')).toEqual(HIGH_BYTES);
  });

  it('round-trips random bytes of every length up to 100, agreeing with Node', () => {
    for (let length = 0; length <= 100; length++) {
      const bytes = new Uint8Array(randomBytes(length));
      const encoded = encodeUnpaddedBase64(bytes);
      expect(encoded).toBe(Buffer.from(bytes).toString('base64').replace(/=/g, ''));
      expect(encoded).not.toContain('=');
      expect(decodeBase64(encoded)).toEqual(bytes);
      expect(decodeBase64Url(encodeUnpaddedBase64Url(bytes))).toEqual(bytes);
    }
  });

  it('encodes a view into a larger buffer by its own bytes only', () => {
    const whole = utf8('xxfooxx');
    expect(encodeUnpaddedBase64(whole.subarray(2, 5))).toBe('Zm9v');
  });

  it('returns plain Uint8Arrays that own their bytes', () => {
    const decoded = decodeBase64('Zm9v');
    expect(decoded.constructor).toBe(Uint8Array);
    expect(decoded.byteOffset).toBe(0);
    expect(decoded.buffer.byteLength).toBe(3);
  });
});

describe('base64 decoding rejects what no encoder writes', () => {
  it('names a character outside the alphabet and its position', () => {
    expect(decodeError(decodeBase64, 'Zm9v!mFy').message).toMatch(/"!" at position 4/);
    expect(decodeError(decodeBase64, 'Zm9v YmFy').message).toMatch(/" " at position 4/);
    expect(decodeError(decodeBase64, 'Zm9v\nYmFy').message).toMatch(/"\\n" at position 4/);
    expect(decodeError(decodeBase64, 'Zm9vYmFyé').message).toMatch(/position 8/);
  });

  it('keeps the alphabets apart', () => {
    expect(decodeError(decodeBase64, '-_-_').message).toMatch(/"-" at position 0 .* standard/);
    expect(decodeError(decodeBase64Url, '+/+/').message).toMatch(/"\+" at position 0 .*url-safe/);
  });

  it('rejects a length that no encoding has', () => {
    expect(decodeError(decodeBase64, 'Z').message).toMatch(/1 characters/);
    expect(decodeError(decodeBase64, 'Zm9vY').message).toMatch(/5 characters/);
    expect(decodeError(decodeBase64, 'Zm9vY===').message).toMatch(/5 characters/);
  });

  it('rejects padding of the wrong length or in the wrong place', () => {
    for (const text of ['Zg=', 'Zg===', 'Zm8==', 'Zm9v=', 'Zm9v====', '=', '==']) {
      expect(decodeError(decodeBase64, text).message).toMatch(/padding/);
    }
    expect(decodeError(decodeBase64, 'Zg==Zg').message).toMatch(/"=" at position 2/);
    expect(decodeError(decodeBase64, '=Zm8').message).toMatch(/"=" at position 0/);
  });

  it('rejects a last character with unused bits set', () => {
    expect(decodeError(decodeBase64, 'Zh').message).toMatch(/unused bits/);
    expect(decodeError(decodeBase64, 'Zh==').message).toMatch(/unused bits/);
    expect(decodeError(decodeBase64, 'Zm9').message).toMatch(/unused bits/);
    expect(decodeError(decodeBase64Url, 'Z_').message).toMatch(/unused bits/);
    // The same lengths with those bits clear decode.
    expect(decodeBase64('Zg')).toEqual(utf8('f'));
    expect(decodeBase64('Zm8')).toEqual(utf8('fo'));
    expect(decodeBase64Url('-w')).toEqual(new Uint8Array([0xfb]));
  });

  it('rejects what is not a string', () => {
    expect(decodeError(decodeBase64, 42 as unknown as string).message).toMatch(/got number/);
    expect(decodeError(decodeBase64, null as unknown as string).message).toMatch(/got null/);
  });
});
