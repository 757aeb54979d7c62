/**
 * Benchmark child: our cold start, in a fresh process over the data dir `ours-sync.ts` filled,
 * with the homeserver gone (cache only).
 *
 * - room list: from calling `createCore` (which opens the account's stores) to holding every
 *   room from `rooms.list` through the core's `handle()`;
 * - timeline page: `timeline.open` of 50 items through `handle()` (contract `TimelineItem[]`,
 *   i.e. up to the IPC boundary), once in each of 20 different rooms; the median is reported.
 *
 * `node --import tsx e2e/bench/ours-cold.ts --data DIR`
 */
import { createCore } from '../../src-main/core/core';
import {
  argValue,
  emitResult,
  median,
  muteConsole,
  peakRssMb,
  type ColdStartMetrics,
} from './metrics';
import { call, PAGE_SIZE, pickRooms } from './ours-shared';

const kept = muteConsole();

async function run(): Promise<ColdStartMetrics> {
  const dataDir = argValue('--data');
  const t0 = performance.now();
  const core = await createCore({ dataDir, appVersion: 'bench' });
  const { rooms } = await call(core, 'rooms.list', {});
  const listed = performance.now();
  const roomListMs = listed - t0;
  if (rooms.length === 0) throw new Error('the cache holds no rooms');

  const times: number[] = [];
  let items = 0;
  for (const roomId of pickRooms(rooms.map((r) => r.roomId))) {
    const t = performance.now();
    const page = await call(core, 'timeline.open', { roomId, limit: PAGE_SIZE });
    times.push(performance.now() - t);
    items += page.items.length;
  }
  const rss = peakRssMb();
  await core.close();
  return {
    side: 'LightMatrix',
    roomListMs,
    processToRoomListMs: listed,
    rooms: rooms.length,
    timelinePageMedianMs: median(times),
    timelinePageMinMs: Math.min(...times),
    timelinePageMaxMs: Math.max(...times),
    timelineRuns: times.length,
    pageSize: PAGE_SIZE,
    meanItems: items / times.length,
    peakRssMb: rss,
    note: 'createCore → rooms.list, then timeline.open, through handle(); homeserver stopped',
  };
}

run().then(
  (result) => {
    emitResult(result);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`ours-cold failed: ${String(err)}\n${kept.recent.join('\n')}\n`);
    process.exit(1);
  },
);
