/**
 * Settings: the display name, and the sessions list (rename, sign out another session with the
 * password), through the real core in the browser harness.
 */
import { expect, test } from '@playwright/test';
import type { RunningHomeserver } from '../homeserver';
import { api, startTestServer } from '../homeserver/testing/helpers';
import { collectErrors, createUser, Harness, removeDir, signIn, tempDir } from './testing/app';

let hs: RunningHomeserver;
let harness: Harness;
let dataDir: string;

test.beforeAll(async () => {
  hs = await startTestServer();
  dataDir = tempDir('lm-spec-settings-');
  harness = await Harness.start(dataDir);
});

test.afterAll(async () => {
  await harness?.stop();
  await hs?.close();
  removeDir(dataDir);
});

test('changes the display name and signs another session out', async ({ page }) => {
  const errors = collectErrors(page);
  const alice = await createUser(hs.url, 'alice', 'Alice Liddell');
  await page.goto(harness.url);
  await signIn(page, hs.url, 'alice', alice.password);

  await page.getByRole('button', { name: 'Settings' }).click();
  const name = page.getByLabel('Display name');
  await expect(name).toHaveValue('Alice Liddell');
  await name.fill('Alice L.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  const profile = await api(hs.url, 'GET', '/_matrix/client/v3/profile/@alice:test.local');
  expect(profile.body.displayname).toBe('Alice L.');

  // The seeded token is a second session of Alice's.
  await page.getByRole('tab', { name: 'Sessions' }).click();
  await expect(page.getByText('This device')).toBeVisible();
  await page.getByRole('checkbox').first().check();
  await page.getByLabel('Password, to sign out the selected sessions').fill(alice.password);
  await page.screenshot({ path: 'test-results/screenshots/settings-sessions.png' });
  await page.getByRole('button', { name: /Sign out 1 selected/ }).click();
  await expect(page.getByRole('checkbox')).toHaveCount(0);
  const whoami = await api(
    hs.url,
    'GET',
    '/_matrix/client/v3/account/whoami',
    undefined,
    alice.token,
  );
  expect(whoami.body.errcode).toBe('M_UNKNOWN_TOKEN');
  expect(errors).toEqual([]);
});
