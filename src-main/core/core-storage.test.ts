/**
 * The core over damaged or hostile local storage: a corrupt account database, the permissions
 * of what it writes, a disk that refuses writes at start; through the real core and the test
 * homeserver.
 */
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import { accountDirName } from '../services/account-registry';
import type { CoreTuning } from './core';
import {
  bodies,
  call,
  FAST,
  next,
  seedMessages,
  seedRoom,
  sendAs,
  signIn,
  startCore,
  tempDir,
  useCleanups,
} from '../testing/core-harness';

const cleanup = useCleanups();
const GARBAGE = 'This is not an SQLite database. '.repeat(512);

describe('core: a corrupt account database', () => {
  it('is set aside with a notice, and signing in again starts fresh', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const bob = await register(hs.url, 'bob');
    const alice = await register(hs.url, 'alice');
    const roomId = await seedRoom(hs.url, bob.userId, [alice.userId], 'Still here');
    const dataDir = tempDir();
    const first = await startCore(dataDir);
    await signIn(first, hs.url, 'alice');
    await first.close();

    const dir = join(dataDir, 'accounts', accountDirName(alice.userId));
    writeFileSync(join(dir, 'account.sqlite'), GARBAGE);
    const core = await startCore(dataDir);
    cleanup(() => core.close());
    const listed = await call(core, 'account.list', {});
    expect(listed.accounts).toEqual([]);
    expect(listed.notices).toEqual([
      { userId: alice.userId, message: expect.stringMatching(/could not be read.*sign in again/i) },
    ]);
    // The notice survives a restart until the user signs in again.
    await core.close();
    const again = await startCore(dataDir);
    cleanup(() => again.close());
    expect((await call(again, 'account.list', {})).notices).toHaveLength(1);

    await signIn(again, hs.url, 'alice');
    const rooms = (await call(again, 'rooms.list', {})).rooms;
    expect(rooms.map((r) => r.roomId)).toEqual([roomId]);
    const after = await call(again, 'account.list', {});
    expect(after.accounts.map((a) => a.userId)).toEqual([alice.userId]);
    expect(after.notices ?? []).toEqual([]);
    const aside = readdirSync(dir).filter((f) => /^account\.sqlite\.corrupt-\d{8}T\d{6}Z?/.test(f));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(GARBAGE);
    expect(existsSync(join(dir, 'account.sqlite'))).toBe(true);
  });
});

describe('core: file permissions', () => {
  /** The permission bits of every folder and file of the data dir, by relative path. */
  function modes(dataDir: string, userId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of Object.keys(expected(userId))) {
      out[p] = (statSync(join(dataDir, p)).mode & 0o777).toString(8);
    }
    return out;
  }
  function expected(userId: string): Record<string, string> {
    const dir = join('accounts', accountDirName(userId));
    return {
      '.': '700',
      accounts: '700',
      [dir]: '700',
      'accounts.json': '600',
      [join(dir, 'account.sqlite')]: '600',
      [join(dir, 'account.sqlite-wal')]: '600',
      [join(dir, 'account.sqlite-shm')]: '600',
    };
  }

  it('keeps folders 0700 and files 0600, and tightens those of an existing install', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const alice = await register(hs.url, 'alice');
    const dataDir = join(tempDir(), 'data');
    const core = await startCore(dataDir);
    cleanup(() => core.close());
    await signIn(core, hs.url, 'alice');
    expect(modes(dataDir, alice.userId)).toEqual(expected(alice.userId));
    await core.close();

    // As an older version left them. SQLite removes the WAL files on a clean close; that those
    // a crash leaves behind are tightened too is checked in db.test.ts.
    const dir = join('accounts', accountDirName(alice.userId));
    for (const p of ['.', 'accounts', dir]) chmodSync(join(dataDir, p), 0o755);
    for (const p of ['accounts.json', join(dir, 'account.sqlite')]) {
      chmodSync(join(dataDir, p), 0o644);
    }
    const again = await startCore(dataDir);
    cleanup(() => again.close());
    expect(modes(dataDir, alice.userId)).toEqual(expected(alice.userId));
  });
});

describe('core: a disk that refuses writes at start', () => {
  it('starts from the cache, says why it does not sync, and rewrites the registry only when it changed', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const bob = await register(hs.url, 'bob');
    const alice = await register(hs.url, 'alice');
    const roomId = await seedRoom(hs.url, bob.userId, [alice.userId], 'Cached');
    await seedMessages(hs.url, roomId, bob.userId, 5, 'Cached');
    const dataDir = tempDir();
    const first = await startCore(dataDir);
    await signIn(first, hs.url, 'alice');
    await first.close();

    let writes = 0;
    const full: CoreTuning = {
      ...FAST,
      writeRegistry: () => {
        writes++;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
          code: 'ENOSPC',
        });
      },
    };
    // Nothing changed: the registry is not written at all, and the account syncs as usual.
    const unchanged = await startCore(dataDir, full);
    expect(writes).toBe(0);
    expect((await call(unchanged, 'account.list', {})).active).toBe(alice.userId);
    await unchanged.close();

    // The registry was lost: rebuilt from the databases, it must be written, and cannot be.
    rmSync(join(dataDir, 'accounts.json'));
    const core = await startCore(dataDir, full);
    cleanup(() => core.close());
    expect(writes).toBe(1);
    const { rooms } = await call(core, 'rooms.list', {});
    expect(rooms.map((r) => r.name)).toEqual(['Cached']);
    const page = await call(core, 'timeline.open', { roomId, limit: 10 });
    expect(bodies(page.items)).toEqual([
      'Cached 1',
      'Cached 2',
      'Cached 3',
      'Cached 4',
      'Cached 5',
    ]);
    expect(await call(core, 'sync.status', {})).toEqual({
      state: 'stopped',
      reason: expect.stringMatching(/cannot save.*disk is full.*saved messages/i),
    });
  });
});

describe('core: a disk that fills while syncing', () => {
  it('says this computer cannot save (not that the server has trouble), then catches up', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const bob = await register(hs.url, 'bob');
    const alice = await register(hs.url, 'alice');
    const roomId = await seedRoom(hs.url, bob.userId, [alice.userId], 'Busy');
    const core = await startCore(tempDir());
    cleanup(() => core.close());
    await signIn(core, hs.url, 'alice'); // the first sync is committed

    const full = vi.spyOn(core.session.stores.session, 'setSyncToken').mockImplementation(() => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    });
    const failing = next(core, 'sync.status', (e) => e.data.state === 'erroring');
    await sendAs(hs.url, bob, roomId, 'm.room.message', { msgtype: 'm.text', body: 'While full' });
    expect((await failing).data).toMatchObject({ reason: 'the disk is full', local: true });
    expect(bodies((await call(core, 'timeline.open', { roomId, limit: 10 })).items)).not.toContain(
      'While full',
    );

    const recovered = next(core, 'sync.status', (e) => e.data.state === 'ok');
    full.mockRestore();
    await recovered;
    expect(bodies((await call(core, 'timeline.open', { roomId, limit: 10 })).items)).toContain(
      'While full',
    );
  });
});
