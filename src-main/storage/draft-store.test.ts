import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bundledMigrations, migrate, openDb } from './db';
import { DraftStore } from './draft-store';

describe('draft store', () => {
  it('keeps a draft per room, replaces it, and removes an empty one', () => {
    const drafts = new DraftStore(openDb(':memory:'));
    expect(drafts.get('!a:x')).toBeUndefined();
    drafts.set('!a:x', { text: 'hello', pills: [{ offset: 0, length: 5, userId: '@h:x' }] });
    drafts.set('!b:x', { text: '', replyTo: '$e' });
    expect(drafts.get('!a:x')).toEqual({
      text: 'hello',
      pills: [{ offset: 0, length: 5, userId: '@h:x' }],
    });
    expect(drafts.get('!b:x')).toEqual({ text: '', replyTo: '$e' });
    drafts.set('!a:x', { text: 'hello again' });
    expect(drafts.get('!a:x')).toEqual({ text: 'hello again' });
    drafts.set('!a:x', { text: '' });
    expect(drafts.get('!a:x')).toBeUndefined();
    drafts.set('!b:x', undefined);
    expect(drafts.get('!b:x')).toBeUndefined();
  });

  it('reads a damaged row as no draft', () => {
    const db = openDb(':memory:');
    db.prepare("INSERT INTO drafts (room_id, draft, updated_ts) VALUES ('!a:x', '{oops', 1)").run();
    db.prepare("INSERT INTO drafts (room_id, draft, updated_ts) VALUES ('!b:x', '[1]', 1)").run();
    const drafts = new DraftStore(db);
    expect(drafts.get('!a:x')).toBeUndefined();
    expect(drafts.get('!b:x')).toBeUndefined();
  });

  it('is added by its migration to a database of the version before', () => {
    const db = new Database(':memory:');
    const all = bundledMigrations();
    const own = all.findIndex((m) => m.name.endsWith('_composer_drafts.sql'));
    migrate(db, all.slice(0, own));
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE name = 'drafts'").get(),
    ).toBeUndefined();
    migrate(db, all);
    new DraftStore(db).set('!a:x', { text: 'kept' });
    expect(new DraftStore(db).get('!a:x')).toEqual({ text: 'kept' });
  });
});
