/**
 * `npx tsx e2e/bench/crypto-store.ts [--sessions N] [--runs R] [--rooms M] [--probes P]`: the
 * crypto store on SQLite (`src-main/storage/idb/`) against plain in-memory fake-indexeddb.
 *
 * Fills a store with N megolm sessions (imported as exported room keys, spread over M rooms),
 * and an empty one (identity only); then, R times, in fresh processes: opens each store and the
 * OlmMachine (timed; RSS after a full GC, compared with before opening), and decrypts P events,
 * each with another of the sessions (the first decryption cold, the others' median), and the same
 * with fake-indexeddb loaded with the same records. Prints medians and the targets.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, parseResult } from './metrics';
import { encryptedEvent, makeRoomKey, makeSender } from './room-keys';

const ROOT = join(import.meta.dirname, '../..');
const CHILD = join(import.meta.dirname, 'crypto-store-child.ts');

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    rooms: { type: 'string', default: '500' },
    probes: { type: 'string', default: '21' },
    'keep-data': { type: 'boolean', default: false },
  },
});
const sessions = Number(values.sessions);
const runs = Number(values.runs);
const rooms = Number(values.rooms);
const probes = Number(values.probes);
if (![sessions, runs, rooms, probes].every((n) => Number.isInteger(n) && n >= 1) || probes > sessions) {
  console.error('usage: crypto-store.ts [--sessions N] [--runs R] [--rooms M] [--probes P ≤ N] [--keep-data]');
  process.exit(2);
}

type Fill = { imported: number; importMs: number };
type Open = {
  backend: string;
  /** Opening the store handle and the machine (records already in memory for `fake`). */
  openMs: number;
  handleMs: number;
  machineMs: number;
  /** `fake` only: copying the records from the SQLite file into memory first. */
  copyMs: number;
  rssAddedMiB: number;
  rssAfterMiB: number;
  firstDecryptMs: number;
  decryptMedianMs: number;
  decryptMaxMs: number;
  failedDecrypts: number;
};

/** Runs the child with `args` in a fresh process; resolves with its result line. */
function child<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.once('exit', (code) => {
      const result = parseResult<T>(out);
      if (code === 0 && result) resolve(result);
      else reject(new Error(`crypto-store-child ${args[0]} exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** Room keys for `sessions` sessions, and events each encrypted with another of them. */
function makeInputs(work: string): { keys: string; events: string } {
  const sender = makeSender();
  const made = Array.from({ length: sessions }, (_, i) => makeRoomKey(sender, `!r${i % rooms}:bench`));
  const step = Math.floor(sessions / probes);
  const events = Array.from({ length: probes }, (_, i) => {
    const key = made[i * step]!;
    return [key.exported.room_id, encryptedEvent(key, { msgtype: 'm.text', body: `probe ${i}` })];
  });
  const keys = join(work, 'keys.json');
  writeFileSync(keys, JSON.stringify(made.map((m) => m.exported)));
  writeFileSync(join(work, 'events.json'), JSON.stringify(events));
  return { keys, events: join(work, 'events.json') };
}

const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))))
    .map((r) => r.join('  '))
    .join('\n');
}

/** Each numeric field's median over `results`. */
function medians(results: Open[]): Open {
  const out: Record<string, unknown> = { ...results[0]! };
  for (const [k, v] of Object.entries(results[0]!)) {
    if (typeof v === 'number') out[k] = median(results.map((r) => (r as unknown as Record<string, number>)[k]!));
  }
  return out as Open;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'lightmatrix-crypto-bench-'));
  const key = randomBytes(32).toString('hex');
  try {
    console.log(`crypto store: ${sessions} sessions over ${rooms} rooms, ${runs} runs; in ${work}`);
    const t0 = performance.now();
    const inputs = makeInputs(work);
    console.log(`generated room keys in ${fmt((performance.now() - t0) / 1000)} s; importing…`);
    const full = join(work, 'full');
    const empty = join(work, 'empty');
    const filled = await child<Fill>(['fill', full, key, inputs.keys]);
    await child<Fill>(['fill', empty, key, '-']);
    console.log(`imported ${filled.imported} in ${fmt(filled.importMs / 1000)} s`);
    const results: Record<string, Open[]> = {};
    for (let r = 1; r <= runs; r++) {
      console.log(`run ${r}/${runs}…`);
      for (const [name, dir, backend] of [
        ['sqlite full', full, 'sqlite'],
        ['sqlite empty', empty, 'sqlite'],
        ['fake full', full, 'fake'],
        ['fake empty', empty, 'fake'],
      ] as const) {
        const events = dir === full ? inputs.events : join(work, 'none.json');
        if (dir === empty) writeFileSync(events, '[]');
        (results[name] ??= []).push(await child<Open>(['open', dir, key, events, backend]));
      }
    }
    report(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, medians(v)])), filled);
  } finally {
    if (!values['keep-data']) rmSync(work, { recursive: true, force: true });
  }
}

function report(m: Record<string, Open>, filled: Fill): void {
  const s = m['sqlite full']!;
  const f = m['fake full']!;
  const se = m['sqlite empty']!;
  const fe = m['fake empty']!;
  const sqliteAdded = s.rssAfterMiB - se.rssAfterMiB;
  const fakeAdded = f.rssAfterMiB - fe.rssAfterMiB;
  console.log(`\n${cpus().length} cores (${cpus()[0]?.model ?? '?'}); medians of ${runs} runs\n`);
  console.log(
    table([
      [`${sessions} megolm sessions`, 'SQLite IndexedDB', 'fake-indexeddb (in memory)'],
      ['load the records into memory first, ms', '—', fmt(f.copyMs)],
      ['open store + OlmMachine, ms', fmt(s.openMs), fmt(f.openMs)],
      ['  StoreHandle.openWithKey, ms', fmt(s.handleMs), fmt(f.handleMs)],
      ['  OlmMachine.initFromStore, ms', fmt(s.machineMs), fmt(f.machineMs)],
      ['  the same, empty store, ms', fmt(se.openMs), fmt(fe.openMs)],
      ['RSS after open, MiB', fmt(s.rssAfterMiB), fmt(f.rssAfterMiB)],
      ['  the same, empty store, MiB', fmt(se.rssAfterMiB), fmt(fe.rssAfterMiB)],
      ['RSS the sessions add (full − empty), MiB', fmt(sqliteAdded), fmt(fakeAdded)],
      ['first decrypt (cold session lookup), ms', fmt(s.firstDecryptMs, 2), fmt(f.firstDecryptMs, 2)],
      [`decrypt, another session each (median of ${probes - 1}), ms`, fmt(s.decryptMedianMs, 2), fmt(f.decryptMedianMs, 2)],
      ['  slowest of those, ms', fmt(s.decryptMaxMs, 2), fmt(f.decryptMaxMs, 2)],
      ['failed decrypts', String(s.failedDecrypts), String(f.failedDecrypts)],
    ]),
  );
  console.log(`\n(import of ${filled.imported} sessions into SQLite: ${fmt(filled.importMs / 1000)} s)\n`);
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  console.log(
    table([
      ['target', 'wanted', 'measured', ''],
      [`open store + machine, ${sessions} sessions`, '< 1000 ms', `${fmt(s.openMs)} ms`, verdict(s.openMs < 1000)],
      ['RSS the sessions add', '< 40 MiB', `${fmt(sqliteAdded)} MiB`, verdict(sqliteAdded < 40)],
      ['decrypts that failed', '0', String(s.failedDecrypts), verdict(s.failedDecrypts === 0)],
    ]),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
