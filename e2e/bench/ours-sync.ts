/**
 * Benchmark child: our core (`createCore`) signs in as the bench user with a fresh device on an
 * empty data dir (`account.login` through `handle()`, as the renderer would) and is ready once
 * the first sync response is committed: `sync.status` ok, then `rooms.changed` with the rooms.
 * Prints one `BENCH_RESULT` line (see metrics.ts).
 *
 * Afterwards, outside the measurement, it pages back a few rooms to 50 items so the cold-start
 * child (`ours-cold.ts`) finds full 50-event pages in the cache, as after a user scrolled them.
 *
 * `node --import tsx e2e/bench/ours-sync.ts --url URL --user NAME --password PW --data DIR`
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreApi } from '../../src-main/ipc/core-api';
import { createCore } from '../../src-main/core/core';
import { SYNC_FILTER } from '../../src-main/protocol/sync';
import {
  argValue,
  cpuSeconds,
  emitResult,
  muteConsole,
  peakRssMb,
  targetFromArgs,
  type SyncMetrics,
} from './metrics';
import { call, PAGE_SIZE, pickRooms } from './ours-shared';

const kept = muteConsole();
const READY_TIMEOUT_MS = 10 * 60_000;

/** Resolves once a sync response has been committed and its rooms pushed. */
function firstSync(core: CoreApi): Promise<void> {
  return new Promise((resolve, reject) => {
    let ok = false;
    const timer = setTimeout(() => done(new Error('no sync within 10 minutes')), READY_TIMEOUT_MS);
    const done = (err?: Error) => {
      clearTimeout(timer);
      off();
      if (err) reject(err);
      else resolve();
    };
    const off = core.onEvent((e) => {
      if (e.type === 'sync.status') {
        if (e.data.state === 'ok') ok = true;
        else if (e.data.state === 'stopped') done(new Error(`sync stopped: ${e.data.reason}`));
      } else if (e.type === 'rooms.changed' && ok && e.data.rooms.length > 0) done();
    });
  });
}

/** Timeline + state events held, counted in the account database (read-only, WAL). */
function countEvents(dataDir: string): number {
  const accounts = join(dataDir, 'accounts');
  const dir = readdirSync(accounts).find((d) => existsSync(join(accounts, d, 'account.sqlite')));
  if (!dir) throw new Error(`no account database under ${accounts}`);
  const db = new Database(join(accounts, dir, 'account.sqlite'), { readonly: true });
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return count('timeline') + count('room_state');
  } finally {
    db.close();
  }
}

/** Pages each chosen room back until the cache holds a full page of visible items. */
async function fillPages(core: CoreApi): Promise<void> {
  const { rooms } = await call(core, 'rooms.list', {});
  for (const roomId of pickRooms(rooms.map((r) => r.roomId))) {
    let page = await call(core, 'timeline.open', { roomId, limit: PAGE_SIZE });
    let held = page.items.length;
    for (let round = 0; round < 5 && held < PAGE_SIZE && page.hasMoreBefore; round++) {
      const before = page.items[0]?.eventId;
      if (!before) break;
      page = await call(core, 'timeline.paginate', { roomId, before, limit: PAGE_SIZE });
      if (page.items.length === 0) break;
      held += page.items.length;
    }
  }
}

async function run(): Promise<SyncMetrics> {
  const target = targetFromArgs();
  const dataDir = argValue('--data');
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const core = await createCore({ dataDir, appVersion: 'bench' });
  const ready = firstSync(core);
  await call(core, 'account.login', {
    server: target.url,
    username: target.user,
    password: target.password,
    deviceName: 'LightMatrix bench',
  });
  await ready;
  const syncWall = (performance.now() - wall0) / 1000;
  const syncCpu = cpuSeconds(process.cpuUsage(cpu0));
  const wall = performance.now() / 1000;
  const cpu = cpuSeconds(process.cpuUsage());
  const rss = peakRssMb();
  const warnings = kept.count;
  const { rooms } = await call(core, 'rooms.list', {});
  const events = countEvents(dataDir);
  await fillPages(core);
  await core.close();
  return {
    side: 'LightMatrix',
    cpuSeconds: cpu,
    syncCpuSeconds: syncCpu,
    wallSeconds: wall,
    syncWallSeconds: syncWall,
    peakRssMb: rss,
    rooms: rooms.filter((r) => r.membership === 'join').length,
    eventsIngested: events,
    eventsPerSecond: events / syncWall,
    warnings,
    timelineLimit: SYNC_FILTER.room.timeline.limit,
    note:
      'createCore + account.login through handle(); ready = first sync committed ' +
      '(sync.status ok, then rooms.changed)',
  };
}

run().then(
  (result) => {
    emitResult(result);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`ours-sync failed: ${String(err)}\n${kept.recent.join('\n')}\n`);
    process.exit(1);
  },
);
