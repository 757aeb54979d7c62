/**
 * kill -9 during sync ingest: a child process runs the real core on a data dir and is killed at
 * random moments of its syncs; the database must stay sound, lose and duplicate nothing that was
 * committed, keep its sync token in step with its data, and a fresh core must resume from it.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { accessTokenSecret, openFileSecretStore, SECRETS_FILE } from '../storage/secret-store';
import {
  api,
  register,
  startTestServer,
  type TestUser,
} from '../../e2e/homeserver/testing/helpers';
import {
  call,
  next,
  seedMessages,
  seedRoom,
  serverHistory,
  startCore,
  tempDir,
  useCleanups,
  wholeTimeline,
} from '../testing/core-harness';

const cleanup = useCleanups();
const CHILD = fileURLToPath(new URL('../testing/crash-child.ts', import.meta.url));
const ROOMS = 40;
const KILLS = 5;

type Child = { proc: ChildProcess; waitFor: (line: string) => Promise<number> };

/** Starts the child core on `dataDir`; `waitFor` resolves with the time a line appeared. */
function spawnChild(dataDir: string, url: string, user: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, url, user], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup(() => void proc.kill('SIGKILL'));
  const seen = new Map<string, number>();
  const waiters: { line: string; resolve: (t: number) => void }[] = [];
  let buffered = '';
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (!seen.has(line)) seen.set(line, Date.now());
      for (const w of waiters.filter((x) => x.line === line)) w.resolve(seen.get(line)!);
    }
  });
  const exited = new Promise<never>((_, reject) =>
    proc.on('exit', (code, signal) =>
      reject(new Error(`child exited (${code ?? signal}) before the line: ${stderr}`)),
    ),
  );
  return {
    proc,
    waitFor: (line) =>
      seen.has(line)
        ? Promise.resolve(seen.get(line)!)
        : Promise.race([new Promise<number>((resolve) => waiters.push({ line, resolve })), exited]),
  };
}

function kill(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return resolve();
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGKILL');
  });
}

function accountDb(dataDir: string): string {
  const root = join(dataDir, 'accounts');
  const dir = readdirSync(root).find((d) => existsSync(join(root, d, 'account.sqlite')));
  if (!dir) throw new Error(`no account database under ${root}`);
  return join(root, dir, 'account.sqlite');
}

type Snapshot = {
  integrity: string;
  orphans: number;
  token?: string;
  filterId?: string;
  held: Set<string>;
  /** The newest event of each room's live chunk. */
  liveEnd: Map<string, string>;
};

/** Before the first run: nothing on disk. */
function snapshot0(): Snapshot {
  return { integrity: 'ok', orphans: 0, held: new Set(), liveEnd: new Map() };
}

/** What the killed child left on disk (opening it recovers the WAL, as the app would). */
function snapshot(dataDir: string): Snapshot {
  const db = new Database(accountDb(dataDir));
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const orphans = db
      .prepare(
        'SELECT count(*) AS n FROM timeline t LEFT JOIN events e USING (event_id) WHERE e.event_id IS NULL',
      )
      .get() as { n: number };
    const s = db.prepare('SELECT sync_token, filter_id FROM session').get() as
      { sync_token: string | null; filter_id: string | null } | undefined;
    const held = new Set(
      (db.prepare('SELECT event_id FROM timeline').all() as { event_id: string }[]).map(
        (r) => r.event_id,
      ),
    );
    const ends = db
      .prepare(
        `SELECT t.room_id, t.event_id FROM timeline t JOIN chunks c ON c.chunk_id = t.chunk_id
         WHERE c.is_live = 1 AND t.ord = (SELECT max(ord) FROM timeline WHERE chunk_id = c.chunk_id)`,
      )
      .all() as { room_id: string; event_id: string }[];
    return {
      integrity,
      orphans: orphans.n,
      token: s?.sync_token ?? undefined,
      filterId: s?.filter_id ?? undefined,
      held,
      liveEnd: new Map(ends.map((r) => [r.room_id, r.event_id])),
    };
  } finally {
    db.close();
  }
}

/** The access token the killed child kept (in the secret store of its data dir). */
async function storedAccessToken(dataDir: string, userId: string): Promise<string | undefined> {
  const secrets = openFileSecretStore(join(dataDir, SECRETS_FILE));
  const token = await secrets.get(accessTokenSecret(userId));
  return token && new TextDecoder().decode(token);
}

/**
 * The sync token matches the data: a sync from it re-delivers nothing held, and where it is not
 * limited it continues right after the held live end (nothing skipped).
 */
async function checkToken(
  url: string,
  snap: Snapshot,
  accessToken: string | undefined,
  reader: TestUser,
  rooms: string[],
) {
  if (!snap.token) return;
  const q = new URLSearchParams({ since: snap.token, timeout: '0', filter: snap.filterId ?? '' });
  const r = await api(url, 'GET', `/_matrix/client/v3/sync?${q}`, undefined, accessToken);
  expect(r.status).toBe(200);
  const joined = (r.body.rooms?.join ?? {}) as Record<
    string,
    { timeline: { events: { event_id: string }[]; limited?: boolean } }
  >;
  for (const roomId of rooms) {
    const events = joined[roomId]?.timeline.events ?? [];
    expect(events.filter((e) => snap.held.has(e.event_id))).toEqual([]);
    if (joined[roomId]?.timeline.limited) continue;
    const history = (await serverHistory(url, reader, roomId)).map((e) => e.event_id);
    const end = history.indexOf(snap.liveEnd.get(roomId)!);
    expect(end).toBeGreaterThanOrEqual(0);
    expect(events.map((e) => e.event_id)).toEqual(history.slice(end + 1));
  }
}

describe('core: kill -9 during sync ingest', () => {
  it('keeps the database sound and resumes without losing or repeating events', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const bob = await register(hs.url, 'bob');
    const alice = await register(hs.url, 'alice');
    const carol = await register(hs.url, 'carol');
    const rooms: string[] = [];
    for (let i = 0; i < ROOMS; i++) {
      const roomId = await seedRoom(hs.url, bob.userId, [alice.userId, carol.userId], `R${i}`);
      await seedMessages(hs.url, roomId, bob.userId, 100, `R${i} seed`);
      rooms.push(roomId);
    }

    // How long parsing and ingesting an initial sync of this size takes here (carol's twin).
    const probe = spawnChild(tempDir(), hs.url, 'carol');
    const probeBody = await probe.waitFor('sync-body');
    let window = (await probe.waitFor('status ok')) - probeBody;
    await kill(probe);

    const dataDir = tempDir();
    let previous = snapshot0();
    let midIngest = 0;
    for (let k = 0; k < KILLS; k++) {
      if (k > 0) {
        for (const roomId of rooms) await seedMessages(hs.url, roomId, bob.userId, 30, `k${k}`);
      }
      const child = spawnChild(dataDir, hs.url, 'alice');
      const bodyAt = await child.waitFor('sync-body');
      // A random moment between the reply's arrival and (a little after) its commit.
      const delay = Math.random() * window * 1.2;
      await new Promise((r) => setTimeout(r, Math.max(0, bodyAt + delay - Date.now())));
      await kill(child);

      const snap = snapshot(dataDir);
      expect(snap.integrity).toBe('ok');
      expect(snap.orphans).toBe(0);
      // What an earlier run committed is still there.
      expect([...previous.held].filter((id) => !snap.held.has(id))).toEqual([]);
      await checkToken(hs.url, snap, await storedAccessToken(dataDir, alice.userId), bob, rooms);
      if (snap.token === previous.token) midIngest++;
      else window = Math.max(2, delay * 0.7); // it had committed: aim earlier next time
      previous = snap;
    }
    // Most kills hit the ingest itself (the rest landed just after a commit).
    expect(midIngest).toBeGreaterThan(0);

    const core = await startCore(dataDir);
    cleanup(() => core.close());
    await next(core, 'sync.status', (e) => e.data.state === 'ok', { afterSeq: 0 });
    expect((await call(core, 'rooms.list', {})).rooms.map((r) => r.roomId).sort()).toEqual(
      [...rooms].sort(),
    );
    for (const roomId of rooms) {
      const cached = (await wholeTimeline(core, roomId, 100)).map((i) => i.eventId);
      const server = (await serverHistory(hs.url, bob, roomId)).map((e) => e.event_id);
      expect(cached).toEqual(server);
    }
    await core.close();
    expect(snapshot(dataDir).integrity).toBe('ok');
  });
});
