import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveStatic, type StaticServer } from '../tools/serve-static';

const rendererDir = resolve(import.meta.dirname, '../../out/renderer');
let server: StaticServer;

test.beforeAll(async () => {
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    throw new Error(`No built renderer in ${rendererDir}; run \`npm run build\` first`);
  }
  server = await serveStatic(rendererDir);
});

test.afterAll(async () => {
  await server?.close();
});

test('the built renderer shows the app name and core status without errors', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`${res.status()} ${res.url()}`);
  });

  await page.goto(server.url);

  await expect(page.getByRole('heading', { level: 1, name: 'LightMatrix' })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText('Core not connected yet');
  await page.screenshot({ path: 'test-results/renderer.png' });
  expect(errors).toEqual([]);
});
