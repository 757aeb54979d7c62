/**
 * IndexedDB keys as bytes whose bytewise (`memcmp`) order is IndexedDB's key order, so SQLite
 * can sort and range-scan them as BLOBs.
 *
 * Each key starts with a type byte, in IndexedDB's type order (number < date < string < binary
 * < array). Numbers and dates are IEEE 754 doubles, big-endian, with the sign bit flipped for
 * positives and every bit flipped for negatives. Strings are their UTF-16 code units, binary keys
 * their bytes, each unit in 1 to 3 bytes (an order-keeping variable length, never starting with
 * 0x00), ended by 0x00. Arrays are their elements' encodings, ended by 0x00. So a key that is a
 * prefix of another (`"a"` and `"ab"`, `[1]` and `[1, 2]`) ends first and sorts first.
 *
 * @packageDocumentation
 */

/** A valid IndexedDB key as fake-indexeddb normalises it (binary keys are ArrayBuffers). */
export type IdbKey = number | string | Date | ArrayBuffer | IdbKey[];

const END = 0x00;
const NUMBER = 0x10;
const DATE = 0x20;
const STRING = 0x30;
const BINARY = 0x40;
const ARRAY = 0x50;

/** Units up to this take one byte (unit + 1). */
const ONE_BYTE_MAX = 0x7e;
/** Units up to this take two bytes (0x8000 + unit - 0x7f); the rest three (0xc00000 | unit << 6). */
const TWO_BYTE_MAX = 0x3fff + 0x7f;

class Writer {
  #buf = Buffer.allocUnsafe(64);
  #len = 0;

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(bigger, 0, 0, this.#len);
    this.#buf = bigger;
  }

  byte(b: number): void {
    this.#room(1);
    this.#buf[this.#len++] = b;
  }

  double(n: number): void {
    this.#room(8);
    // -0 and 0 are the same key.
    this.#buf.writeDoubleBE(n === 0 ? 0 : n, this.#len);
    if (this.#buf[this.#len]! & 0x80) {
      for (let i = this.#len; i < this.#len + 8; i++) this.#buf[i] = ~this.#buf[i]! & 0xff;
    } else {
      this.#buf[this.#len] = this.#buf[this.#len]! | 0x80;
    }
    this.#len += 8;
  }

  unit(u: number): void {
    if (u <= ONE_BYTE_MAX) return this.byte(u + 1);
    this.#room(3);
    if (u <= TWO_BYTE_MAX) {
      const v = 0x8000 + (u - 0x7f);
      this.#buf[this.#len++] = v >> 8;
      this.#buf[this.#len++] = v & 0xff;
    } else {
      const v = 0xc00000 | (u << 6);
      this.#buf[this.#len++] = v >> 16;
      this.#buf[this.#len++] = (v >> 8) & 0xff;
      this.#buf[this.#len++] = v & 0xff;
    }
  }

  bytes(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#len));
  }
}

function write(w: Writer, key: IdbKey): void {
  if (typeof key === 'number') {
    w.byte(NUMBER);
    w.double(key);
  } else if (typeof key === 'string') {
    w.byte(STRING);
    for (let i = 0; i < key.length; i++) w.unit(key.charCodeAt(i));
    w.byte(END);
  } else if (key instanceof Date) {
    w.byte(DATE);
    w.double(key.getTime());
  } else if (key instanceof ArrayBuffer) {
    w.byte(BINARY);
    for (const b of new Uint8Array(key)) w.unit(b);
    w.byte(END);
  } else if (Array.isArray(key)) {
    w.byte(ARRAY);
    for (const k of key) write(w, k);
    w.byte(END);
  } else {
    throw new TypeError(`Not an IndexedDB key: ${Object.prototype.toString.call(key)}`);
  }
}

/** The bytes of `key`, ordered as IndexedDB orders keys. */
export function encodeKey(key: IdbKey): Buffer {
  const w = new Writer();
  write(w, key);
  return w.bytes();
}

class Reader {
  #pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get pos(): number {
    return this.#pos;
  }

  byte(): number {
    if (this.#pos >= this.buf.length) throw new Error('Malformed IndexedDB key: ends early');
    return this.buf[this.#pos++]!;
  }

  double(): number {
    const b = Buffer.from(this.buf.subarray(this.#pos, this.#pos + 8));
    if (b.length < 8) throw new Error('Malformed IndexedDB key: short number');
    this.#pos += 8;
    if (b[0]! & 0x80) b[0] = b[0]! & 0x7f;
    else for (let i = 0; i < 8; i++) b[i] = ~b[i]! & 0xff;
    return b.readDoubleBE(0);
  }

  /** The next unit, or -1 at the end marker. */
  unit(): number {
    const first = this.byte();
    if (first === END) return -1;
    if (first < 0x80) return first - 1;
    if (first < 0xc0) return ((first << 8) | this.byte()) - 0x8000 + 0x7f;
    return (((first << 16) | (this.byte() << 8) | this.byte()) & 0x3fffff) >> 6;
  }
}

function read(r: Reader): IdbKey {
  const tag = r.byte();
  switch (tag) {
    case NUMBER:
      return r.double();
    case DATE:
      return new Date(r.double());
    case STRING: {
      const units: number[] = [];
      for (let u = r.unit(); u >= 0; u = r.unit()) units.push(u);
      return stringOf(units);
    }
    case BINARY: {
      const bytes: number[] = [];
      for (let u = r.unit(); u >= 0; u = r.unit()) bytes.push(u);
      return new Uint8Array(bytes).buffer;
    }
    case ARRAY: {
      const items: IdbKey[] = [];
      while (r.buf[r.pos] !== END) items.push(read(r));
      r.byte();
      return items;
    }
    default:
      throw new Error(`Malformed IndexedDB key: type byte ${tag}`);
  }
}

function stringOf(units: number[]): string {
  let s = '';
  for (let i = 0; i < units.length; i += 4096) {
    s += String.fromCharCode(...units.slice(i, i + 4096));
  }
  return s;
}

/** The key that `encodeKey` turned into `bytes`. Throws on bytes it did not make. */
export function decodeKey(bytes: Uint8Array): IdbKey {
  const r = new Reader(bytes);
  const key = read(r);
  if (r.pos !== bytes.length) throw new Error('Malformed IndexedDB key: trailing bytes');
  return key;
}
