/**
 * Scrolling back through history across gaps: the first sync caches only the latest page of a
 * long room, then a hundred messages arrive at once while the room is open (the next sync is
 * `limited`, leaving a second gap). Scrolling up must show every message, in order, down to
 * the first one.
 */
import { expect, test } from '@playwright/test';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import {
  addMessages,
  collectErrors,
  createRoom,
  createUser,
  Harness,
  message,
  openRoom,
  removeDir,
  signIn,
  tempDir,
  timeline,
} from './testing/app';

let hs: RunningHomeserver;
let harness: Harness;
let dataDir: string;

test.beforeAll(async () => {
  hs = await startTestServer();
  dataDir = tempDir('lm-spec-history-');
  harness = await Harness.start(dataDir);
});

test.afterAll(async () => {
  await harness?.stop();
  await hs?.close();
  removeDir(dataDir);
});

test('scrolls back through 250 messages across two gaps', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  const alice = await createUser(hs.url, 'alice', 'Alice Liddell');
  const bob = await createUser(hs.url, 'bob', 'Bob Builder');
  const roomId = await createRoom(hs.url, {
    creator: bob.userId,
    members: [alice.userId],
    name: 'Archive',
  });
  await addMessages(hs.url, roomId, bob.userId, 150, 'Backlog');

  await page.goto(harness.url);
  await signIn(page, hs.url, 'alice', alice.password);
  await openRoom(page, 'Archive');
  await expect(message(page, 'Backlog 150')).toBeVisible();

  // A burst larger than a sync's timeline: the core gets a limited timeline and a new gap.
  await addMessages(hs.url, roomId, bob.userId, 100, 'Later');
  await expect(message(page, 'Later 100')).toBeVisible({ timeout: 30_000 });

  const expected = [
    ...Array.from({ length: 150 }, (_, i) => `Backlog ${i + 1}`),
    ...Array.from({ length: 100 }, (_, i) => `Later ${i + 1}`),
  ];
  const seen = new Set<string>();
  const log = timeline(page);
  const read = async () => {
    for (const t of await log.getByText(/^(Backlog|Later) \d+$/).allTextContents()) seen.add(t);
  };
  const firstRow = log.locator('[data-event-id]').first();
  // What shows before the first step (the newest messages), then after each step. A step is a
  // third of the list's height, and each read waits until the rows have moved, so two reads
  // always overlap, however slowly the list follows the wheel.
  await read();
  const step = Math.round((await log.evaluate((el) => el.clientHeight)) / 3);
  expect(step).toBeGreaterThan(50);
  await log.hover();
  while (!seen.has('Backlog 1')) {
    const top = await firstRow.getAttribute('data-event-id');
    // Moved up, or older rows came in above (at the top, while a page loads). A step taken
    // while the list still settles at the newest message can be undone by it: as a person
    // would, scroll again until the rows move.
    await expect(async () => {
      await page.mouse.wheel(0, -step);
      await expect(firstRow).not.toHaveAttribute('data-event-id', top!, { timeout: 5_000 });
    }).toPass({ timeout: 60_000 });
    await read();
  }

  expect(expected.filter((t) => !seen.has(t))).toEqual([]);
  // On screen in the server's order: the first message sits above the second, and so on.
  const top = await log.getByText(/^Backlog \d+$/).allTextContents();
  const numbers = top.map((t) => Number(t.split(' ')[1]));
  expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  expect(numbers[0]).toBe(1);
  expect(errors).toEqual([]);
});
