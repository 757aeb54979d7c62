import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { runChild, type ChildOutcome } from './children';
import type { StoreFillResult, StoreOpenResult } from './metrics';
import { runStoreBench, summarizeStore, type StoreChild, type StoreRound } from './store-bench';

const CHILD = join(import.meta.dirname, 'crypto-store-child.ts');
const dirs: string[] = [];

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-test-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function opened(backend: 'sqlite' | 'fake', over: Partial<StoreOpenResult> = {}): StoreOpenResult {
  return {
    backend,
    openMs: 100,
    handleMs: 40,
    machineMs: 60,
    copyMs: 0,
    rssBeforeMiB: 90,
    rssAfterMiB: 100,
    rssAddedMiB: 10,
    firstDecryptMs: 5,
    decryptMedianMs: 1,
    decryptMaxMs: 2,
    decrypts: 3,
    failedDecrypts: 0,
    ...over,
  };
}

function round(full: number, empty: number, openMs: number): StoreRound {
  return {
    sqlite: opened('sqlite', { rssAfterMiB: full, openMs }),
    sqliteEmpty: opened('sqlite', { rssAfterMiB: empty, decrypts: 0 }),
    fake: opened('fake', { rssAfterMiB: full + 50, openMs }),
    fakeEmpty: opened('fake', { rssAfterMiB: empty, decrypts: 0 }),
  };
}

const fill: StoreFillResult = { imported: 30, importMs: 2500 };
const opts = { sessions: 30, rooms: 5, probes: 3 };

test('the figures are medians over the runs; the RSS added, the median of each run’s full − empty', () => {
  // Runs' (full, empty): the difference of the medians would be 120 − 100 = 20, not 10.
  const rounds = [round(110, 100, 300), round(120, 90, 100), round(200, 190, 200)];
  const out = summarizeStore(opts, fill, rounds);
  expect(out.ok).toBe(true);
  if (!out.ok) return;
  const { sqlite, fake, runs, importSeconds } = out.result.summary;
  expect(sqlite.rssAddedMiB).toBe(10);
  expect(sqlite.openMs).toBe(200);
  expect(fake.rssAddedMiB).toBe(60);
  expect([runs, importSeconds]).toEqual([3, 2.5]);
});

test('a store that lost a session, or did not take them all, gives no figures but a reason', () => {
  const lost = round(110, 100, 300);
  lost.fake = opened('fake', { failedDecrypts: 1 });
  const failed = summarizeStore(opts, fill, [round(110, 100, 300), lost]);
  expect(failed).toEqual({ ok: false, error: expect.stringMatching(/fake, run 2: 1 of 3 probe decryptions failed/) });
  const short = summarizeStore(opts, { imported: 29, importMs: 1 }, [round(110, 100, 300)]);
  expect(short).toEqual({ ok: false, error: expect.stringMatching(/imported 29 of 30/) });
});

test('the store is filled once for every run; a crashed child ends the benchmark with its error', async () => {
  const calls: string[][] = [];
  const fake = (crashAt: number): StoreChild =>
    (<T>(args: string[]): Promise<ChildOutcome<T>> => {
      calls.push(args);
      if (calls.length === crashAt) return Promise.resolve({ ok: false, error: 'exit code 1\nboom' });
      const result = args[0] === 'fill' ? fill : opened(args[4] === 'fake' ? 'fake' : 'sqlite');
      return Promise.resolve({ ok: true, result: result as T });
    }) as StoreChild;
  const ok = await runStoreBench({ ...opts, runs: 3, work: workDir() }, fake(0));
  expect(ok.ok).toBe(true);
  expect(calls.filter((a) => a[0] === 'fill')).toHaveLength(2);
  expect(calls.filter((a) => a[0] === 'open')).toHaveLength(12);

  calls.length = 0;
  const crashed = await runStoreBench({ ...opts, runs: 3, work: workDir() }, fake(5));
  expect(crashed).toEqual({ ok: false, error: 'crypto store, fake: exit code 1\nboom' });
  expect(calls).toHaveLength(5);
});

test('the real children fill and open a small store, every probe decrypted', async () => {
  const child: StoreChild = (args) => runChild(CHILD, args, ['--expose-gc', '--import', 'tsx']);
  const out = await runStoreBench({ ...opts, runs: 1, work: workDir() }, child);
  if (!out.ok) throw new Error(out.error);
  const { summary, rounds } = out.result;
  expect(summary.sessions).toBe(30);
  expect(rounds[0]!.sqlite.decrypts).toBe(3);
  expect(summary.sqlite.openMs).toBeGreaterThan(0);
  expect(summary.fake.copyMs).toBeGreaterThan(0);
  expect(summary.sqlite.rssAfterMiB).toBeGreaterThan(10);
}, 180_000);
