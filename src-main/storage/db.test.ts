import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bundledMigrations, migrate, openDb } from './db';
import { SessionStore } from './session-store';

describe('migrations', () => {
  it('brings a new database to the latest version, in WAL mode, with STRICT tables', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'db-')), 'a.sqlite');
    const db = openDb(path);
    const latest = bundledMigrations().at(-1)!.version;
    expect(db.pragma('user_version', { simple: true })).toBe(latest);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
      sql: string;
    }[];
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['session', 'rooms', 'events', 'chunks', 'outgoing']),
    );
    for (const t of tables) expect(t.sql, t.name).toMatch(/\)\s*STRICT/);
    db.close();
  });

  it('applies each migration once, from the version before it', () => {
    const db = new Database(':memory:');
    const steps = [
      { version: 1, name: '001_a.sql', sql: 'CREATE TABLE a (x INTEGER) STRICT;' },
      { version: 2, name: '002_b.sql', sql: 'ALTER TABLE a ADD COLUMN y TEXT;' },
    ];
    expect(migrate(db, steps.slice(0, 1))).toBe(1);
    db.prepare('INSERT INTO a (x) VALUES (1)').run();
    expect(migrate(db, steps)).toBe(2);
    expect(migrate(db, steps)).toBe(2);
    expect(db.prepare('SELECT x, y FROM a').all()).toEqual([{ x: 1, y: null }]);
  });

  it('rolls a failing migration back entirely and refuses a database newer than the app', () => {
    const db = new Database(':memory:');
    const bad = [
      { version: 1, name: '001_bad.sql', sql: 'CREATE TABLE t (x) STRICT; CREATE TABLE t (y);' },
    ];
    expect(() => migrate(db, bad)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 't'").get()).toEqual({
      n: 0,
    });
    db.pragma('user_version = 99');
    expect(() => migrate(db, bundledMigrations())).toThrow(/newer than this app/);
  });
});

describe('session store', () => {
  it('keeps the session, filter and sync token, and a soft logout until the next sign-in', () => {
    const db = openDb(':memory:');
    const s = new SessionStore(db);
    expect(s.get()).toBeUndefined();
    s.create({ userId: '@a:x', deviceId: 'DEV', homeserver: 'http://x' });
    s.setFilterId('7');
    s.setSyncToken('s42');
    s.markSoftLoggedOut();
    expect(s.get()).toMatchObject({
      userId: '@a:x',
      softLoggedOut: true,
      filterId: '7',
      syncToken: 's42',
    });
    s.create({ userId: '@a:x', deviceId: 'DEV', homeserver: 'http://x' });
    expect(s.get()).toMatchObject({ softLoggedOut: false, syncToken: 's42' });
    expect(s.legacyAccessToken()).toBeUndefined();
  });

  it('clears the token an older version stored, and wipes its bytes from the files', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'db-')), 'a.sqlite');
    const token = 'syt_legacy_token_0123456789';
    const db = openDb(path);
    const s = new SessionStore(db);
    s.create({ userId: '@a:x', deviceId: 'DEV', homeserver: 'http://x' });
    // As the old code wrote it, and rewrote the row many times since (every sync token).
    db.prepare('UPDATE session SET access_token = ?').run(token);
    for (let i = 0; i < 20; i++) s.setSyncToken(`s${i}`);
    db.pragma('wal_checkpoint(PASSIVE)');
    s.setSyncToken('s-last');
    const holds = () =>
      ['', '-wal'].some((x) => existsSync(path + x) && readFileSync(path + x).includes(token));
    expect(holds()).toBe(true);
    expect(s.legacyAccessToken()).toBe(token);

    s.clearLegacyAccessToken('another token'); // changed meanwhile: left alone
    expect(s.legacyAccessToken()).toBe(token);
    s.clearLegacyAccessToken(token);
    expect(s.legacyAccessToken()).toBeUndefined();
    expect(s.get()).toMatchObject({ userId: '@a:x', syncToken: 's-last', softLoggedOut: false });
    expect(holds()).toBe(false);
    db.close();
    expect(holds()).toBe(false);
  });
});

describe('file permissions', () => {
  const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

  it('creates the database and its WAL files 0600, and tightens existing ones', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'db-')), 'a.sqlite');
    const first = openDb(path);
    first.prepare('CREATE TABLE t (x INTEGER) STRICT').run();
    expect([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual(['600', '600', '600']);
    // Left by an older version while still open (as after a crash): tightened on open.
    for (const f of [path, `${path}-wal`, `${path}-shm`]) chmodSync(f, 0o644);
    const second = openDb(path);
    expect([mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual(['600', '600', '600']);
    second.close();
    first.close();
  });
});
