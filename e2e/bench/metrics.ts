/**
 * What each benchmark child process measures about itself, and how it hands the figures back to
 * the parent: one `BENCH_RESULT {json}` line on stdout.
 */
import { readFileSync } from 'node:fs';

/** One side's fresh initial sync. */
export type SyncMetrics = {
  side: string;
  /** User + system CPU of the whole process, start to ready. */
  cpuSeconds: number;
  /** User + system CPU from the login request to ready (the sync work itself). */
  syncCpuSeconds: number;
  /** Wall time from process start to ready (module loading included). */
  wallSeconds: number;
  /** Wall time from the login request to ready. */
  syncWallSeconds: number;
  /** Peak resident set size of the process (getrusage maxrss). */
  peakRssMb: number;
  /** Joined rooms the client holds once ready. */
  rooms: number;
  /** Timeline + state events the client holds once ready, across all rooms. */
  eventsIngested: number;
  /** `eventsIngested / syncWallSeconds`. */
  eventsPerSecond: number;
  /** Warnings and errors the client logged (muted) during the run. */
  warnings: number;
  /** The timeline limit per room of the initial sync. */
  timelineLimit: number;
  /** What "ready" meant for this side, and which API was driven. */
  note: string;
};

/** Our cold start from the cache in a fresh process. */
export type ColdStartMetrics = {
  side: string;
  /** From starting to open the stores to holding the whole room list. */
  roomListMs: number;
  /** From process start (module loading included) to the room list. */
  processToRoomListMs: number;
  rooms: number;
  /** Median time to produce a page of `pageSize` timeline items from the cache. */
  timelinePageMedianMs: number;
  timelinePageMinMs: number;
  timelinePageMaxMs: number;
  /** How many rooms were paged (each once). */
  timelineRuns: number;
  pageSize: number;
  /** Mean items per page actually returned. */
  meanItems: number;
  peakRssMb: number;
  note: string;
};

/**
 * Decryption of the same megolm-encrypted events by a bare in-memory wasm machine (raw) and by
 * our core (ours), in one process; stalls are the event loop's, while each side decrypts.
 */
export type DecryptMetrics = {
  side: string;
  events: number;
  rooms: number;
  /** Megolm sessions the events were encrypted with. */
  sessions: number;
  /** What `crypto-setup` opened our machine's store on (the IndexedDB implementation). */
  oursStore: string;
  rawSeconds: number;
  rawCpuSeconds: number;
  /** `events / rawSeconds`. */
  rawPerSecond: number;
  /** The longest event-loop stall while raw decrypted (the larger of the two watchers). */
  rawStallMs: number;
  oursSeconds: number;
  oursCpuSeconds: number;
  /** `events / oursSeconds`. */
  oursPerSecond: number;
  /** The longest event-loop stall while ours decrypted: the larger of the two below. */
  oursStallMs: number;
  /** `monitorEventLoopDelay({ resolution: 1 })` max while ours decrypted. */
  oursLoopDelayMaxMs: number;
  /** The worst gap between ticks of a 1 ms interval timer while ours decrypted. */
  oursTimerGapMs: number;
  /** `oursPerSecond / rawPerSecond`, in this process (the target's figure). */
  ratio: number;
  /** The same by CPU time: `rawCpuSeconds / oursCpuSeconds`, in this process. */
  cpuRatio: number;
  /** Making the events and sharing the keys (not measured above). */
  setupSeconds: number;
  /** Network requests our machine tried (there is no network here: each one failed). */
  networkAttempts: number;
  peakRssMb: number;
  note: string;
};

/** `crypto-store-child fill`: room keys imported into a new SQLite crypto store. */
export type StoreFillResult = { imported: number; importMs: number };

/** `crypto-store-child open`: one store opened in a fresh process, then probed by decrypting. */
export type StoreOpenResult = {
  /** `sqlite`: the SQLite IndexedDB as it is; `fake`: its records copied into fake-indexeddb. */
  backend: 'sqlite' | 'fake';
  /** Opening the store handle and the machine (records already in memory for `fake`). */
  openMs: number;
  /** `StoreHandle.openWithKey`. */
  handleMs: number;
  /** `OlmMachine.initFromStore`. */
  machineMs: number;
  /** `fake` only: copying the records from the SQLite file into memory first (0 for `sqlite`). */
  copyMs: number;
  /** RSS after a full GC, before opening (wasm initialised) and after. */
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssAddedMiB: number;
  /** The first decryption (a cold session lookup), then the others' median and max. */
  firstDecryptMs: number;
  decryptMedianMs: number;
  decryptMaxMs: number;
  decrypts: number;
  failedDecrypts: number;
};

/** One backend's figures in the crypto store benchmark (`store-bench.ts`): medians over the runs. */
export type StoreSide = {
  /** Store handle + machine opened over the full store. */
  openMs: number;
  handleMs: number;
  machineMs: number;
  /** fake-indexeddb only: loading the records into memory first (not in `openMs`). */
  copyMs: number;
  /** The same open over the empty store (identity only). */
  emptyOpenMs: number;
  /** RSS after a full GC once open, over the full store and over the empty one. */
  rssAfterMiB: number;
  emptyRssAfterMiB: number;
  /** What the sessions add: the median of each run's full − empty `rssAfterMiB`. */
  rssAddedMiB: number;
  firstDecryptMs: number;
  decryptMedianMs: number;
  decryptMaxMs: number;
};

/** The crypto store benchmark: a store of `sessions` megolm sessions, SQLite against fake-indexeddb. */
export type StoreMetrics = {
  sessions: number;
  rooms: number;
  /** Decryptions after each open, each with another session (the first one cold). */
  probes: number;
  runs: number;
  /** Importing the sessions into the SQLite store (once, reused by every run). */
  importSeconds: number;
  /** The SQLite IndexedDB the app uses (the targets' figures). */
  sqlite: StoreSide;
  /** The same records in plain in-memory fake-indexeddb, for comparison. */
  fake: StoreSide;
};

const PREFIX = 'BENCH_RESULT ';

/** The median of `xs` (not empty). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Each numeric field's median over `runs` (other fields from the first); null if none ran. */
export function medianMetrics<T extends object>(runs: readonly T[]): T | null {
  if (runs.length === 0) return null;
  const rows = runs as readonly Record<string, unknown>[];
  const out: Record<string, unknown> = { ...rows[0]! };
  for (const [key, value] of Object.entries(rows[0]!)) {
    if (typeof value === 'number') out[key] = median(rows.map((r) => r[key] as number));
  }
  return out as T;
}

/** Seconds of CPU (user + system) in `u`. */
export function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

/**
 * Peak RSS of this process so far, in MB: Linux's `VmHWM`, the high-water mark of this
 * process's own memory. Not getrusage's maxrss, which survives exec: a child spawned by a
 * bigger process (the bench's parent holds vite) would report its parent's peak. Elsewhere,
 * maxrss (KiB), with that caveat.
 */
export function peakRssMb(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // no procfs: not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Writes the result line the parent reads (through stdout, even when console is muted). */
export function emitResult(
  result: SyncMetrics | ColdStartMetrics | DecryptMetrics | StoreFillResult | StoreOpenResult,
): void {
  process.stdout.write(`${PREFIX}${JSON.stringify(result)}\n`);
}

/** Finds the result line in a child's stdout. */
export function parseResult<T>(stdout: string): T | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(PREFIX));
  return line ? (JSON.parse(line.slice(PREFIX.length)) as T) : undefined;
}

/** The account a child process signs into, from its command line. */
export type Target = { url: string; user: string; password: string };

/** The value after `flag` on the command line, or `fallback` (an error when there is none). */
export function argValue(
  flag: string,
  fallback?: string,
  argv: string[] = process.argv.slice(2),
): string {
  const i = argv.indexOf(flag);
  const v = i >= 0 ? argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing ${flag}`);
  return v;
}

/** Reads `--url URL --user NAME --password PW` (the parent always passes all three). */
export function targetFromArgs(): Target {
  return { url: argValue('--url'), user: argValue('--user'), password: argValue('--password') };
}

/** Warnings and errors the client logged while muted: how many, and the latest few. */
export type MutedLog = { count: number; recent: string[] };

/**
 * Mutes console output (the clients' logging) for the rest of the process, counting warnings
 * and errors and keeping the latest to show if the run fails. `BENCH_LOG=1` leaves it on.
 */
export function muteConsole(): MutedLog {
  const log: MutedLog = { count: 0, recent: [] };
  if (process.env.BENCH_LOG === '1') return log;
  const keep = (...args: unknown[]) => {
    log.count++;
    log.recent.push(args.map(String).join(' ').slice(0, 500));
    if (log.recent.length > 20) log.recent.shift();
  };
  console.log = console.info = console.debug = console.trace = () => {};
  console.warn = console.error = keep;
  return log;
}
