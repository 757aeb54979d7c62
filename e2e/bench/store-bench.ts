/**
 * The crypto store benchmark, run by `npm run bench` (and alone by `crypto-store.ts`): fills a
 * store (the SQLite IndexedDB the app uses, `src-main/storage/idb/`) with N megolm sessions,
 * imported as exported room keys spread over M rooms, and an empty one (identity only), once;
 * then, R times, each in a fresh process (`crypto-store-child.ts`): opens each store and the
 * OlmMachine over it (timed; RSS after a full GC) and decrypts P events, each with another of the
 * sessions; and the same with plain in-memory fake-indexeddb loaded with the same records. The
 * RSS the sessions add is the full store's RSS after opening less the empty one's.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildOutcome } from './children';
import {
  median,
  type StoreFillResult,
  type StoreMetrics,
  type StoreOpenResult,
  type StoreSide,
} from './metrics';
import { encryptedEvent, makeRoomKey, makeSender } from './room-keys';

/** Sessions at which the targets are set. */
export const STORE_SESSIONS = 20_000;
/** Rooms the sessions are spread over. */
export const STORE_ROOMS = 500;
/** Decryptions after each open: the first cold, the others' median. */
export const STORE_PROBES = 21;

/** What to measure, and the folder for the stores and their inputs. */
export type StoreBenchOptions = {
  sessions: number;
  rooms: number;
  /** At least 2 and at most `sessions`. */
  probes: number;
  runs: number;
  work: string;
  /** Progress lines. */
  log?: (line: string) => void;
};

/** Runs `crypto-store-child` with `args` in a fresh Node process (with `--expose-gc`). */
export type StoreChild = <T>(args: string[]) => Promise<ChildOutcome<T>>;

/** One run: each store opened once by each backend, each in its own process. */
export type StoreRound = {
  sqlite: StoreOpenResult;
  sqliteEmpty: StoreOpenResult;
  fake: StoreOpenResult;
  fakeEmpty: StoreOpenResult;
};

/** The benchmark's outcome: the medians, and every run's figures. */
export type StoreBenchResult = { summary: StoreMetrics; fill: StoreFillResult; rounds: StoreRound[] };

type Inputs = { keys: string; events: string; none: string };

/** Room keys for the sessions, events each encrypted with another of them, and no events. */
function makeInputs(o: StoreBenchOptions): Inputs {
  const sender = makeSender();
  const made = Array.from({ length: o.sessions }, (_, i) => makeRoomKey(sender, `!r${i % o.rooms}:bench`));
  const step = Math.floor(o.sessions / o.probes);
  const events = Array.from({ length: o.probes }, (_, i) => {
    const key = made[i * step]!;
    return [key.exported.room_id, encryptedEvent(key, { msgtype: 'm.text', body: `probe ${i}` })];
  });
  const inputs = {
    keys: join(o.work, 'keys.json'),
    events: join(o.work, 'events.json'),
    none: join(o.work, 'none.json'),
  };
  writeFileSync(inputs.keys, JSON.stringify(made.map((m) => m.exported)));
  writeFileSync(inputs.events, JSON.stringify(events));
  writeFileSync(inputs.none, '[]');
  return inputs;
}

/** One run: opens the full and the empty store with each backend; stops at the first failure. */
async function openRound(
  child: StoreChild,
  key: string,
  dirs: { full: string; empty: string },
  inputs: Inputs,
): Promise<ChildOutcome<StoreRound>> {
  const round: Partial<StoreRound> = {};
  for (const [name, dir, events, backend] of [
    ['sqlite', dirs.full, inputs.events, 'sqlite'],
    ['sqliteEmpty', dirs.empty, inputs.none, 'sqlite'],
    ['fake', dirs.full, inputs.events, 'fake'],
    ['fakeEmpty', dirs.empty, inputs.none, 'fake'],
  ] as const) {
    const opened = await child<StoreOpenResult>(['open', dir, key, events, backend]);
    if (!opened.ok) return { ok: false, error: `crypto store, ${name}: ${opened.error}` };
    round[name] = opened.result;
  }
  return { ok: true, result: round as StoreRound };
}

/** Fills the stores once, then opens them `runs` times; fails when any child does. */
export async function runStoreBench(
  o: StoreBenchOptions,
  child: StoreChild,
): Promise<ChildOutcome<StoreBenchResult>> {
  const log = o.log ?? (() => undefined);
  mkdirSync(o.work, { recursive: true });
  const key = randomBytes(32).toString('hex');
  const inputs = makeInputs(o);
  const dirs = { full: join(o.work, 'full'), empty: join(o.work, 'empty') };
  log(`crypto store: importing ${o.sessions.toLocaleString('en')} megolm sessions into SQLite…`);
  const filled = await child<StoreFillResult>(['fill', dirs.full, key, inputs.keys]);
  if (!filled.ok) return { ok: false, error: `crypto store, fill: ${filled.error}` };
  const blank = await child<StoreFillResult>(['fill', dirs.empty, key, '-']);
  if (!blank.ok) return { ok: false, error: `crypto store, empty fill: ${blank.error}` };
  const rounds: StoreRound[] = [];
  for (let r = 1; r <= o.runs; r++) {
    const of = o.runs > 1 ? ` (run ${r} of ${o.runs})` : '';
    log(`crypto store: open each store, SQLite and fake-indexeddb, fresh processes${of}…`);
    const round = await openRound(child, key, dirs, inputs);
    if (!round.ok) return round;
    rounds.push(round.result);
  }
  return summarizeStore(o, filled.result, rounds);
}

/** One backend's medians over the runs. */
function side(rounds: readonly StoreRound[], full: 'sqlite' | 'fake', empty: 'sqliteEmpty' | 'fakeEmpty'): StoreSide {
  const m = (pick: (r: StoreRound) => number) => median(rounds.map(pick));
  return {
    openMs: m((r) => r[full].openMs),
    handleMs: m((r) => r[full].handleMs),
    machineMs: m((r) => r[full].machineMs),
    copyMs: m((r) => r[full].copyMs),
    emptyOpenMs: m((r) => r[empty].openMs),
    rssAfterMiB: m((r) => r[full].rssAfterMiB),
    emptyRssAfterMiB: m((r) => r[empty].rssAfterMiB),
    rssAddedMiB: m((r) => r[full].rssAfterMiB - r[empty].rssAfterMiB),
    firstDecryptMs: m((r) => r[full].firstDecryptMs),
    decryptMedianMs: m((r) => r[full].decryptMedianMs),
    decryptMaxMs: m((r) => r[full].decryptMaxMs),
  };
}

/**
 * The medians over `rounds`, or why there are none: a store that did not take every session,
 * or lost one (a probe decryption failed), is no store to time.
 */
export function summarizeStore(
  o: Pick<StoreBenchOptions, 'sessions' | 'rooms' | 'probes'>,
  fill: StoreFillResult,
  rounds: readonly StoreRound[],
): ChildOutcome<StoreBenchResult> {
  if (rounds.length === 0) return { ok: false, error: 'crypto store: no run' };
  if (fill.imported !== o.sessions) {
    return { ok: false, error: `crypto store: imported ${fill.imported} of ${o.sessions} sessions` };
  }
  for (const [i, round] of rounds.entries()) {
    for (const backend of ['sqlite', 'fake'] as const) {
      const { failedDecrypts, decrypts } = round[backend];
      if (failedDecrypts > 0 || decrypts !== o.probes) {
        const what = `${failedDecrypts} of ${decrypts} probe decryptions failed (${o.probes} wanted)`;
        return { ok: false, error: `crypto store, ${backend}, run ${i + 1}: ${what}` };
      }
    }
  }
  const summary: StoreMetrics = {
    sessions: o.sessions,
    rooms: o.rooms,
    probes: o.probes,
    runs: rounds.length,
    importSeconds: fill.importMs / 1000,
    sqlite: side(rounds, 'sqlite', 'sqliteEmpty'),
    fake: side(rounds, 'fake', 'fakeEmpty'),
  };
  return { ok: true, result: { summary, fill, rounds: [...rounds] } };
}
