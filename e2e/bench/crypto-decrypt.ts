/**
 * Benchmark child: decrypting 5,000 megolm-encrypted room events, in one process, twice:
 *
 * - raw: a bare `OlmMachine` of the app's wasm with its in-memory store, in a loop:
 *   `decryptRoomEvent(JSON of the event)` and reading the cleartext (`.event`);
 * - ours: our core's path, `CryptoService.decryptEvents` (→ `decryptInPlace`: cleartext parsed,
 *   relations put back, shield computed, the event rewritten in place), room by room, on a
 *   machine opened by `core/crypto-setup.ts` over the app's crypto store, whatever that is
 *   today (the figure follows the product).
 *
 * The events come from a real sender machine whose room keys reached both receivers as Olm
 * to-device messages (`megolm-fixture.ts`); all offline. Both sides first decrypt 100 warm-up
 * events of another room. While each side decrypts, the event loop's delay is watched
 * (`monitorEventLoopDelay`, and a 1 ms interval timer's worst gap; the stall is the larger).
 * Prints one `BENCH_RESULT` line (see metrics.ts).
 *
 * `node crypto-decrypt.mjs --data DIR [--events 5000] [--rooms 10]`
 */
import * as wasm from '@matrix-org/matrix-sdk-crypto-wasm';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MatrixApi } from '../../src-main/net/api';
import { HomeserverClient } from '../../src-main/net/http';
import type { RawEvent } from '../../src-main/protocol/events';
/* eslint-disable @typescript-eslint/no-restricted-imports -- this bench measures the core's
   decrypt path itself (CryptoService over the store crypto-setup opens); no entry reaches it */
import { CryptoSetup } from '../../src-main/core/crypto-setup';
import { CryptoService } from '../../src-main/services/crypto-service';
import { openFileSecretStore, SECRETS_FILE } from '../../src-main/storage/secret-store';
import { openAccountStores } from '../../src-main/storage/stores';
/* eslint-enable @typescript-eslint/no-restricted-imports */
import {
  KeyDirectory,
  RECEIVER,
  SENDER,
  encryptHistory,
  memoryMachine,
  roomIds,
} from './megolm-fixture';
import {
  argValue,
  cpuSeconds,
  emitResult,
  muteConsole,
  peakRssMb,
  type DecryptMetrics,
} from './metrics';

const kept = muteConsole();
const WARM_UP = 100;

type Events = Map<string, RawEvent[]>;

/**
 * One side's pass: wall and CPU seconds, how many decrypted, and the event loop's worst delay
 * as each watcher saw it: `monitorEventLoopDelay`'s max (which misses a block that covers the
 * whole pass: it needs a sample before it) and a 1 ms interval timer's worst gap.
 */
type Pass = {
  seconds: number;
  cpuSeconds: number;
  decrypted: number;
  loopDelayMaxMs: number;
  timerGapMs: number;
};

/** Runs `work` with the event loop watched; the watch ends after one more timer tick. */
async function watched(work: () => Promise<number>): Promise<Pass> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let gapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 1);
  h.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const decrypted = await work();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(process.cpuUsage(cpu0));
  // A stall at the very end is only seen once the timers run again.
  await new Promise((resolve) => setTimeout(resolve, 1));
  h.disable();
  clearInterval(timer);
  return { seconds, cpuSeconds: cpu, decrypted, loopDelayMaxMs: h.max / 1e6, timerGapMs: gapMs };
}

/** The raw loop: the bare wasm call for each event, the cleartext read across the boundary. */
async function decryptRaw(olm: wasm.OlmMachine, events: Events): Promise<number> {
  const settings = new wasm.DecryptionSettings(wasm.TrustRequirement.Untrusted);
  let decrypted = 0;
  for (const [roomId, list] of events) {
    const room = new wasm.RoomId(roomId);
    for (const ev of list) {
      const d = await olm.decryptRoomEvent(JSON.stringify(ev), room, settings);
      if (d.event.length > 0) decrypted++;
      d.free();
    }
    room.free();
  }
  settings.free();
  return decrypted;
}

/** Our core's path: `decryptEvents` per room, as the sync decrypt phase calls it. */
async function decryptOurs(crypto: CryptoService, events: Events): Promise<number> {
  let decrypted = 0;
  for (const [roomId, list] of events) {
    await crypto.decryptEvents(roomId, list);
    for (const ev of list) if (ev.e2ee?.info.state === 'decrypted') decrypted++;
  }
  return decrypted;
}

/** Our machine and its CryptoService, opened as `core/core.ts` opens them, with no network. */
async function openOurs(dataDir: string, log: (m: string) => void) {
  let attempts = 0;
  const client = new HomeserverClient({
    baseUrl: 'http://offline.invalid',
    accessToken: 'bench',
    maxRetries: 0,
    fetch: () => {
      attempts++;
      return Promise.reject(new Error('the decrypt bench has no network'));
    },
  });
  const secrets = openFileSecretStore(join(dataDir, SECRETS_FILE));
  const machine = await new CryptoSetup(log).open({
    userId: RECEIVER,
    deviceId: 'OURSDEVICE',
    dir: dataDir,
    api: new MatrixApi(client),
    secrets,
  });
  if (!machine) throw new Error(`crypto-setup could not open the store: ${kept.recent.join('; ')}`);
  const stores = openAccountStores(join(dataDir, 'account.sqlite'));
  const crypto = new CryptoService({
    machine,
    stores,
    userId: RECEIVER,
    members: () => Promise.resolve({ joined: [RECEIVER, SENDER], invited: [] }),
    onChanged: () => {},
    log,
  });
  return { crypto, stores, attempts: () => attempts };
}

/** Keys of every device uploaded, each receiver knowing the sender's device and vice versa. */
async function introduce(dir: KeyDirectory, machines: [wasm.OlmMachine, string, string][]) {
  for (const [olm, user, device] of machines) {
    dir.add(user, device, olm);
    await dir.drive(olm, user);
  }
  for (const [olm, user] of machines) {
    await olm.updateTrackedUsers([new wasm.UserId(user === SENDER ? RECEIVER : SENDER)]);
    await dir.drive(olm, user);
  }
}

/** A deep copy of every room's events (each side gets its own; ours rewrites them). */
function copy(events: Events): Events {
  return new Map([...events].map(([room, list]) => [room, structuredClone(list)]));
}

async function run(): Promise<DecryptMetrics> {
  const dataDir = argValue('--data');
  const total = Number(argValue('--events', '5000'));
  const roomCount = Number(argValue('--rooms', '10'));
  if (!(total > 0 && roomCount > 0 && total % roomCount === 0)) {
    throw new Error('--events must be a positive multiple of --rooms');
  }
  mkdirSync(dataDir, { recursive: true });
  const t0 = performance.now();
  const log = (m: string) => console.warn(m);
  const ours = await openOurs(dataDir, log);
  const store = (globalThis as { indexedDB?: object }).indexedDB?.constructor.name ?? 'none';
  const sender = await memoryMachine(SENDER, 'SENDERDEVICE');
  const raw = await memoryMachine(RECEIVER, 'RAWDEVICE');
  const dir = new KeyDirectory();
  await introduce(dir, [
    [sender, SENDER, 'SENDERDEVICE'],
    [raw, RECEIVER, 'RAWDEVICE'],
    [ours.crypto.machine.olm, RECEIVER, 'OURSDEVICE'],
  ]);
  const [warmRoom, ...rooms] = roomIds(roomCount + 1);
  const warm = await encryptHistory(dir, sender, [warmRoom!], WARM_UP);
  const events = await encryptHistory(dir, sender, rooms, total / roomCount);
  const sessions = new Set([...events.values()].flat().map((e) => e.content.session_id)).size;
  const setupSeconds = (performance.now() - t0) / 1000;

  await decryptRaw(raw, copy(warm));
  await decryptOurs(ours.crypto, copy(warm));
  const rawPass = await watched(() => decryptRaw(raw, copy(events)));
  const oursPass = await watched(() => decryptOurs(ours.crypto, copy(events)));
  for (const [side, pass] of [['raw', rawPass], ['ours', oursPass]] as const) {
    if (pass.decrypted !== total) throw new Error(`${side}: ${pass.decrypted} of ${total} decrypted`);
  }
  const rss = peakRssMb();
  await ours.crypto.close();
  ours.stores.close();
  raw.close();
  sender.close();
  const figures = { total, rooms: rooms.length, sessions, store, setupSeconds, rss };
  return metrics(figures, rawPass, oursPass, ours.attempts());
}

/** The result line's figures from both passes. */
function metrics(
  f: { total: number; rooms: number; sessions: number; store: string; setupSeconds: number; rss: number },
  raw: Pass,
  ours: Pass,
  networkAttempts: number,
): DecryptMetrics {
  return {
    side: 'LightMatrix',
    events: f.total,
    rooms: f.rooms,
    sessions: f.sessions,
    oursStore: f.store,
    rawSeconds: raw.seconds,
    rawCpuSeconds: raw.cpuSeconds,
    rawPerSecond: f.total / raw.seconds,
    rawStallMs: Math.max(raw.loopDelayMaxMs, raw.timerGapMs),
    oursSeconds: ours.seconds,
    oursCpuSeconds: ours.cpuSeconds,
    oursPerSecond: f.total / ours.seconds,
    oursStallMs: Math.max(ours.loopDelayMaxMs, ours.timerGapMs),
    oursLoopDelayMaxMs: ours.loopDelayMaxMs,
    oursTimerGapMs: ours.timerGapMs,
    ratio: raw.seconds / ours.seconds,
    cpuRatio: raw.cpuSeconds / ours.cpuSeconds,
    setupSeconds: f.setupSeconds,
    networkAttempts,
    peakRssMb: f.rss,
    note:
      `raw: OlmMachine.decryptRoomEvent on an in-memory machine; ours: CryptoService.decryptEvents ` +
      `on the machine crypto-setup opened (IndexedDB: ${f.store}); keys shared over Olm, offline`,
  };
}

run().then(
  (result) => {
    emitResult(result);
    process.exit(0);
  },
  (err: unknown) => {
    const why = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`crypto-decrypt failed: ${why}\n${kept.recent.join('\n')}\n`);
    process.exit(1);
  },
);
