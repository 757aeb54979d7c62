/**
 * The end-to-end encryption figures: decryption in the core against the bare wasm, the event
 * loop's longest stall meanwhile, the crypto store at 20,000 sessions, and their targets.
 */
import type { DecryptMetrics } from './metrics';
import { fmt, table, type TargetResult } from './report';

/**
 * The crypto store at 20,000 megolm sessions (`crypto-store.ts`, from branch `idb`): opening
 * the store and the machine over it, and the RSS the sessions add. Null until it runs here.
 */
export type StoreMetrics = { sessions: number; openMs: number; rssAddedMiB: number };

/** The targets: decrypt ours ÷ raw ≥ 0.8, stall < 50 ms, store open < 1 s, store RSS < 40 MiB. */
export function judgeCrypto(d: DecryptMetrics | null, store: StoreMetrics | null): TargetResult[] {
  const ratio = d?.ratio ?? null;
  const stall = d?.oursStallMs ?? null;
  const open = store?.openMs ?? null;
  const rss = store?.rssAddedMiB ?? null;
  const events = d ? `${d.events.toLocaleString('en')} events` : 'events';
  const sessions = store ? store.sessions.toLocaleString('en') : '20,000';
  const notYet = store ? '' : ' (not run: crypto-store.ts is not on main yet)';
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
    {
      name: `crypto store + machine open, ${sessions} sessions${notYet}`,
      target: '< 1000 ms',
      value: open,
      unit: 'ms',
      pass: open === null ? null : open < 1000,
    },
    {
      name: `RSS the ${sessions} sessions add${notYet}`,
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

/** The crypto store at 20,000 sessions, or the place where it will be. */
export function storeTable(store: StoreMetrics | null): string {
  if (!store) {
    // STORE-BENCH: crypto-store.ts (branch idb) is wired here once it is on main.
    return 'crypto store at 20,000 sessions: not run (crypto-store.ts is not on main yet)';
  }
  return table([
    [`crypto store, ${store.sessions} megolm sessions`, 'LightMatrix'],
    ['open store + OlmMachine, ms', fmt(store.openMs, 1)],
    ['RSS the sessions add, MiB', fmt(store.rssAddedMiB, 1)],
  ]);
}
