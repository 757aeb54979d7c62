import { indexedDB as fakeIndexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey, type IdbKey } from './key-codec';

/** IndexedDB's own comparison (fake-indexeddb's `indexedDB.cmp`), the order to match. */
const cmp = (a: IdbKey, b: IdbKey) => fakeIndexedDB.cmp(a, b);

// An empty binary key counts as detached in fake-indexeddb on Node 20, so none here.
const bin = (...bytes: number[]) => new Uint8Array(bytes).buffer;

/** Keys at every boundary the encoding has: types, signs, unit widths, prefixes, nesting. */
const EDGE_KEYS: IdbKey[] = [
  -Infinity,
  -Number.MAX_VALUE,
  -1.5,
  -Number.MIN_VALUE,
  0,
  Number.MIN_VALUE,
  1,
  2 ** 53,
  Number.MAX_VALUE,
  Infinity,
  new Date(-8.64e15),
  new Date(-1),
  new Date(0),
  new Date(1_700_000_000_000),
  '',
  '\u0000',
  '\u0000\u0000',
  'a',
  'a\u0000',
  'ab',
  'b',
  '\u007e',
  '\u007f',
  '\u0080',
  '\u40fe',
  '\u40ff',
  '\u4100',
  '\ud800',
  '\ud83d\ude00',
  '\uffff',
  bin(0),
  bin(0, 0),
  bin(0x7e),
  bin(0x7f),
  bin(0xff),
  bin(0xff, 0),
  [],
  [[]],
  [0],
  [0, 0],
  [0, ''],
  [''],
  ['a', [1]],
  [bin(1)],
  [[], []],
];

function randomKey(depth = 0): IdbKey {
  const kind = Math.floor(Math.random() * (depth > 2 ? 4 : 5));
  switch (kind) {
    case 0:
      return [0, -0, 1, -1, 1e300, -1e-300, Math.random() * 2e6 - 1e6][
        Math.floor(Math.random() * 7)
      ]!;
    case 1:
      return new Date(Math.floor(Math.random() * 4e12) - 2e12);
    case 2: {
      const units = Array.from(
        { length: Math.floor(Math.random() * 5) },
        () =>
          [0, 0x7e, 0x7f, 0x40fe, 0x40ff, 0xffff, Math.floor(Math.random() * 0x10000)][
            Math.floor(Math.random() * 7)
          ]!,
      );
      return String.fromCharCode(...units);
    }
    case 3:
      return bin(
        ...Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () =>
          Math.floor(Math.random() * 256),
        ),
      );
    default:
      return Array.from({ length: Math.floor(Math.random() * 3) }, () => randomKey(depth + 1));
  }
}

describe('key-codec', () => {
  it('orders the bytes of every pair of edge keys as IndexedDB orders the keys', () => {
    for (const a of EDGE_KEYS) {
      for (const b of EDGE_KEYS) {
        const bytes = Math.sign(Buffer.compare(encodeKey(a), encodeKey(b)));
        expect(bytes, `${String(a)} vs ${String(b)}`).toBe(cmp(a, b));
      }
    }
  });

  it('sorts random keys of all types, nested in arrays, as IndexedDB does', () => {
    const keys = Array.from({ length: 3000 }, () => randomKey());
    const byBytes = [...keys].sort((a, b) => Buffer.compare(encodeKey(a), encodeKey(b)));
    const byIdb = [...keys].sort(cmp);
    for (let i = 0; i < keys.length; i++) expect(cmp(byBytes[i]!, byIdb[i]!)).toBe(0);
  });

  it('decodes what it encodes, types included', () => {
    for (const key of [...EDGE_KEYS, ...Array.from({ length: 500 }, () => randomKey())]) {
      const back = decodeKey(encodeKey(key));
      expect(cmp(back, key)).toBe(0);
      expect(Object.prototype.toString.call(back)).toBe(Object.prototype.toString.call(key));
    }
    expect(Object.is(decodeKey(encodeKey(-0)), 0)).toBe(true);
  });

  it('refuses bytes it did not make', () => {
    expect(() => decodeKey(new Uint8Array([]))).toThrow(/ends early/);
    expect(() => decodeKey(new Uint8Array([0x99]))).toThrow(/type byte/);
    expect(() => decodeKey(new Uint8Array([0x10, 1, 2]))).toThrow(/short number/);
    expect(() => decodeKey(new Uint8Array([0x30, 0x41]))).toThrow(/ends early/);
    expect(() => decodeKey(Buffer.concat([encodeKey('a'), Buffer.from([0])]))).toThrow(/trailing/);
  });
});
