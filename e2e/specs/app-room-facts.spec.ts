/**
 * What the room list and the timeline say about rooms and messages: a profile change is not
 * activity (badges, order and previews stay), previews and quotes are plain text, the filter
 * matches names, addresses and members (not room ids), old messages keep the sender's name of
 * their time, and a new room's setup is one line.
 */
import { expect, test, type Page } from '@playwright/test';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import {
  addEvents,
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
  type SeededUser,
} from './testing/app';

test.describe.configure({ mode: 'serial' });

let hs: RunningHomeserver;
let harness: Harness;
let dataDir: string;
let page: Page;
let errors: string[];
let dora: SeededUser;
let bob: SeededUser;

test.beforeAll(async ({ browser }) => {
  hs = await startTestServer();
  dora = await createUser(hs.url, 'dora', 'Dora Explorer');
  bob = await createUser(hs.url, 'bob', 'Bob Builder');
  dataDir = tempDir('lm-spec-facts-');
  harness = await Harness.start(dataDir);
  page = await browser.newPage();
  errors = collectErrors(page);
});

test.afterAll(async () => {
  await page?.close();
  await harness?.stop();
  await hs?.close();
  removeDir(dataDir);
});

/** The names of the room list's rooms, top to bottom. */
async function listOrder(): Promise<string[]> {
  return roomList(page).locator('[data-room-id] .name').allTextContents();
}

test('a display name change leaves unread badges, their counts and the room order alone', async () => {
  // Created, and then active, in orders that differ from each other and from the names', so
  // a rename bumping every room (at one time, or one after another) would reorder them.
  const rooms: Record<string, string> = {};
  for (const name of ['Beta', 'Alpha', 'Gamma', 'Sentinel']) {
    rooms[name] = await createRoom(hs.url, { creator: bob.userId, members: [dora.userId], name });
  }
  await addMessages(hs.url, rooms.Gamma!, bob.userId, 1, 'Gamma');
  await addMessages(hs.url, rooms.Alpha!, bob.userId, 3, 'Alpha');
  await addEvents(hs.url, rooms.Alpha!, bob.userId, [
    {
      type: 'm.room.message',
      content: {
        msgtype: 'm.text',
        body: 'Dora, look',
        'm.mentions': { user_ids: [dora.userId] },
      },
    },
  ]);
  await addMessages(hs.url, rooms.Beta!, bob.userId, 2, 'Beta');

  await page.goto(harness.url);
  await signIn(page, hs.url, 'dora', dora.password);
  const badges = {
    Alpha: /, 4 unread, mentions you$/,
    Beta: /, 2 unread$/,
    Gamma: /, 1 unread$/,
  };
  for (const [name, badge] of Object.entries(badges)) {
    await expect(roomEntry(page, name)).toHaveAccessibleName(badge);
  }
  const mine = (order: string[]) => order.filter((n) => n !== 'Sentinel');
  const before = mine(await listOrder());
  expect(before).toEqual(['Beta', 'Alpha', 'Gamma']);

  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('Display name').fill('Dora the Renamed');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // Sent after the rename: once it shows, the rename's member events have been synced too.
  await addMessages(hs.url, rooms.Sentinel!, bob.userId, 1, 'After the rename');
  await expect(roomEntry(page, 'Sentinel')).toContainText('After the rename 1');

  for (const [name, badge] of Object.entries(badges)) {
    await expect(roomEntry(page, name)).toHaveAccessibleName(badge);
  }
  expect(mine(await listOrder())).toEqual(before);
  await expect(roomEntry(page, 'Alpha')).toContainText('Dora, look');
  await expect(roomEntry(page, 'Beta')).toContainText('Beta 2');

  await openRoom(page, 'Gamma');
  await expect(timeline(page).getByText('Gamma 1', { exact: true })).toBeVisible();
  await expect(timeline(page).getByText(/changed their name/)).toHaveCount(0);
  // Shown only when asked for, in Settings → Appearance.
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'Appearance' }).click();
  const show = page.getByRole('checkbox', { name: 'Show name and avatar changes' });
  await show.check();
  await page.keyboard.press('Escape');
  await expect(
    timeline(page).getByText('Dora Explorer changed their name to Dora the Renamed'),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'Appearance' }).click();
  await show.uncheck();
  await page.keyboard.press('Escape');
  await expect(timeline(page).getByText(/changed their name/)).toHaveCount(0);
  const profile = await clientApi(hs.url, dora)('GET', `/profile/${dora.userId}`);
  expect(profile.body.displayname).toBe('Dora the Renamed');
  expect(errors).toEqual([]);
});

test('previews, reply quotes, the reply bar and the delete dialog show plain text', async () => {
  const roomId = await createRoom(hs.url, {
    creator: bob.userId,
    members: [dora.userId],
    name: 'Plain talk',
  });
  await createRoom(hs.url, {
    creator: bob.userId,
    members: [dora.userId],
    name: 'Quiet corner',
    topic: 'A topic is no message',
  });
  const [original] = await addEvents(hs.url, roomId, bob.userId, [
    {
      type: 'm.room.message',
      content: {
        msgtype: 'm.text',
        body: '**Deploy** is _done_',
        format: 'org.matrix.custom.html',
        formatted_body: '<strong>Deploy</strong> is <em>done</em>',
      },
    },
  ]);
  await expect(roomEntry(page, 'Plain talk')).toContainText('bob: Deploy is done');
  await addEvents(hs.url, roomId, bob.userId, [
    {
      type: 'm.room.message',
      content: {
        msgtype: 'm.text',
        body: `> <${bob.userId}> **Deploy** is _done_\n\nAnd **tested**`,
        format: 'org.matrix.custom.html',
        formatted_body:
          `<mx-reply><blockquote>In reply to <strong>Deploy</strong> is <em>done</em>` +
          `</blockquote></mx-reply>And <strong>tested</strong>`,
        'm.relates_to': { 'm.in_reply_to': { event_id: original } },
      },
    },
  ]);
  await expect(roomEntry(page, 'Plain talk')).toContainText('bob: And tested');
  await expect(roomEntry(page, 'Quiet corner')).not.toContainText('A topic is no message');

  await openRoom(page, 'Plain talk');
  const answer = message(page, 'And tested');
  await expect(answer.getByRole('button', { name: /Deploy is done/ })).toBeVisible();
  await expect(answer.getByText(/\*\*|In reply to|>/)).toHaveCount(0);

  const deploy = message(page, 'Deploy is done').first(); // the reply quotes it too
  await deploy.hover();
  await deploy.getByRole('button', { name: 'Reply' }).click();
  await expect(page.getByText('Replying to')).toContainText(/Bob Builder\s+Deploy is done$/);
  await page.getByRole('button', { name: 'Cancel reply' }).click();

  await composer(page).fill('My **own** words');
  await composer(page).press('Enter');
  const own = message(page, 'My own words');
  await expect(own).toBeVisible();
  await expect(roomEntry(page, 'Plain talk')).toContainText('You: My own words');
  await own.hover();
  await own.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete message?' });
  await expect(dialog).toContainText('“My own words” will be deleted');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect(errors).toEqual([]);
});

test("a new room's setup is one line, expandable to its events", async () => {
  await openRoom(page, 'Quiet corner');
  const setup = timeline(page).getByRole('button', {
    name: /^Bob Builder created and configured the room/,
  });
  await expect(setup).toHaveAttribute('aria-expanded', 'false');
  await expect(timeline(page).getByText('Bob Builder created the room')).toHaveCount(0);
  await expect(timeline(page).getByText('Dora the Renamed joined')).toBeVisible();
  await setup.click();
  await expect(setup).toHaveAttribute('aria-expanded', 'true');
  await expect(timeline(page).getByText('Bob Builder created the room')).toBeVisible();
  await expect(
    timeline(page).getByText('Bob Builder changed the topic to "A topic is no message"'),
  ).toBeVisible();
  expect(errors).toEqual([]);
});

test('an old message shows the name its sender had then', async () => {
  test.setTimeout(90_000);
  const roomId = await createRoom(hs.url, {
    creator: bob.userId,
    members: [dora.userId],
    name: 'Old names',
  });
  await addEvents(hs.url, roomId, bob.userId, [
    { type: 'm.room.message', content: { msgtype: 'm.text', body: 'Early word' } },
    {
      type: 'm.room.member',
      state_key: bob.userId,
      content: { membership: 'join', displayname: 'Bobby Tables' },
    },
  ]);
  // More than a sync's timeline: "Early word" is fetched later, by scrolling back.
  await addMessages(hs.url, roomId, bob.userId, 40, 'Filler');
  await addEvents(hs.url, roomId, bob.userId, [
    {
      type: 'm.room.member',
      state_key: bob.userId,
      content: { membership: 'join', displayname: 'Robert Tables' },
    },
  ]);
  await addMessages(hs.url, roomId, bob.userId, 1, 'Latest');

  await openRoom(page, 'Old names');
  await expect(message(page, 'Latest 1')).toContainText('Robert Tables');
  const log = timeline(page);
  await log.hover();
  await expect(async () => {
    await page.mouse.wheel(0, -2000);
    await expect(message(page, 'Early word')).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await expect(message(page, 'Early word')).toContainText('Bob Builder');
  await expect(message(page, 'Filler 1')).toContainText('Bobby Tables');
  expect(errors).toEqual([]);
});

test('the filter matches names, addresses and members, not room ids', async () => {
  const carol = await createUser(hs.url, 'cdanvers', 'Captain Marvel');
  const roomId = await createRoom(hs.url, {
    creator: bob.userId,
    members: [dora.userId, carol.userId],
    name: 'Garden club',
    room_alias_name: 'green-thumbs',
  });
  await addEvents(hs.url, roomId, bob.userId, [
    {
      type: 'm.room.canonical_alias',
      state_key: '',
      content: { alias: '#green-thumbs:test.local', alt_aliases: ['#allotment:test.local'] },
    },
  ]);
  await expect(roomEntry(page, 'Garden club')).toBeVisible();
  const filter = roomList(page).getByLabel('Filter rooms');
  const shown = async (query: string, visible: boolean) => {
    await filter.fill(query);
    if (visible) await expect(roomEntry(page, 'Garden club')).toBeVisible();
    else await expect(roomList(page).getByText(`No rooms match “${query}”.`)).toBeVisible();
    if (visible) await expect(roomEntry(page, 'Alpha')).toHaveCount(0);
  };
  await shown('garden', true);
  await shown('green-thumbs', true);
  await shown('ALLOTMENT', true);
  await shown('marvel', true);
  await shown('cdanvers', true);
  await shown(roomId.slice(1, 9), false);
  await filter.fill('');
  await expect(roomEntry(page, 'Alpha')).toBeVisible();
  expect(errors).toEqual([]);
});
