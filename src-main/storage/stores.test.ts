import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bundledMigrations, migrate } from './db';
import { memStores } from '../testing/storage-fixtures';

const R = '!r:example.org';

describe('migration 002', () => {
  it('upgrades a v1 database with rooms in it', () => {
    const db = new Database(':memory:');
    const all = bundledMigrations();
    migrate(db, all.slice(0, 1));
    db.prepare("INSERT INTO rooms (room_id, membership, name) VALUES ('!a:x', 'join', 'A')").run();
    expect(migrate(db, all)).toBe(all.at(-1)!.version);
    expect(db.prepare('SELECT tags, marked_unread FROM rooms').get()).toEqual({
      tags: '{}',
      marked_unread: 0,
    });
    const idx = db.prepare("SELECT name FROM sqlite_master WHERE name = 'relations_room'").get();
    expect(idx).toBeDefined();
  });
});

describe('queue store', () => {
  it('keeps entries in created order, updates state and finds by transaction id', () => {
    const s = memStores();
    const base = { roomId: R, kind: 'message' as const, eventType: 'm.room.message', attempts: 0 };
    s.queue.insert({
      ...base,
      localId: 'b',
      txnId: 'tb',
      content: { body: 'b' },
      state: 'pending',
      createdTs: 2,
    });
    s.queue.insert({
      ...base,
      localId: 'a',
      txnId: 'ta',
      content: { body: 'a' },
      state: 'pending',
      createdTs: 1,
    });
    s.queue.insert({
      ...base,
      localId: 'c',
      txnId: 'tc',
      content: {},
      kind: 'reaction',
      targetEventId: '$t',
      state: 'pending',
      createdTs: 3,
    });
    expect(s.queue.listPending().map((q) => q.localId)).toEqual(['a', 'b', 'c']);
    expect(s.queue.update('a', { state: 'failed', error: 'M_FORBIDDEN', attempts: 1 })).toBe(true);
    expect(s.queue.nextPending()?.localId).toBe('b');
    expect(s.queue.get('a')).toMatchObject({ state: 'failed', error: 'M_FORBIDDEN', attempts: 1 });
    s.queue.update('a', { state: 'pending', error: null });
    expect(s.queue.get('a')?.error).toBeUndefined();
    s.queue.update('b', { state: 'sent', eventId: '$sent' });
    expect(s.queue.byTxnId('tb')).toMatchObject({
      state: 'sent',
      eventId: '$sent',
      content: { body: 'b' },
    });
    expect(s.queue.get('c')?.targetEventId).toBe('$t');
    s.queue.delete('b');
    expect(s.queue.list().map((q) => q.localId)).toEqual(['a', 'c']);
    expect(s.queue.update('zzz', { state: 'failed' })).toBe(false);
    expect(() =>
      s.queue.insert({
        ...base,
        localId: 'd',
        txnId: 'ta',
        content: {},
        state: 'pending',
        createdTs: 4,
      }),
    ).toThrow();
  });
});

describe('small stores', () => {
  it('receipts keep the latest per user, type and thread', () => {
    const s = memStores();
    s.receipts.set({ roomId: R, type: 'm.read', userId: '@a:x', eventId: '$1', ts: 1 });
    s.receipts.set({ roomId: R, type: 'm.read', userId: '@a:x', eventId: '$2', ts: 2 });
    s.receipts.set({ roomId: R, type: 'm.read.private', userId: '@a:x', eventId: '$3', ts: 3 });
    expect(s.receipts.get(R, '@a:x')).toMatchObject({ eventId: '$2', threadId: '' });
    expect(s.receipts.forRoom(R)).toHaveLength(1);
    expect(s.receipts.forEvents(R, ['$3']).map((r) => r.type)).toEqual(['m.read.private']);
  });

  it('account data global and per room; to-device consumed in order', () => {
    const s = memStores();
    s.accountData.set('', 'm.direct', { '@a:x': [R] });
    s.accountData.set(R, 'm.tag', { tags: {} });
    expect(s.accountData.get('', 'm.direct')).toEqual({ '@a:x': [R] });
    expect([...s.accountData.list(R).keys()]).toEqual(['m.tag']);
    s.cryptoInbox.addToDevice([
      { type: 'a', sender: '@a:x', content: {} },
      { type: 'b', sender: '@a:x', content: {} },
    ]);
    const [first] = s.cryptoInbox.toDevice();
    s.cryptoInbox.ackToDevice(first!.id);
    expect(s.cryptoInbox.toDevice().map((t) => t.type)).toEqual(['b']);
  });
});

describe('event store: undecryptable events', () => {
  const utd = (eventId: string, sessionId: string) => ({
    event_id: eventId,
    type: 'm.room.encrypted',
    sender: '@a:x',
    origin_server_ts: 1,
    content: { algorithm: 'm.megolm.v1.aes-sha2', session_id: sessionId, ciphertext: eventId },
    e2ee: {
      info: { state: 'undecryptable' as const, reason: 'missing_key' as const },
      ciphertext: { session_id: sessionId, ciphertext: eventId },
      sessionId,
    },
  });

  it('lists one held event of each session that has any', () => {
    const s = memStores();
    for (const [id, session] of [
      ['$a1', 'A'],
      ['$a2', 'A'],
      ['$b1', 'B'],
    ])
      s.events.insert(R, utd(id!, session!));
    const per = s.events.undecryptedPerSession();
    expect(per.map((p) => p.sessionId).sort()).toEqual(['A', 'B']);
    for (const { sessionId, event } of per) {
      expect(event.e2ee?.sessionId).toBe(sessionId);
      expect(event.roomId).toBe(R);
    }
    s.events.setDecrypted(
      '$b1',
      'm.room.message',
      { body: 'b' },
      {
        ...utd('$b1', 'B').e2ee,
        info: { state: 'decrypted', shield: 'verified' },
      },
    );
    expect(s.events.undecryptedPerSession().map((p) => p.sessionId)).toEqual(['A']);
  });
});
