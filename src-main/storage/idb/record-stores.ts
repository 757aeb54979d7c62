/**
 * fake-indexeddb's `RecordStore` (the sorted records of one object store or index) over SQLite:
 * records are read on demand, a page at a time, and written straight to the file, inside the
 * SQLite transaction that `idb-file.ts` holds open for the running IndexedDB write transaction.
 *
 * @packageDocumentation
 */
import { deserialize, serialize } from 'node:v8';
import type Database from 'better-sqlite3';
import {
  FDBKeyRange,
  type CursorDirection,
  type KeyRange,
  type RawRecord,
  type RecordStore,
} from './fake-internals';
import { decodeKey, encodeKey, type IdbKey } from './key-codec';

/** Prepares SQL once per connection (`idb-file.ts` caches the statements). */
export interface Sql {
  prepare(sql: string): Database.Statement;
  /** The same for a write, which only ever runs inside the writer's SQLite transaction. */
  write(sql: string): Database.Statement;
}

/** One side of a scan: from (or to) `key`, and, in an index, past the record of `primary`. */
type Bound = { key: Buffer; open: boolean; primary?: Buffer };
type Bounds = { lower?: Bound; upper?: Bound };

/** The table behind a record store: a store's records, or an index's. */
type Table = {
  name: 'idb_record' | 'idb_index_record';
  owner: 'store_id' | 'index_id';
  /** The second column: the value, or (in an index) the primary key, also sorted on. */
  second: 'value' | 'primary_key';
};

const STORE_TABLE: Table = { name: 'idb_record', owner: 'store_id', second: 'value' };
const INDEX_TABLE: Table = { name: 'idb_index_record', owner: 'index_id', second: 'primary_key' };

const FIRST_PAGE = 2;
const MAX_PAGE = 256;

function boundsOf(range: KeyRange | undefined): Bounds {
  if (!range) return {};
  const side = (key: IdbKey | undefined, open: boolean) =>
    key === undefined ? undefined : { key: encodeKey(key), open };
  return { lower: side(range.lower, range.lowerOpen), upper: side(range.upper, range.upperOpen) };
}

function condition(table: Table, b: Bound, op: '>' | '<', params: Buffer[]): string {
  if (b.primary) {
    params.push(b.key, b.primary);
    return ` AND (key, ${table.second}) ${op} (?, ?)`;
  }
  params.push(b.key);
  return ` AND key ${op}${b.open ? '' : '='} ?`;
}

/** The conditions (after the owner's) that keep rows within `bounds`, and their parameters. */
function within(table: Table, bounds: Bounds): { where: string; params: Buffer[] } {
  const params: Buffer[] = [];
  let where = '';
  if (bounds.lower) where += condition(table, bounds.lower, '>', params);
  if (bounds.upper) where += condition(table, bounds.upper, '<', params);
  return { where, params };
}

/** How many rows of `table` for `owner` are within `range`. */
function count(sql: Sql, table: Table, owner: number, range: KeyRange | undefined): number {
  const { where, params } = within(table, boundsOf(range));
  return sql
    .prepare(`SELECT count(*) FROM ${table.name} WHERE ${table.owner} = ?${where}`)
    .pluck()
    .get(owner, ...params) as number;
}

/**
 * Yields the rows of `table` for `owner` within `bounds`, in key order (and primary key order
 * in an index), a page at a time: the first pages are small, since a cursor step or a `get`
 * reads one or two rows. Each page is a finished query, so the connection is free in between.
 */
function* scan(
  sql: Sql,
  table: Table,
  owner: number,
  bounds: Bounds,
  descending: boolean,
): Generator<[Buffer, Buffer]> {
  const dir = descending ? 'DESC' : 'ASC';
  const order = table.second === 'primary_key' ? `key ${dir}, primary_key ${dir}` : `key ${dir}`;
  let limit = FIRST_PAGE;
  for (;;) {
    const { where, params } = within(table, bounds);
    const rows = sql
      .prepare(
        `SELECT key, ${table.second} FROM ${table.name} WHERE ${table.owner} = ?${where}
         ORDER BY ${order} LIMIT ?`,
      )
      .raw()
      .all(owner, ...params, limit) as [Buffer, Buffer][];
    yield* rows;
    if (rows.length < limit) return;
    const [key, second] = rows[rows.length - 1]!;
    const next: Bound = { key, open: true };
    if (table.second === 'primary_key') next.primary = second;
    bounds = descending ? { ...bounds, upper: next } : { ...bounds, lower: next };
    limit = Math.min(limit * 4, MAX_PAGE);
  }
}

/** Skips records whose key equals the previous one's (for the `unique` directions). */
function* uniqueKeys<R extends { encodedKey: Buffer }>(
  rows: Iterable<R>,
  firstOfKey: (row: R) => R,
): Generator<R> {
  let last: Buffer | undefined;
  for (const row of rows) {
    if (last && last.equals(row.encodedKey)) continue;
    last = row.encodedKey;
    yield firstOfKey(row);
  }
}

/** A record of an object store; its value is deserialised when first read. */
class StoredRecord implements RawRecord {
  key: IdbKey;
  #bytes: Buffer | undefined;
  #value: unknown;

  constructor(
    readonly encodedKey: Buffer,
    bytes: Buffer,
  ) {
    this.key = decodeKey(encodedKey);
    this.#bytes = bytes;
  }

  get value(): unknown {
    if (this.#bytes) {
      this.#value = deserialize(this.#bytes);
      this.#bytes = undefined;
    }
    return this.#value;
  }
}

/** A record of an index: its key, and the primary key of the store record it points at. */
class IndexRecord implements RawRecord {
  key: IdbKey;
  value: IdbKey;

  constructor(
    readonly encodedKey: Buffer,
    primaryKey: Buffer,
  ) {
    this.key = decodeKey(encodedKey);
    this.value = decodeKey(primaryKey);
  }
}

function isRange(key: IdbKey | KeyRange): key is KeyRange {
  return key instanceof FDBKeyRange;
}

function constraintError(): DOMException {
  return new DOMException('A record with this key already exists', 'ConstraintError');
}

/** The records of one object store, kept in `idb_record`. */
export class StoreRecords implements RecordStore {
  constructor(
    readonly sql: Sql,
    readonly storeId: number,
  ) {}

  #one(encoded: Buffer): StoredRecord | undefined {
    const row = this.sql
      .prepare(`SELECT key, value FROM idb_record WHERE store_id = ? AND key = ?`)
      .raw()
      .get(this.storeId, encoded) as [Buffer, Buffer] | undefined;
    return row && new StoredRecord(row[0], row[1]);
  }

  get(key: IdbKey | KeyRange): StoredRecord | undefined {
    if (!isRange(key)) return this.#one(encodeKey(key));
    for (const record of this.values(key)) return record;
    return undefined;
  }

  put(record: RawRecord, noOverwrite = false): StoredRecord | undefined {
    const encoded = encodeKey(record.key);
    const existing = this.#one(encoded);
    if (existing && noOverwrite) throw constraintError();
    this.sql
      .write(
        `INSERT INTO idb_record (store_id, key, value) VALUES (?, ?, ?)
         ON CONFLICT (store_id, key) DO UPDATE SET value = excluded.value`,
      )
      .run(this.storeId, encoded, serialize(record.value));
    return existing;
  }

  delete(key: IdbKey | KeyRange): StoredRecord[] {
    const gone = isRange(key) ? [...this.values(key)] : [this.#one(encodeKey(key))];
    const records = gone.filter((r): r is StoredRecord => r !== undefined);
    const del = this.sql.write(`DELETE FROM idb_record WHERE store_id = ? AND key = ?`);
    for (const r of records) del.run(this.storeId, r.encodedKey);
    return records;
  }

  deleteByKeyAndValue(): void {
    throw new Error('deleteByKeyAndValue is for index records');
  }

  /**
   * Deletes every record. Returns none of them: fake-indexeddb would keep them all in memory to
   * put back if the transaction aborts, and here an abort rolls the SQLite transaction back.
   */
  clear(): RawRecord[] {
    this.sql.write(`DELETE FROM idb_record WHERE store_id = ?`).run(this.storeId);
    return [];
  }

  values(range?: KeyRange, direction: CursorDirection = 'next'): Iterable<StoredRecord> {
    const descending = direction === 'prev' || direction === 'prevunique';
    const sql = this.sql;
    const storeId = this.storeId;
    // Keys are unique in a store, so the `unique` directions are the plain ones.
    return {
      *[Symbol.iterator]() {
        for (const [key, value] of scan(sql, STORE_TABLE, storeId, boundsOf(range), descending)) {
          yield new StoredRecord(key, value);
        }
      },
    };
  }

  size(): number {
    return count(this.sql, STORE_TABLE, this.storeId, undefined);
  }

  /** How many records are within `range` (fake-indexeddb would read them all to count). */
  count(range?: KeyRange): number {
    return count(this.sql, STORE_TABLE, this.storeId, range);
  }
}

/** The records of one index, kept in `idb_index_record`, sorted by key then primary key. */
export class IndexRecords implements RecordStore {
  constructor(
    readonly sql: Sql,
    readonly indexId: number,
  ) {}

  #rows(range: KeyRange | undefined, descending: boolean): Iterable<IndexRecord> {
    const { sql, indexId } = this;
    return {
      *[Symbol.iterator]() {
        for (const [key, pk] of scan(sql, INDEX_TABLE, indexId, boundsOf(range), descending)) {
          yield new IndexRecord(key, pk);
        }
      },
    };
  }

  #firstOfKey(encoded: Buffer): IndexRecord | undefined {
    const row = this.sql
      .prepare(
        `SELECT key, primary_key FROM idb_index_record WHERE index_id = ? AND key = ?
         ORDER BY primary_key LIMIT 1`,
      )
      .raw()
      .get(this.indexId, encoded) as [Buffer, Buffer] | undefined;
    return row && new IndexRecord(row[0], row[1]);
  }

  get(key: IdbKey | KeyRange): IndexRecord | undefined {
    if (!isRange(key)) return this.#firstOfKey(encodeKey(key));
    for (const record of this.#rows(key, false)) return record;
    return undefined;
  }

  /** Adds an index record (fake-indexeddb checks a unique index's constraint before). */
  put(record: RawRecord, noOverwrite = false): undefined {
    const params = [this.indexId, encodeKey(record.key), encodeKey(record.value as IdbKey)];
    const verb = noOverwrite ? 'INSERT' : 'INSERT OR REPLACE';
    try {
      this.sql
        .write(`${verb} INTO idb_index_record (index_id, key, primary_key) VALUES (?, ?, ?)`)
        .run(...params);
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw constraintError();
      throw err;
    }
    return undefined;
  }

  delete(key: IdbKey | KeyRange): IndexRecord[] {
    const range = isRange(key)
      ? key
      : { lower: key, upper: key, lowerOpen: false, upperOpen: false };
    const records = [...this.#rows(range, false)];
    for (const r of records) this.deleteByKeyAndValue(r.key, r.value);
    return records;
  }

  deleteByKeyAndValue(key: IdbKey, value: IdbKey): void {
    this.sql
      .write(`DELETE FROM idb_index_record WHERE index_id = ? AND key = ? AND primary_key = ?`)
      .run(this.indexId, encodeKey(key), encodeKey(value));
  }

  clear(): RawRecord[] {
    this.sql.write(`DELETE FROM idb_index_record WHERE index_id = ?`).run(this.indexId);
    return [];
  }

  values(range?: KeyRange, direction: CursorDirection = 'next'): Iterable<IndexRecord> {
    const descending = direction === 'prev' || direction === 'prevunique';
    const rows = this.#rows(range, descending);
    if (direction === 'next' || direction === 'prev') return rows;
    // Each key once, with its lowest primary key, in either direction (as the spec says).
    const first = (r: IndexRecord) => (descending ? this.#firstOfKey(r.encodedKey)! : r);
    return { [Symbol.iterator]: () => uniqueKeys(rows, first) };
  }

  size(): number {
    return count(this.sql, INDEX_TABLE, this.indexId, undefined);
  }

  /** How many index records are within `range`. */
  count(range?: KeyRange): number {
    return count(this.sql, INDEX_TABLE, this.indexId, range);
  }
}
