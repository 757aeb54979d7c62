/**
 * Benchmark child: matrix-js-sdk (Element's engine) logs in as the bench user with a fresh
 * device, runs `startClient({ lazyLoadMembers: true })` with its defaults otherwise (memory
 * store, no crypto) and stops at the first `PREPARED` sync state. Prints one `BENCH_RESULT`
 * line (see metrics.ts).
 *
 * `--crypto` turns its Rust crypto on first (`initRustCrypto({ useIndexedDB: false })`, js-sdk's
 * own copy of the wasm, as it configures it: its tracing on at debug level): the device's keys
 * are then kept in memory only, where our core writes its crypto store.
 *
 * `node --import tsx e2e/bench/jssdk-sync.ts --url URL --user NAME --password PW
 * [--initial-sync-limit N] [--crypto]` (js-sdk's default limit is 8 events per room).
 */
import loglevel from 'loglevel';
import { ClientEvent, createClient, SyncState, type MatrixClient } from 'matrix-js-sdk';
import {
  argValue,
  cpuSeconds,
  emitResult,
  muteConsole,
  peakRssMb,
  targetFromArgs,
  type SyncMetrics,
} from './metrics';

/** js-sdk's `initialSyncLimit` when none is given (lib/sync.js). */
const DEFAULT_INITIAL_SYNC_LIMIT = 8;

const kept = muteConsole();
// js-sdk logs through loglevel: drop everything below warn in every logger (existing ones, and
// those made later, which copy the root's or their parent's factory); warnings and errors go to
// the muted console, which counts them.
const quiet: loglevel.MethodFactory = (method) =>
  method === 'warn' || method === 'error' ? (...args) => console.warn(...args) : () => {};
for (const l of [loglevel, ...Object.values(loglevel.getLoggers())]) {
  l.methodFactory = quiet;
  l.rebuild();
}

/** Timeline + state events held in the client's store, over all rooms. */
function countEvents(client: MatrixClient): { rooms: number; events: number } {
  let events = 0;
  let rooms = 0;
  for (const room of client.getRooms()) {
    if (room.getMyMembership() !== 'join') continue;
    rooms++;
    events += room.getLiveTimeline().getEvents().length;
    for (const byKey of room.currentState.events.values()) events += byKey.size;
  }
  return { rooms, events };
}

async function run(): Promise<SyncMetrics> {
  const target = targetFromArgs();
  const limitArg = argValue('--initial-sync-limit', '');
  const crypto = process.argv.includes('--crypto');
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const anon = createClient({ baseUrl: target.url });
  const login = await anon.loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: target.user },
    password: target.password,
    initial_device_display_name: 'js-sdk bench',
  });
  const client = createClient({
    baseUrl: target.url,
    userId: login.user_id,
    deviceId: login.device_id,
    accessToken: login.access_token,
  });
  if (crypto) await client.initRustCrypto({ useIndexedDB: false });
  const prepared = new Promise<void>((resolve, reject) => {
    client.on(ClientEvent.Sync, (state, _prev, data) => {
      if (state === SyncState.Prepared) resolve();
      else if (state === SyncState.Error) reject(data?.error ?? new Error('sync error'));
    });
  });
  await client.startClient(
    limitArg ? { lazyLoadMembers: true, initialSyncLimit: Number(limitArg) } : { lazyLoadMembers: true },
  );
  await prepared;
  const syncWall = (performance.now() - wall0) / 1000;
  const syncCpu = cpuSeconds(process.cpuUsage(cpu0));
  const wall = performance.now() / 1000;
  const cpu = cpuSeconds(process.cpuUsage());
  const rss = peakRssMb();
  const warnings = kept.count;
  const { rooms, events } = countEvents(client);
  client.stopClient();
  return {
    side: crypto ? 'matrix-js-sdk + Rust crypto' : 'matrix-js-sdk',
    cpuSeconds: cpu,
    syncCpuSeconds: syncCpu,
    wallSeconds: wall,
    syncWallSeconds: syncWall,
    peakRssMb: rss,
    rooms,
    eventsIngested: events,
    eventsPerSecond: events / syncWall,
    warnings,
    timelineLimit: limitArg ? Number(limitArg) : DEFAULT_INITIAL_SYNC_LIMIT,
    note:
      'matrix-js-sdk 37.5.0, MemoryStore, ' +
      (crypto ? 'Rust crypto (keys in memory), ' : 'no crypto, ') +
      'lazyLoadMembers' +
      `${limitArg ? `, initialSyncLimit ${limitArg}` : ''}, ready = first PREPARED`,
  };
}

run().then(
  (result) => {
    emitResult(result);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`jssdk-sync failed: ${String(err)}\n${kept.recent.join('\n')}\n`);
    process.exit(1);
  },
);
