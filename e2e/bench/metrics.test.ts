import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const METRICS = fileURLToPath(new URL('./metrics.ts', import.meta.url));

/** `peakRssMb()` as a freshly spawned child process reports it. */
function childPeakRssMb(): number {
  const script = `const m = await import(${JSON.stringify(METRICS)}); process.stdout.write(String(m.peakRssMb()));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return Number(out);
}

test("a child's peak RSS is its own, not the peak of the process that spawned it", () => {
  // getrusage's maxrss survives exec: a child of a big parent would report the parent's peak.
  const held = Buffer.alloc(600 * 2 ** 20, 1);
  const peak = childPeakRssMb();
  expect(held.length).toBeGreaterThan(0);
  expect(peak).toBeGreaterThan(10);
  expect(peak).toBeLessThan(400);
});
