/**
 * Signing in through the login screen, the room list it leads to, and opening a room: the
 * real core in the browser harness, against the test homeserver.
 */
import { expect, test } from '@playwright/test';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import {
  addMessages,
  clientApi,
  collectErrors,
  composer,
  createRoom,
  createUser,
  Harness,
  openRoom,
  removeDir,
  roomEntry,
  roomList,
  signIn,
  tempDir,
  timeline,
  type SeededUser,
} from './testing/app';

let hs: RunningHomeserver;
let harness: Harness;
let dataDir: string;
let alice: SeededUser;

test.beforeAll(async () => {
  hs = await startTestServer();
  alice = await createUser(hs.url, 'alice', 'Alice Liddell');
  const bob = await createUser(hs.url, 'bob', 'Bob Builder');
  const project = await createRoom(hs.url, {
    creator: alice.userId,
    members: [bob.userId],
    name: 'Project X',
  });
  await clientApi(hs.url, alice)('PUT', `/rooms/${project}/state/m.room.topic/`, {
    topic: 'Everything about the launch',
  });
  await addMessages(hs.url, project, bob.userId, 5, 'Welcome to Project X');
  const review = await createRoom(hs.url, {
    creator: bob.userId,
    members: [alice.userId],
    name: 'Design Review',
  });
  await addMessages(hs.url, review, bob.userId, 2, 'Mockups round');
  const party = await createRoom(hs.url, { creator: bob.userId, name: 'Party Planning' });
  await clientApi(hs.url, bob)('POST', `/rooms/${party}/invite`, { user_id: alice.userId });
  dataDir = tempDir('lm-spec-login-');
  harness = await Harness.start(dataDir);
});

test.afterAll(async () => {
  await harness?.stop();
  await hs?.close();
  removeDir(dataDir);
});

test('a wrong password is refused with a message, the right one signs in', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(harness.url);
  await page.getByLabel('Homeserver').fill(hs.url);
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByLabel('Password')).toHaveValue('');
  await expect(roomList(page)).toHaveCount(0);

  await signIn(page, hs.url, 'alice', alice.password);
  expect(errors).toEqual([]);
});

test('the room list shows joined rooms with previews, and the invite', async ({ page }) => {
  await page.goto(harness.url);
  // Still signed in: the core kept the session.
  await expect(roomList(page)).toBeVisible();
  await expect(roomEntry(page, 'Project X')).toBeVisible();
  await expect(roomEntry(page, 'Project X')).toContainText('Welcome to Project X 5');
  await expect(roomEntry(page, 'Design Review')).toContainText('Mockups round 2');
  await expect(roomEntry(page, 'Party Planning')).toBeVisible();
  await expect(
    roomList(page).getByRole('button', { name: 'Accept invite to Party Planning' }),
  ).toBeVisible();
});

test('opening a room shows its name, topic, latest messages and the composer', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(harness.url);
  await openRoom(page, 'Project X');
  await expect(page.getByText('Everything about the launch', { exact: true })).toBeVisible();
  for (const n of [3, 4, 5]) {
    await expect(
      timeline(page).getByText(`Welcome to Project X ${n}`, { exact: true }),
    ).toBeVisible();
  }
  await expect(timeline(page).getByText('Bob Builder').first()).toBeVisible();
  await expect(composer(page)).toBeVisible();
  await expect(roomEntry(page, 'Project X')).toHaveAttribute('aria-current', 'page');

  await openRoom(page, 'Design Review');
  await expect(timeline(page).getByText('Mockups round 2', { exact: true })).toBeVisible();
  await expect(timeline(page).getByText('Welcome to Project X 5')).toHaveCount(0);
  expect(errors).toEqual([]);
});
