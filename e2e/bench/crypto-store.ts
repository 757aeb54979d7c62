/**
 * `npx tsx e2e/bench/crypto-store.ts [--sessions N] [--runs R] [--rooms M] [--probes P]`: the
 * crypto store benchmark of `npm run bench` alone (`store-bench.ts`: the SQLite IndexedDB of
 * `src-main/storage/idb/` against plain in-memory fake-indexeddb), its children run through tsx.
 * Prints its table and its targets; exits 1 when a child failed (a missed target is a MISS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runChild } from './children';
import { judgeStore, storeTable } from './crypto-report';
import { targetTable } from './report';
import { STORE_PROBES, STORE_ROOMS, STORE_SESSIONS, runStoreBench } from './store-bench';

const CHILD = join(import.meta.dirname, 'crypto-store-child.ts');

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: String(STORE_SESSIONS) },
    runs: { type: 'string', default: '3' },
    rooms: { type: 'string', default: String(STORE_ROOMS) },
    probes: { type: 'string', default: String(STORE_PROBES) },
    'keep-data': { type: 'boolean', default: false },
  },
});
const sessions = Number(values.sessions);
const runs = Number(values.runs);
const rooms = Number(values.rooms);
const probes = Number(values.probes);
if (
  ![sessions, runs, rooms, probes].every((n) => Number.isInteger(n) && n >= 1) ||
  probes < 2 ||
  probes > sessions
) {
  console.error('usage: crypto-store.ts [--sessions N] [--runs R] [--rooms M] [--probes 2 ≤ P ≤ N] [--keep-data]');
  process.exit(2);
}

async function main(): Promise<boolean> {
  const work = mkdtempSync(join(tmpdir(), 'lightmatrix-crypto-bench-'));
  console.log(`crypto store: ${sessions} sessions over ${rooms} rooms, ${runs} run(s); in ${work}`);
  try {
    const outcome = await runStoreBench(
      { sessions, rooms, probes, runs, work, log: (line) => console.log(line) },
      (args) => runChild(CHILD, args, ['--expose-gc', '--import', 'tsx']),
    );
    if (!outcome.ok) {
      console.error(`\n${outcome.error}\n`);
      return false;
    }
    const { summary } = outcome.result;
    console.log(`\n${cpus().length} cores (${cpus()[0]?.model ?? '?'})\n`);
    console.log(`${storeTable(summary)}\n\n${targetTable(judgeStore(summary))}`);
    return true;
  } finally {
    if (!values['keep-data']) rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
