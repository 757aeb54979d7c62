/**
 * The one test command (`npm test`): typecheck, lint, build, unit tests, browser tests.
 *
 * Runs every step even after a failure, streams each step's output, then prints per-step timings
 * and, as the very last line, `N passed, N failed[, N skipped]` summed over all steps. Typecheck,
 * lint and build count as one test each; vitest and Playwright are counted from their JSON
 * reports. A runner whose report is missing counts as one failure. Exits non-zero if anything
 * failed or nothing ran.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

type Counts = { passed: number; failed: number; skipped: number };
type Step = {
  name: string;
  script: string;
  /** Report to read the counts from; without one the step is a single pass/fail test. */
  report?: { path: string; parse: (json: unknown) => Counts };
};

const root = resolve(import.meta.dirname, '../..');
const vitestReport = resolve(root, 'test-results/vitest.json');
const playwrightReport = resolve(root, 'test-results/playwright.json');

type VitestReport = {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { status: string; assertionResults: { status: string }[] }[];
};

function parseVitest(json: unknown): Counts {
  const r = json as VitestReport;
  // A file that fails to load has no failed assertions of its own: count it once.
  const brokenFiles = r.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((a) => a.status === 'failed'),
  ).length;
  return {
    passed: r.numPassedTests,
    failed: r.numFailedTests + brokenFiles,
    skipped: r.numPendingTests + r.numTodoTests,
  };
}

type PlaywrightReport = {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  errors: unknown[];
};

function parsePlaywright(json: unknown): Counts {
  const { stats, errors } = json as PlaywrightReport;
  return {
    passed: stats.expected + stats.flaky,
    // Global errors (a spec that fails to load, a broken config) have no test to fail.
    failed: stats.unexpected + (stats.unexpected === 0 ? errors.length : 0),
    skipped: stats.skipped,
  };
}

const steps: Step[] = [
  { name: 'typecheck', script: 'typecheck' },
  { name: 'lint', script: 'lint' },
  { name: 'build', script: 'build' },
  { name: 'unit', script: 'test:unit', report: { path: vitestReport, parse: parseVitest } },
  { name: 'e2e', script: 'test:e2e', report: { path: playwrightReport, parse: parsePlaywright } },
];

function run(script: string): Promise<number> {
  return new Promise((done) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
    child.on('error', (err) => {
      console.error(`[test] could not start npm run ${script}: ${err.message}`);
      done(1);
    });
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

function readCounts(step: Step, exitCode: number): Counts {
  if (!step.report) {
    return exitCode === 0
      ? { passed: 1, failed: 0, skipped: 0 }
      : { passed: 0, failed: 1, skipped: 0 };
  }
  if (!existsSync(step.report.path)) {
    console.error(`[test] ${step.name}: no report at ${step.report.path}; counting 1 failure`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  try {
    const counts = step.report.parse(JSON.parse(readFileSync(step.report.path, 'utf8')));
    // A runner that exits non-zero with no failure in its report still failed (unhandled errors).
    if (exitCode !== 0 && counts.failed === 0) counts.failed = 1;
    return counts;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`[test] ${step.name}: unreadable report (${message}); counting 1 failure`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

async function main(): Promise<number> {
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  const timings: string[] = [];
  for (const step of steps) {
    // A stale report from an earlier run must never stand in for this one.
    if (step.report) rmSync(step.report.path, { force: true });
    console.log(`\n[test] ── ${step.name} (npm run ${step.script}) ──`);
    const started = performance.now();
    const exitCode = await run(step.script);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const counts = readCounts(step, exitCode);
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
    timings.push(
      `[test] ${step.name.padEnd(9)} ${seconds.padStart(6)} s  exit ${exitCode}  ` +
        `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
    );
  }
  console.log(`\n${timings.join('\n')}`);
  const skipped = total.skipped > 0 ? `, ${total.skipped} skipped` : '';
  console.log(`${total.passed} passed, ${total.failed} failed${skipped}`);
  return total.failed > 0 || total.passed + total.failed === 0 ? 1 : 0;
}

process.exitCode = await main();
