import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test } from '@playwright/test';
import { HARNESS } from '../../src-main/ipc/channels';

// The browser harness as a user runs it (`npm run web`): the real core in its worker thread,
// the built renderer, the WebSocket bridge.
const root = resolve(import.meta.dirname, '../..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
};
let harness: ChildProcess;
let pageUrl: string;
let dataDir: string;
let stderr = '';

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lm-web-'));
  // `npm run web` without npm and tsx's CLI in between, so SIGTERM reaches the harness itself.
  const args = ['--import', 'tsx', 'src-main/web/main.ts', '--data-dir', dataDir];
  harness = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  harness.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: harness.stdout! });
  pageUrl = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`harness not ready:\n${stderr}`)), 60_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const match = /^ready: (http:\/\/127\.0\.0\.1:\d+\/\?secret=[\w-]+)$/.exec(line);
      if (match) done(match[1]!);
      else fail(new Error(`unexpected first line: ${line}`));
    });
    harness.once('exit', (code) => fail(new Error(`harness exited (${code}):\n${stderr}`)));
  });
});

test.afterAll(async () => {
  if (harness && harness.exitCode === null) {
    const exited = new Promise((done) => harness.once('exit', done));
    harness.kill('SIGTERM');
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('the harness page reaches the real core over the WebSocket', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.goto(pageUrl);
  // The core answered: nobody is signed in, so the login form shows, with the core's version.
  await expect(page.getByLabel('Homeserver')).toBeVisible();
  await expect(page.getByText(`v${version}`)).toBeVisible();
  expect(errors).toEqual([]);
});

test('without the secret the page gets no API', async ({ page }) => {
  const url = new URL(pageUrl);
  url.search = '';
  await page.goto(url.href);
  await expect(page.getByRole('alert')).toContainText('Cannot reach the LightMatrix core');
  const opened = await page.evaluate(
    ({ wsUrl, protocols }) =>
      new Promise<boolean>((done) => {
        const ws = new WebSocket(wsUrl, protocols);
        ws.onopen = () => done(true);
        ws.onerror = () => done(false);
      }),
    {
      wsUrl: `ws://${url.host}${HARNESS.wsPath}`,
      protocols: [HARNESS.wsProtocol, `${HARNESS.wsSecretPrefix}wrong`],
    },
  );
  expect(opened).toBe(false);
});
