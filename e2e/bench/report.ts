/**
 * Turns the children's figures into the side-by-side table and the targets with PASS/MISS.
 */
import type { ColdStartMetrics, SyncMetrics } from './metrics';

/** One target of the issue and whether this run met it. */
export type TargetResult = {
  name: string;
  target: string;
  /** The measured figure the target is judged on, or null when that side did not run. */
  value: number | null;
  unit: string;
  pass: boolean | null;
};

/** The four targets: CPU ≥ 3× less, peak RSS ≤ ½, cold start < 150 ms, timeline page < 5 ms. */
export function judge(
  ours: SyncMetrics | null,
  jssdk: SyncMetrics | null,
  cold: ColdStartMetrics | null,
): TargetResult[] {
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : null);
  const cpu = ratio(jssdk?.cpuSeconds, ours?.cpuSeconds);
  const rss = ratio(ours?.peakRssMb, jssdk?.peakRssMb);
  const room = cold?.roomListMs ?? null;
  const page = cold?.timelinePageMedianMs ?? null;
  return [
    {
      name: 'CPU, js-sdk ÷ ours (whole process)',
      target: '≥ 3×',
      value: cpu,
      unit: '×',
      pass: cpu === null ? null : cpu >= 3,
    },
    {
      name: 'peak RSS, ours ÷ js-sdk',
      target: '≤ 0.5',
      value: rss,
      unit: '×',
      pass: rss === null ? null : rss <= 0.5,
    },
    {
      name: 'cold start to room list',
      target: '< 150 ms',
      value: room,
      unit: 'ms',
      pass: room === null ? null : room < 150,
    },
    {
      name: 'timeline page from cache (median)',
      target: '< 5 ms',
      value: page,
      unit: 'ms',
      pass: page === null ? null : page < 5,
    },
  ];
}

/** `v` with `digits` decimals, or `—` when there is no figure. */
export const fmt = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

/** Rows as aligned columns (the first left-aligned, the others right-aligned). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))))
    .map((r) => r.join('  '))
    .join('\n');
}

/** Another client's sync, as a column beside ours: its heading, its figures (null: none). */
export type SyncColumn = { head: string; ratioHead: string; m: SyncMetrics | null };

/**
 * The side-by-side table of the syncs, ours first, then each other side with its ÷ ours ratio
 * (plain js-sdk, js-sdk asked for as many timeline events per room as our filter, js-sdk with
 * its Rust crypto…).
 */
export function syncTable(
  ours: SyncMetrics | null,
  others: readonly SyncColumn[],
  title = 'initial sync',
): string {
  const row = (label: string, pick: (m: SyncMetrics) => number, digits = 2): string[] => {
    const o = ours ? pick(ours) : null;
    const cells = [label, fmt(o, digits)];
    for (const { m } of others) {
      const v = m ? pick(m) : null;
      cells.push(fmt(v, digits), o && v !== null ? `${fmt(v / o)}×` : '—');
    }
    return cells;
  };
  const head = [title, 'LightMatrix', ...others.flatMap((c) => [c.head, c.ratioHead])];
  return table([
    head,
    row('timeline limit per room', (m) => m.timelineLimit, 0),
    row('CPU s, whole process', (m) => m.cpuSeconds),
    row('CPU s, login → ready', (m) => m.syncCpuSeconds),
    row('wall s, process start → ready', (m) => m.wallSeconds),
    row('wall s, login → ready', (m) => m.syncWallSeconds),
    row('peak RSS MB', (m) => m.peakRssMb, 1),
    row('rooms', (m) => m.rooms, 0),
    row('events ingested', (m) => m.eventsIngested, 0),
    row('events / s (login → ready)', (m) => m.eventsPerSecond, 0),
    row('warnings logged (muted)', (m) => m.warnings, 0),
  ]);
}

/** The cold-start figures. */
export function coldTable(cold: ColdStartMetrics | null): string {
  if (!cold) return 'cold start: did not run';
  return table([
    ['cold start (fresh process, cache only)', 'LightMatrix'],
    [`open stores → room list of ${cold.rooms} rooms, ms`, fmt(cold.roomListMs)],
    ['  process start → room list, ms (module loading included)', fmt(cold.processToRoomListMs)],
    [
      `${cold.pageSize}-event timeline page, ms (median of ${cold.timelineRuns})`,
      fmt(cold.timelinePageMedianMs, 3),
    ],
    ['  min / max, ms', `${fmt(cold.timelinePageMinMs, 3)} / ${fmt(cold.timelinePageMaxMs, 3)}`],
    ['  items per page (mean)', fmt(cold.meanItems, 1)],
    ['peak RSS MB', fmt(cold.peakRssMb, 1)],
  ]);
}

/** The targets with PASS / MISS. */
export function targetTable(targets: TargetResult[]): string {
  return table([
    ['target', 'wanted', 'measured', ''],
    ...targets.map((t) => [
      t.name,
      t.target,
      t.value === null ? '—' : `${fmt(t.value)} ${t.unit}`,
      t.pass === null ? 'N/A' : t.pass ? 'PASS' : 'MISS',
    ]),
  ]);
}
