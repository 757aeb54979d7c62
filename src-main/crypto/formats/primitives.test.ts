import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesCtr256, constantTimeEqual, fromUtf8, randomIv } from './primitives';

const KEY = new Uint8Array(randomBytes(32));
/** 40 blocks, enough to carry across byte boundaries of the counter. */
const DATA = new Uint8Array(randomBytes(16 * 40));

/** AES-CTR with a 128-bit counter, as OpenSSL (and the Rust crypto crates) count. */
function ctr128(iv: Uint8Array): Uint8Array {
  return new Uint8Array(createCipheriv('aes-256-ctr', KEY, iv).update(DATA));
}

/** An IV of 8 bytes of 0x11 and then `low` as its low 64 bits. */
function ivWithLow(low: bigint): Uint8Array {
  const iv = new Uint8Array(16).fill(0x11);
  new DataView(iv.buffer).setBigUint64(8, low);
  return iv;
}

describe('AES-CTR and the bit 63 rule', () => {
  it('matches a 128-bit counter for every IV with bit 63 clear, however near the edge', async () => {
    for (const low of [0n, 0x7fff_ffff_ffff_ffffn, 0x7fff_ffff_ffff_ffffn - 5n, 0x1234n]) {
      expect(await aesCtr256(KEY, ivWithLow(low), DATA)).toEqual(ctr128(ivWithLow(low)));
    }
  });

  it('differs from a 128-bit counter only where the low 64 bits wrap (why the rule exists)', async () => {
    const edge = ivWithLow(0xffff_ffff_ffff_fffen);
    const ours = await aesCtr256(KEY, edge, DATA);
    const theirs = ctr128(edge);
    expect(ours.subarray(0, 32)).toEqual(theirs.subarray(0, 32));
    expect(ours.subarray(32, 48)).not.toEqual(theirs.subarray(32, 48));
  });

  it('is its own inverse', async () => {
    const iv = randomIv();
    expect(await aesCtr256(KEY, iv, await aesCtr256(KEY, iv, DATA))).toEqual(DATA);
  });

  it('draws IVs with bit 63 (the top bit of byte 8) clear and the rest random', () => {
    const seen = new Uint8Array(16);
    for (let i = 0; i < 200; i++) {
      const iv = randomIv();
      expect(iv).toHaveLength(16);
      expect(iv[8]! & 0x80).toBe(0);
      iv.forEach((b, j) => (seen[j]! |= b));
    }
    expect([...seen]).toEqual([...new Array(16).fill(0xff).map((b, j) => (j === 8 ? 0x7f : b))]);
  });
});

describe('helpers', () => {
  it('compares MACs of any length without throwing', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('decodes UTF-8 exactly, a byte order mark included, and refuses anything else', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x41]);
    expect(fromUtf8(bom, 'invalid_key_export', 'x')).toBe('\u{feff}A');
    expect(() => fromUtf8(new Uint8Array([0xc3]), 'invalid_key_export', 'The data')).toThrow(
      /The data is not UTF-8 text/,
    );
  });
});
