/**
 * Offline: sign in and read, then stop the homeserver and restart the app. The room list and
 * the cached timelines still show, the banner says the app is offline, a message written now
 * waits in the queue, and goes out once the homeserver is back.
 */
import { expect, test } from '@playwright/test';
import { startHomeserver, type RunningHomeserver } from '../homeserver';
import {
  addMessages,
  clientApi,
  collectErrors,
  composer,
  createRoom,
  createUser,
  Harness,
  message,
  openRoom,
  removeDir,
  roomEntry,
  roomList,
  signIn,
  tempDir,
  timeline,
} from './testing/app';

let hs: RunningHomeserver | undefined;
let harness: Harness | undefined;
const dirs: string[] = [];

/** A homeserver keeping its state on disk, so it can come back on the same port. */
function startServer(dir: string, port = 0): Promise<RunningHomeserver> {
  return startHomeserver({ port, dataDir: dir, testMode: true, serverName: 'test.local' });
}

test.afterAll(async () => {
  await harness?.stop();
  await hs?.close();
  for (const dir of dirs) removeDir(dir);
});

test('restarted without its homeserver, the app shows the cache and says it is offline', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const hsDir = tempDir('lm-spec-offline-hs-');
  const appDir = tempDir('lm-spec-offline-app-');
  dirs.push(hsDir, appDir);
  hs = await startServer(hsDir);
  const alice = await createUser(hs.url, 'alice', 'Alice Liddell');
  const bob = await createUser(hs.url, 'bob', 'Bob Builder');
  const notes = await createRoom(hs.url, {
    creator: bob.userId,
    members: [alice.userId],
    name: 'Field Notes',
  });
  await addMessages(hs.url, notes, bob.userId, 30, 'Note');
  const log = await createRoom(hs.url, {
    creator: bob.userId,
    members: [alice.userId],
    name: 'Daily Log',
  });
  await addMessages(hs.url, log, bob.userId, 5, 'Entry');

  harness = await Harness.start(appDir);
  await page.goto(harness.url);
  await signIn(page, hs.url, 'alice', alice.password);
  await openRoom(page, 'Field Notes');
  await expect(message(page, 'Note 30')).toBeVisible();

  // Everything stops; the app comes back alone.
  const port = hs.port;
  await page.close();
  await harness.stop();
  await hs.close();
  hs = undefined;
  harness = await Harness.start(appDir);
  const offline = await page.context().newPage();
  const errors = collectErrors(offline);
  await offline.goto(harness.url);

  await expect(roomList(offline)).toBeVisible();
  await expect(roomEntry(offline, 'Field Notes')).toBeVisible();
  await expect(roomEntry(offline, 'Daily Log')).toContainText('Entry 5');
  await expect(offline.getByRole('status').filter({ hasText: /offline/i })).toBeVisible({
    timeout: 20_000,
  });
  await openRoom(offline, 'Field Notes');
  await expect(message(offline, 'Note 30')).toBeVisible();
  await expect(message(offline, 'Note 29')).toBeVisible();
  // A room never opened before: its messages came with the first sync, and are cached too.
  await openRoom(offline, 'Daily Log');
  await expect(message(offline, 'Entry 5')).toBeVisible();

  // Written offline: it waits, then goes out once the homeserver is back (same port, same data).
  await composer(offline).fill('Written on the train');
  await composer(offline).press('Enter');
  const queued = message(offline, 'Written on the train');
  await expect(queued).toBeVisible();
  await expect(queued.getByText('Sending…')).toBeVisible();

  hs = await startServer(hsDir, port);
  // The queue and the sync retry each on their own backoff (up to 30 s, jittered), and either
  // may come first: wait for each state well past that cap.
  await expect(queued.getByText('Sending…')).toHaveCount(0, { timeout: 60_000 });
  await expect(offline.getByRole('status').filter({ hasText: /offline/i })).toHaveCount(0, {
    timeout: 60_000,
  });
  const events = await clientApi(hs.url, bob)('GET', `/rooms/${log}/messages?dir=b&limit=5`);
  expect(events.body.chunk.map((e: any) => e.content.body)).toContain('Written on the train');
  await expect(timeline(offline).getByText('Written on the train')).toHaveCount(1);
  // The page's own errors only: failed connections to the homeserver are the core's, not its.
  expect(errors).toEqual([]);
});
