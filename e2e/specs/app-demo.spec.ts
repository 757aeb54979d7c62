/**
 * `npm run demo` as a user runs it: one `ready:` line, the page already signed in to the seeded
 * rooms, Ada answering; and a second run on the same data that seeds nothing and signs in
 * nothing again, with what was written in the first run still there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test } from '@playwright/test';
import {
  collectErrors,
  composer,
  message,
  openRoom,
  removeDir,
  roomEntry,
  roomList,
  tempDir,
  timeline,
} from './testing/app';

const root = resolve(import.meta.dirname, '../..');
let dataDir: string;
let demo: ChildProcess | undefined;

/** Starts the demo (without npm in between, so SIGTERM reaches it) and waits for `ready:`. */
async function startDemo(): Promise<{ url: string; stderr: () => string }> {
  const args = ['--import', 'tsx', 'e2e/demo/main.ts', '--data-dir', dataDir, '--no-open'];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  demo = child;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`demo not ready:\n${stderr}`)), 90_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const match = /^ready: (http:\/\/127\.0\.0\.1:\d+\/\?secret=[\w-]+)$/.exec(line);
      if (match) done(match[1]!);
      else fail(new Error(`unexpected first line: ${line}`));
    });
    child.once('exit', (code) => fail(new Error(`demo exited (${code}):\n${stderr}`)));
  });
  return { url, stderr: () => stderr };
}

async function stopDemo(): Promise<void> {
  const child = demo;
  demo = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

test.beforeAll(() => {
  dataDir = tempDir('lm-spec-demo-');
});

test.afterAll(async () => {
  await stopDemo();
  removeDir(dataDir);
});

test('the demo opens signed in, Ada answers, and a second run keeps it all', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const first = await startDemo();
  // Written to stderr before the ready line (the two pipes may arrive in either order).
  await expect.poll(first.stderr).toMatch(/seeded 12 rooms, 2 invites/);
  const context = await browser.newContext();
  let page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(first.url);
  await expect(roomList(page)).toBeVisible({ timeout: 20_000 });
  await expect(page.getByLabel('Password')).toHaveCount(0);
  // The top of the (virtualized) list: invites, favourites, people.
  for (const name of ['Board Games Night', 'Engineering', 'Release 1.0', 'Ada']) {
    await expect(roomEntry(page, name)).toBeVisible();
  }
  await openRoom(page, 'Ada');
  await composer(page).fill('Thanks for the tour, Ada');
  await composer(page).press('Enter');
  await expect(message(page, 'Thanks for the tour, Ada')).toBeVisible();
  await expect(timeline(page).getByText('You’re welcome! 😊')).toBeVisible({ timeout: 30_000 });
  expect(errors).toEqual([]);
  await page.close();
  await stopDemo();

  const state = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8'));
  const second = await startDemo();
  await expect.poll(second.stderr).toMatch(/signed in as "demo"/);
  expect(second.stderr()).not.toMatch(/seeded/);
  expect(JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8'))).toEqual(state);
  page = await context.newPage();
  await page.goto(second.url);
  await expect(roomList(page)).toBeVisible({ timeout: 20_000 });
  await openRoom(page, 'Ada');
  await expect(message(page, 'Thanks for the tour, Ada')).toBeVisible();
  await expect(timeline(page).getByText('You’re welcome! 😊')).toBeVisible();
  await context.close();
});
