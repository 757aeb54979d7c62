/**
 * The end-to-end encryption figures: decryption in the core against the bare wasm, the event
 * loop's longest stall meanwhile, the crypto store at 20,000 sessions (`store-bench.ts`), and
 * their targets.
 */
import type { DecryptMetrics, StoreMetrics } from './metrics';
import { fmt, table, type TargetResult } from './report';
import { STORE_SESSIONS } from './store-bench';

/** The targets: decrypt ours ÷ raw ≥ 0.8, stall < 50 ms, then the store's (see `judgeStore`). */
export function judgeCrypto(
  d: DecryptMetrics | null,
  store: StoreMetrics | null,
  storeSessions = STORE_SESSIONS,
): TargetResult[] {
  const ratio = d?.ratio ?? null;
  const stall = d?.oursStallMs ?? null;
  const events = d ? `${d.events.toLocaleString('en')} events` : 'events';
  return [
    {
      name: `decrypt rate, ours ÷ raw wasm in memory (${events})`,
      target: '≥ 0.8×',
      value: ratio,
      unit: '×',
      pass: ratio === null ? null : ratio >= 0.8,
    },
    {
      name: 'longest event-loop stall while ours decrypts them',
      target: '< 50 ms',
      value: stall,
      unit: 'ms',
      pass: stall === null ? null : stall < 50,
    },
    ...judgeStore(store, storeSessions),
  ];
}

/**
 * The crypto store's targets, on SQLite: store + machine open < 1 s, and < 40 MiB of RSS added
 * by the sessions (`sessions`: how many were asked for, shown when the store did not run).
 */
export function judgeStore(store: StoreMetrics | null, sessions = STORE_SESSIONS): TargetResult[] {
  const open = store?.sqlite.openMs ?? null;
  const rss = store?.sqlite.rssAddedMiB ?? null;
  const n = (store?.sessions ?? sessions).toLocaleString('en');
  return [
    {
      name: `crypto store + machine open, ${n} sessions`,
      target: '< 1000 ms',
      value: open,
      unit: 'ms',
      pass: open === null ? null : open < 1000,
    },
    {
      name: `RSS the ${n} sessions add`,
      target: '< 40 MiB',
      value: rss,
      unit: 'MiB',
      pass: rss === null ? null : rss < 40,
    },
  ];
}

/**
 * Decryption, raw wasm against our core, in detail (medians of `runs`). The rates' ratios are
 * the medians of each run's own ratio (both sides in one process, one after the other), not
 * the ratio of the medians.
 */
export function decryptTable(d: DecryptMetrics | null, runs: number): string {
  if (!d) return 'decrypt benchmark: did not run';
  const row = (label: string, raw: number, ours: number, digits = 2, ratio = ours / raw) => [
    label,
    fmt(raw, digits),
    fmt(ours, digits),
    `${fmt(ratio)}×`,
  ];
  const median = runs > 1 ? `, medians of ${runs} runs` : '';
  return table([
    [
      `decrypt ${d.events} megolm events (${d.rooms} rooms, ${d.sessions} sessions${median})`,
      'raw wasm, in memory',
      'LightMatrix core',
      'ours ÷ raw',
    ],
    row('events / s (wall; ratio: same run)', d.rawPerSecond, d.oursPerSecond, 0, d.ratio),
    row('events / CPU s (ratio: same run)', d.events / d.rawCpuSeconds, d.events / d.oursCpuSeconds, 0, d.cpuRatio),
    row('wall s', d.rawSeconds, d.oursSeconds),
    row('CPU s (process)', d.rawCpuSeconds, d.oursCpuSeconds),
    row('longest event-loop stall, ms', d.rawStallMs, d.oursStallMs, 1),
    [
      '  ours: monitorEventLoopDelay max / 1 ms timer worst gap, ms',
      '',
      `${fmt(d.oursLoopDelayMaxMs, 1)} / ${fmt(d.oursTimerGapMs, 1)}`,
      '',
    ],
    ['store', 'OlmMachine memory store', `IndexedDB: ${d.oursStore}`, ''],
    ['network requests tried (none possible)', '', String(d.networkAttempts), ''],
    ['setup (encrypt, share keys over Olm), s', fmt(d.setupSeconds), '', ''],
    ['peak RSS of the process, MB', fmt(d.peakRssMb, 1), '', ''],
  ]);
}

/** The crypto store in detail: SQLite (the app's) against fake-indexeddb (medians of the runs). */
export function storeTable(store: StoreMetrics | null): string {
  if (!store) return 'crypto store benchmark: did not run';
  const { sqlite: s, fake: f } = store;
  const medians = store.runs > 1 ? `, medians of ${store.runs} runs` : '';
  const row = (label: string, pick: (side: typeof s) => number, digits = 1) => [
    label,
    fmt(pick(s), digits),
    fmt(pick(f), digits),
  ];
  return table([
    [
      `crypto store, ${store.sessions.toLocaleString('en')} megolm sessions (${store.rooms} rooms${medians})`,
      'SQLite IndexedDB',
      'fake-indexeddb (in memory)',
    ],
    ['load the records into memory first, ms', '—', fmt(f.copyMs, 1)],
    row('open store + OlmMachine, ms', (x) => x.openMs),
    row('  StoreHandle.openWithKey, ms', (x) => x.handleMs),
    row('  OlmMachine.initFromStore, ms', (x) => x.machineMs),
    row('  the same, empty store, ms', (x) => x.emptyOpenMs),
    row('RSS after open, MiB', (x) => x.rssAfterMiB),
    row('  the same, empty store, MiB', (x) => x.emptyRssAfterMiB),
    row('RSS the sessions add (full − empty), MiB', (x) => x.rssAddedMiB),
    row('first decrypt (cold session lookup), ms', (x) => x.firstDecryptMs, 2),
    row(`decrypt, another session each (median of ${store.probes - 1}), ms`, (x) => x.decryptMedianMs, 2),
    row('  slowest of those, ms', (x) => x.decryptMaxMs, 2),
    ['import of the sessions into SQLite (once), s', fmt(store.importSeconds, 1), ''],
  ]);
}
