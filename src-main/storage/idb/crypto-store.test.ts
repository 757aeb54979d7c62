import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encryptedEvent,
  makeRoomKey,
  makeSender,
  type MadeRoomKey,
} from '../../../e2e/bench/room-keys';
import { openDb, request } from '../../testing/idb-helpers';
import { createSqliteIndexedDB } from './factory';

const CHILD = join(import.meta.dirname, '../../testing/crypto-store-child.ts');

type Result = {
  curve25519: string;
  ed25519: string;
  roomKeys: number;
  imported?: number;
  bodies?: string[];
};

/**
 * Runs the crypto store child (its own process: the wasm keeps state) on `dir`. With
 * `killOn`, kills it (SIGKILL) when it prints that line and resolves with null.
 */
function child(dir: string, key: string, args: string[], killOn?: string): Promise<Result | null> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, key, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killOn && out.split('\n').includes(killOn)) proc.kill('SIGKILL');
    });
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.once('exit', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('result '));
      if (killOn && signal === 'SIGKILL') resolve(null);
      else if (code === 0 && line) resolve(JSON.parse(line.slice(7)) as Result);
      else
        reject(
          new Error(`crypto store child (${args[0]}) ended ${signal ?? code}: ${err.slice(-2000)}`),
        );
    });
  });
}

/** The inbound group sessions in the account's file, and the entries of each of their indexes. */
async function sessionCounts(dir: string): Promise<{ sessions: number; indexes: number[] }> {
  const { factory, close } = createSqliteIndexedDB({ fileFor: () => join(dir, 'account.sqlite') });
  try {
    const db = await openDb(factory, 'account::matrix-sdk-crypto');
    const store = db.transaction('inbound_group_sessions3').objectStore('inbound_group_sessions3');
    const indexes = await Promise.all(
      [...store.indexNames].map((n) => request<number>(store.index(n).count())),
    );
    return { sessions: await request<number>(store.count()), indexes };
  } finally {
    close();
  }
}

describe('the crypto wasm on the SQLite IndexedDB', () => {
  let dir = '';
  const key = randomBytes(32).toString('hex');
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'crypto-store-')));
  const writeJson = (name: string, data: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(data));
    return path;
  };

  it('keeps the identity keys and room keys across processes, and decrypts with them', async () => {
    fresh();
    const first = await child(dir, key, ['identity']);
    const again = await child(dir, key, ['identity']);
    expect(again).toEqual(first);
    expect(first!.curve25519).toMatch(/^[A-Za-z0-9+/]{43}$/);

    const sender = makeSender();
    const keys = Array.from({ length: 40 }, (_, i) =>
      makeRoomKey(sender, `!room${i % 4}:example.org`, i),
    );
    const imported = await child(dir, key, [
      'import',
      writeJson(
        'keys.json',
        keys.map((k) => k.exported),
      ),
    ]);
    expect(imported).toMatchObject({ imported: 40, roomKeys: 40, curve25519: first!.curve25519 });

    const picks = [keys[0]!, keys[17]!, keys[39]!];
    const events = picks.map((k, i) => [
      k.exported.room_id,
      encryptedEvent(k, { msgtype: 'm.text', body: `secret ${i}` }),
    ]);
    const unknown = makeRoomKey(sender, '!room0:example.org');
    events.push([unknown.exported.room_id, encryptedEvent(unknown, { body: 'never' })]);
    const decrypted = await child(dir, key, ['decrypt', writeJson('events.json', events)]);
    expect(decrypted!.bodies).toEqual(['secret 0', 'secret 1', 'secret 2', 'error MissingRoomKey']);
    expect(decrypted!.roomKeys).toBe(40);
  }, 120_000);

  it('after kill -9 in the middle of a large import, opens with the earlier import whole and none of the killed one', async () => {
    fresh();
    const sender = makeSender();
    const make = (n: number, from: number): MadeRoomKey[] =>
      Array.from({ length: n }, (_, i) =>
        makeRoomKey(sender, `!room${(from + i) % 50}:example.org`),
      );
    const before = make(300, 0);
    const identity = await child(dir, key, [
      'import',
      writeJson(
        'before.json',
        before.map((k) => k.exported),
      ),
    ]);
    expect(identity!.roomKeys).toBe(300);

    const large = make(3000, 300);
    const largeFile = writeJson(
      'large.json',
      large.map((k) => k.exported),
    );
    // `writing`: half of the import's one write transaction is in the file, uncommitted.
    expect(await child(dir, key, ['import', largeFile], 'writing')).toBeNull();

    expect(await sessionCounts(dir)).toEqual({ sessions: 300, indexes: [300, 300, 300] });
    const after = await child(dir, key, ['identity']);
    expect(after).toEqual({ ...identity, imported: undefined, roomKeys: 300 });

    const retried = await child(dir, key, ['import', largeFile]);
    expect(retried).toMatchObject({ imported: 3000, roomKeys: 3300 });
    const events = [before[5]!, large[2999]!].map((k) => [
      k.exported.room_id,
      encryptedEvent(k, { body: 'ok' }),
    ]);
    expect((await child(dir, key, ['decrypt', writeJson('events.json', events)]))!.bodies).toEqual([
      'ok',
      'ok',
    ]);
  }, 240_000);
});
