import { randomBytes } from 'node:crypto';
// matrix-js-sdk's own implementation, to check ours against (no wasm is loaded by this module).
import {
  decodeRecoveryKey as jsSdkDecode,
  encodeRecoveryKey as jsSdkEncode,
} from 'matrix-js-sdk/lib/crypto-api/recovery-key.js';
import { describe, expect, it } from 'vitest';
import { FormatError } from './errors';
import { decodeBase58, decodeRecoveryKey, encodeBase58, encodeRecoveryKey } from './recovery-key';

/** The key 0x00, 0x01, …, 0x1f. */
const COUNTING_KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
/**
 * Its recovery key, as matrix-js-sdk 37.5.0's `encodeRecoveryKey` writes it (fixed here so a
 * change on either side shows).
 */
const COUNTING_KEY_ENCODED = 'EsSz ykH7 LCZx 7Cae cmKD wcmY JRXi Ybtu 8iQ3 t8Ez nRwK pUY1';

const random32 = (): Uint8Array => new Uint8Array(randomBytes(32));

/** `bytes` (prefix and parity included, as given) in base58. */
const rawKey = (bytes: number[]): string => encodeBase58(Uint8Array.from(bytes));

/** Prefix, key, and a parity byte that makes the whole XOR to zero. */
function withParity(prefix: number[], key: Uint8Array): number[] {
  const bytes = [...prefix, ...key];
  return [...bytes, bytes.reduce((a, b) => a ^ b, 0)];
}

function decodeError(text: string): FormatError {
  try {
    decodeRecoveryKey(text);
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).code).toBe('invalid_recovery_key');
    return e as FormatError;
  }
  throw new Error(`decoded ${JSON.stringify(text)} without complaint`);
}

describe('recovery key', () => {
  it('encodes a fixed key as js-sdk does: prefix, parity, base58, groups of four', () => {
    const encoded = encodeRecoveryKey(COUNTING_KEY);
    expect(encoded).toBe(COUNTING_KEY_ENCODED);
    expect(encoded).toMatch(/^(\S{4} ){11}\S{4}$/);
    const bytes = decodeBase58(encoded.replace(/ /g, ''));
    expect([...bytes.subarray(0, 2)]).toEqual([0x8b, 0x01]);
    expect(bytes.subarray(2, 34)).toEqual(COUNTING_KEY);
    expect(bytes.reduce((a, b) => a ^ b, 0)).toBe(0);
    expect(decodeRecoveryKey(encoded)).toEqual(COUNTING_KEY);
  });

  it('agrees with matrix-js-sdk both ways on random keys', () => {
    for (let i = 0; i < 50; i++) {
      const key = random32();
      const ours = encodeRecoveryKey(key);
      expect(ours).toBe(jsSdkEncode(key));
      expect(jsSdkDecode(ours)).toEqual(key);
      expect(decodeRecoveryKey(jsSdkEncode(key)!)).toEqual(key);
    }
  });

  it('round-trips the extreme keys', () => {
    for (const key of [new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
      expect(decodeRecoveryKey(encodeRecoveryKey(key))).toEqual(key);
      expect(encodeRecoveryKey(key)).toBe(jsSdkEncode(key));
    }
  });

  it('disregards whitespace of any kind and amount', () => {
    const compact = COUNTING_KEY_ENCODED.replace(/ /g, '');
    for (const text of [
      compact,
      `  ${COUNTING_KEY_ENCODED}\n`,
      COUNTING_KEY_ENCODED.replace(/ /g, '\t'),
      compact.replace(/(.{6})/g, '$1\r\n'),
      COUNTING_KEY_ENCODED.replace(/ /g, '\u00a0'),
    ]) {
      expect(decodeRecoveryKey(text)).toEqual(COUNTING_KEY);
    }
  });

  it('rejects characters outside the base58 alphabet, naming them', () => {
    for (const char of ['0', 'O', 'I', 'l', '+', '-']) {
      const text = COUNTING_KEY_ENCODED.slice(0, 10) + char + COUNTING_KEY_ENCODED.slice(11);
      expect(decodeError(text).message).toContain(`"${char}"`);
    }
  });

  it('rejects a mistyped character by its parity', () => {
    // The last character: the prefix and length stay right, only the parity can tell.
    const last = COUNTING_KEY_ENCODED.at(-1)!;
    const typo = COUNTING_KEY_ENCODED.slice(0, -1) + (last === 'm' ? 'n' : 'm');
    expect(decodeError(typo).message).toMatch(/parity/);
    const bytes = withParity([0x8b, 0x01], COUNTING_KEY);
    bytes[34] ^= 0x01;
    expect(decodeError(rawKey(bytes)).message).toMatch(/parity/);
  });

  it('rejects a wrong prefix even when the parity matches', () => {
    for (const prefix of [
      [0x8b, 0x02],
      [0x8a, 0x01],
    ]) {
      expect(decodeError(rawKey(withParity(prefix, COUNTING_KEY))).message).toMatch(/prefix/);
    }
  });

  it('rejects a key of the wrong length even when prefix and parity match', () => {
    for (const length of [31, 33, 64]) {
      const key = new Uint8Array(randomBytes(length));
      expect(decodeError(rawKey(withParity([0x8b, 0x01], key))).message).toMatch(
        /characters instead of 48 \(is a character missing or extra\?\)/,
      );
    }
    expect(decodeError(COUNTING_KEY_ENCODED.slice(0, -1)).message).toMatch(/47 characters/);
    expect(decodeError(COUNTING_KEY_ENCODED + 'a').message).toMatch(/49 characters/);
    // 48 characters, but too large a number for 35 bytes, or too small.
    expect(decodeError('z'.repeat(48)).message).toMatch(/decodes to 36 bytes instead of 35/);
    expect(decodeError('1'.repeat(48)).message).toMatch(/decodes to 48 bytes instead of 35/);
  });

  it('rejects empty, huge and non-string input', () => {
    expect(decodeError('').message).toMatch(/empty/);
    expect(decodeError(' \n ').message).toMatch(/empty/);
    expect(decodeError('a'.repeat(100_000)).message).toMatch(/100000 characters/);
    expect(decodeError(undefined as unknown as string).message).toMatch(/got undefined/);
  });

  it('encodes only 32-byte keys', () => {
    for (const key of [new Uint8Array(31), new Uint8Array(33), 'key' as unknown as Uint8Array]) {
      expect(() => encodeRecoveryKey(key)).toThrow(FormatError);
    }
  });
});

describe('base58', () => {
  it('keeps leading zero bytes as leading 1s', () => {
    expect(encodeBase58(new Uint8Array([0, 0, 1]))).toBe('112');
    expect(decodeBase58('112')).toEqual(new Uint8Array([0, 0, 1]));
    expect(encodeBase58(new Uint8Array(3))).toBe('111');
    expect(decodeBase58('111')).toEqual(new Uint8Array(3));
    expect(encodeBase58(new Uint8Array(0))).toBe('');
    expect(decodeBase58('')).toEqual(new Uint8Array(0));
  });

  it('encodes Bitcoin test values', () => {
    // Well-known examples of plain base58 (checked against the bs58 package).
    expect(encodeBase58(new TextEncoder().encode('hello world'))).toBe('StV1DL6CwTryKyV');
    expect(encodeBase58(new Uint8Array([0x00, 0x00, 0x28, 0x7f, 0xb4, 0xcd]))).toBe('11233QC4');
  });

  it('round-trips random bytes of many lengths', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = new Uint8Array(randomBytes(length));
      if (length > 2) bytes[0] = 0; // a leading zero in every other case
      expect(decodeBase58(encodeBase58(bytes))).toEqual(bytes);
    }
  });
});
