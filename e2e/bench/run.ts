/**
 * `npm run bench [-- --rooms N --events M --runs R]`: seeds the test homeserver (in its own
 * process) with the bench account; then, R times in turn, a fresh initial sync by matrix-js-sdk
 * (without and with its Rust crypto) and by our core (crypto always on), each in its own process
 * (medians reported); the render benchmarks; our cold start from the cache in a fresh process;
 * then, R times, the decryption of 5,000 megolm events (bare wasm against our core); then the
 * crypto store at 20,000 megolm sessions (`--store-sessions`; filled once, opened R times,
 * store-bench.ts). Prints the tables and the targets, and writes `bench/results.json`. Exits 1
 * when a child failed (a missed target is reported as MISS, not as a failure).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildChildren, type ChildName } from './build';
import { runChild as runScript, running, type ChildOutcome } from './children';
import { seedBench, type SeedReport } from './generate';
import { ROOT, startHomeserverProcess, type HomeserverProcess } from './homeserver-process';
import { decryptTable, judgeCrypto, storeTable } from './crypto-report';
import {
  medianMetrics,
  type ColdStartMetrics,
  type DecryptMetrics,
  type SyncMetrics,
} from './metrics';
import { judgeRender, renderTable, runRenderBench, type RenderMetrics } from './render';
import { coldTable, judge, syncTable, targetTable, type SyncColumn } from './report';
import {
  STORE_PROBES,
  STORE_ROOMS,
  STORE_SESSIONS,
  runStoreBench,
  type StoreBenchResult,
} from './store-bench';

const { values } = parseArgs({
  options: {
    rooms: { type: 'string', default: '1000' },
    events: { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
    'store-sessions': { type: 'string', default: String(STORE_SESSIONS) },
    'keep-data': { type: 'boolean', default: false },
  },
});
const rooms = Number(values.rooms);
const events = Number(values.events);
const runs = Number(values.runs);
const storeSessions = Number(values['store-sessions']);
if (
  ![rooms, events, runs].every((n) => Number.isInteger(n) && n >= 1) ||
  !Number.isInteger(storeSessions) ||
  storeSessions < STORE_PROBES
) {
  console.error(
    'usage: npm run bench -- [--rooms N] [--events M] [--runs R] ' +
      `[--store-sessions S ≥ ${STORE_PROBES}] [--keep-data]`,
  );
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'lightmatrix-bench-'));
let hs: HomeserverProcess | undefined;
let buildDir = '';

/** Runs a bundled child (see build.ts). */
function runChild<T>(name: ChildName, args: string[], nodeArgs: string[] = []): Promise<ChildOutcome<T>> {
  return runScript<T>(join(buildDir, `${name}.mjs`), args, nodeArgs);
}

async function cleanup() {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await hs?.stop();
  hs = undefined;
  if (values['keep-data']) return;
  // The link to the repository's node_modules goes first, so nothing can follow it.
  rmSync(join(work, 'node_modules'), { force: true });
  rmSync(work, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void cleanup().then(() => process.exit(130));
  });
}

function unwrap<T>(label: string, o: ChildOutcome<T>): T | null {
  if (o.ok) return o.result;
  console.error(`\n${label} failed:\n${o.error}\n`);
  return null;
}

type SyncRuns = {
  jssdk: SyncMetrics[];
  jssdkCrypto: SyncMetrics[];
  ours: SyncMetrics[];
  matched: SyncMetrics[];
};

/**
 * The initial syncs, `runs` rounds of js-sdk, js-sdk with its Rust crypto, ours, and js-sdk
 * with our timeline limit (for reference, when it differs from js-sdk's default). Returns every
 * run, and the data dir of our last successful one.
 */
async function syncRounds(account: string[]): Promise<SyncRuns & { oursDir?: string }> {
  const all: SyncRuns & { oursDir?: string } = { jssdk: [], jssdkCrypto: [], ours: [], matched: [] };
  for (let i = 1; i <= runs; i++) {
    const round = runs > 1 ? ` (run ${i} of ${runs})` : '';
    console.log(`matrix-js-sdk: fresh initial sync${round}…`);
    const j = unwrap('matrix-js-sdk', await runChild<SyncMetrics>('jssdk-sync', account));
    if (j) all.jssdk.push(j);
    console.log(`matrix-js-sdk with Rust crypto: fresh initial sync${round}…`);
    const withCrypto = [...account, '--crypto'];
    const c = unwrap('matrix-js-sdk + crypto', await runChild<SyncMetrics>('jssdk-sync', withCrypto));
    if (c) all.jssdkCrypto.push(c);
    console.log(`LightMatrix: fresh initial sync${round}…`);
    const dir = join(work, `lightmatrix-${i}`);
    const o = unwrap('LightMatrix', await runChild<SyncMetrics>('ours-sync', [...account, '--data', dir]));
    if (!o) continue;
    all.ours.push(o);
    all.oursDir = dir;
    if (j && o.timelineLimit !== j.timelineLimit) {
      console.log(`matrix-js-sdk: fresh initial sync, initialSyncLimit ${o.timelineLimit}${round}…`);
      const limit = ['--initial-sync-limit', String(o.timelineLimit)];
      const m = unwrap('matrix-js-sdk', await runChild<SyncMetrics>('jssdk-sync', [...account, ...limit]));
      if (m) all.matched.push(m);
    }
  }
  return all;
}

/** `runs` decryptions of 5,000 megolm events, each in a fresh process (no homeserver needed). */
async function decryptRounds(): Promise<DecryptMetrics[]> {
  const all: DecryptMetrics[] = [];
  for (let i = 1; i <= runs; i++) {
    const round = runs > 1 ? ` (run ${i} of ${runs})` : '';
    console.log(`LightMatrix: decrypt 5,000 megolm events, bare wasm and our core${round}…`);
    const dir = join(work, `decrypt-${i}`);
    const d = unwrap('decrypt', await runChild<DecryptMetrics>('crypto-decrypt', ['--data', dir]));
    if (d) all.push(d);
  }
  return all;
}

/**
 * The crypto store at `--store-sessions` megolm sessions (store-bench.ts): filled once, then
 * `runs` times each store opened in fresh processes (the bundled `crypto-store-child`, with
 * `--expose-gc`), SQLite against fake-indexeddb. Null when a child failed.
 */
async function storeBench(): Promise<StoreBenchResult | null> {
  const options = {
    sessions: storeSessions,
    rooms: STORE_ROOMS,
    probes: STORE_PROBES,
    runs,
    work: join(work, 'crypto-store'),
    log: (line: string) => console.log(`LightMatrix: ${line}`),
  };
  const outcome = await runStoreBench(options, (args) => runChild('crypto-store-child', args, ['--expose-gc']));
  return unwrap('crypto store', outcome);
}

function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`,
    node: process.version,
  };
}

/** Prints the tables and the targets, and writes `bench/results.json`. */
function report(
  seed: SeedReport,
  sync: SyncRuns,
  cold: ColdStartMetrics | null,
  render: RenderMetrics | null,
  decryptRuns: DecryptMetrics[],
  storeRuns: StoreBenchResult | null,
): void {
  const store = storeRuns?.summary ?? null;
  const [jssdk, jssdkCrypto, ours, matched] = [
    sync.jssdk,
    sync.jssdkCrypto,
    sync.ours,
    sync.matched,
  ].map((r) => medianMetrics(r));
  const decrypt = medianMetrics(decryptRuns);
  const targets = [
    ...judge(ours!, jssdk!, cold),
    ...judgeRender(render),
    ...judgeCrypto(decrypt, store, storeSessions),
  ];
  const title = runs > 1 ? `initial sync, medians of ${runs} runs` : 'initial sync';
  const columns: SyncColumn[] = [
    { head: 'matrix-js-sdk', ratioHead: 'js-sdk ÷ ours', m: jssdk },
    { head: 'js-sdk + Rust crypto', ratioHead: 'its ÷ ours', m: jssdkCrypto },
  ];
  if (matched) {
    const head = `js-sdk, limit ${matched.timelineLimit}`;
    columns.push({ head, ratioHead: 'its ÷ ours', m: matched });
  }
  console.log(`\n${syncTable(ours!, columns, title)}\n`);
  console.log(`${coldTable(cold)}\n\n${renderTable(render)}\n`);
  console.log(`${decryptTable(decrypt, decryptRuns.length)}\n\n${storeTable(store)}\n`);
  console.log(`${targetTable(targets)}\n`);
  const results = {
    timestamp: new Date().toISOString(),
    params: { rooms, events, runs, storeSessions, dmRooms: seed.dmRooms, bigRooms: seed.bigRooms },
    machine: machine(),
    seed,
    jssdk,
    jssdkMatchedLimit: matched,
    jssdkCrypto,
    ours,
    oursColdStart: cold,
    render,
    decrypt,
    cryptoStore: store,
    targets,
    allRuns: {
      jssdk: sync.jssdk,
      jssdkMatchedLimit: sync.matched,
      jssdkCrypto: sync.jssdkCrypto,
      ours: sync.ours,
      decrypt: decryptRuns,
      cryptoStore: storeRuns && { fill: storeRuns.fill, rounds: storeRuns.rounds },
    },
  };
  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  const out = join(ROOT, 'bench', 'results.json');
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

async function main(): Promise<boolean> {
  console.log(`bench: ${rooms} rooms × ${events} events, ${runs} run(s) per side; in ${work}`);
  buildDir = await buildChildren(work);
  hs = await startHomeserverProcess(join(work, 'homeserver'));
  const seed: SeedReport = await seedBench(hs.url, { rooms, events });
  console.log(
    `seeded ${seed.rooms} rooms (${seed.dmRooms} DMs, ${seed.bigRooms} with 200+ members), ` +
      `${seed.serverEvents} events on the server, in ${seed.seconds.toFixed(1)} s`,
  );
  const sync = await syncRounds(['--url', hs.url, '--user', seed.username, '--password', seed.password]);
  console.log('LightMatrix: render benchmarks in Chromium (adds a 10,000-event room)…');
  const account = { url: hs.url, username: seed.username, password: seed.password, userId: seed.userId };
  const render: RenderMetrics | null = await runRenderBench(account, rooms, join(work, 'render')).catch(
    (err: unknown) => {
      console.error(`\nrender benchmarks failed:\n${err instanceof Error ? err.stack : String(err)}\n`);
      return null;
    },
  );
  // The cold start reads the cache only: the homeserver is gone by then.
  await hs.stop();
  hs = undefined;
  let cold: ColdStartMetrics | null = null;
  if (sync.oursDir) {
    console.log('LightMatrix: cold start from the cache…');
    const o = await runChild<ColdStartMetrics>('ours-cold', ['--data', sync.oursDir]);
    cold = unwrap('LightMatrix cold start', o);
  }
  const decryptRuns = await decryptRounds();
  const store = await storeBench();

  report(seed, sync, cold, render, decryptRuns, store);
  const all = [sync.jssdk, sync.jssdkCrypto, sync.ours, decryptRuns].every((r) => r.length === runs);
  return all && cold !== null && render !== null && store !== null;
}

main().then(
  async (complete) => {
    await cleanup();
    process.exit(complete ? 0 : 1);
  },
  async (err: unknown) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  },
);
