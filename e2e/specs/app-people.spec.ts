/**
 * People and permissions: controls offered only as power levels allow (and refusals in words),
 * the profile card (from the timeline and the member list) with DM, ignore, role, kick and ban,
 * the room context menu, and an edited message's history.
 */
import { expect, test, type Page } from '@playwright/test';
import type { RunningHomeserver } from '../homeserver';
import { api, startTestServer } from '../homeserver/testing/helpers';
import {
  addMessages,
  clientApi,
  collectErrors,
  createRoom,
  createUser,
  Harness,
  message,
  openRoom,
  removeDir,
  roomEntry,
  roomList,
  shot,
  signIn,
  tempDir,
  type SeededUser,
} from './testing/app';

test.describe.configure({ mode: 'serial', timeout: 90_000 });

let hs: RunningHomeserver;
let harness: Harness;
let dataDir: string;
let page: Page;
let errors: string[];
let alice: SeededUser;
let bob: SeededUser;
let carol: SeededUser;
/** Bob's room: Alice is an ordinary member. */
let square: string;
/** Alice's room: she is its admin. */
let workshop: string;

test.beforeAll(async ({ browser }) => {
  hs = await startTestServer();
  alice = await createUser(hs.url, 'alice', 'Alice Liddell');
  bob = await createUser(hs.url, 'bob', 'Bob Builder');
  carol = await createUser(hs.url, 'carol', 'Carol Danvers');
  const members = [alice.userId, bob.userId, carol.userId];
  square = await createRoom(hs.url, { creator: bob.userId, members, name: 'Town square' });
  workshop = await createRoom(hs.url, { creator: alice.userId, members, name: 'Workshop' });
  await addMessages(hs.url, square, bob.userId, 1, 'Square news');
  await addMessages(hs.url, workshop, bob.userId, 1, 'Workshop news');
  dataDir = tempDir('lm-spec-people-');
  harness = await Harness.start(dataDir);
  page = await browser.newPage();
  errors = collectErrors(page);
  await page.goto(harness.url);
  await signIn(page, hs.url, 'alice', alice.password);
});

test.afterAll(async () => {
  await page?.close();
  await harness?.stop();
  await hs?.close();
  removeDir(dataDir);
});

const as = (user: SeededUser) => clientApi(hs.url, user);
const enc = encodeURIComponent;

async function openInfo() {
  await page.getByRole('button', { name: 'Room info' }).click();
  const info = page.getByRole('complementary', { name: 'Room info' });
  await expect(info).toBeVisible();
  return info;
}

async function closeInfo() {
  await page.getByRole('button', { name: 'Close room info' }).click();
}

/** Bob's power levels in `roomId` as the server has them. */
async function powerLevels(roomId: string) {
  const r = await as(bob)('GET', `/rooms/${enc(roomId)}/state/m.room.power_levels/`);
  expect(r.status).toBe(200);
  return r.body as { users: Record<string, number> };
}

/** A membership as the server has it, read by `reader` (who must be in the room). */
async function membership(roomId: string, userId: string, reader = alice): Promise<string> {
  const r = await as(reader)('GET', `/rooms/${enc(roomId)}/state/m.room.member/${enc(userId)}`);
  return r.body.membership;
}

test('an ordinary member is offered only what the power levels allow', async () => {
  // Inviting needs a moderator here (the default is anyone).
  const pl = { ...(await powerLevels(square)), invite: 50 };
  const path = `/rooms/${enc(square)}/state/m.room.power_levels/`;
  expect((await as(bob)('PUT', path, pl)).status).toBe(200);
  await openRoom(page, 'Town square');
  const info = await openInfo();
  await expect(info.getByRole('list', { name: 'Joined' })).toContainText('Bob Builder');
  await expect(info.getByText('Town square', { exact: true })).toBeVisible();
  await expect(info.getByRole('button', { name: 'Edit name' })).toHaveCount(0);
  await expect(info.getByRole('button', { name: 'Edit topic' })).toHaveCount(0);
  await expect(info.getByRole('button', { name: 'Enable encryption' })).toHaveCount(0);
  await expect(info.getByRole('button', { name: 'Invite' })).toHaveCount(0);

  // Made a moderator by Bob, she may now set the topic and invite (the panel follows).
  const put = await as(bob)('PUT', path, {
    ...pl,
    users: { ...pl.users, [alice.userId]: 50 },
  });
  expect(put.status).toBe(200);
  await expect(info.getByRole('button', { name: 'Edit topic' })).toBeVisible();
  await expect(info.getByRole('button', { name: 'Invite' })).toBeVisible();
  await closeInfo();

  // Bob's message: as a moderator she may delete it (redact needs 50); back at 0, not any more.
  const news = message(page, 'Square news 1');
  await news.hover();
  await expect(news.getByRole('button', { name: 'Reply' })).toBeVisible();
  await expect(news.getByRole('button', { name: 'Delete' })).toBeVisible();
  await as(bob)('PUT', path, pl);
  await news.hover();
  await expect(news.getByRole('button', { name: 'Delete' })).toHaveCount(0);
  await expect(news.getByRole('button', { name: 'Reply' })).toBeVisible();

  // Her profile card of Bob offers no moderation.
  await news.getByRole('button', { name: 'Bob Builder', exact: true }).click();
  const card = page.getByRole('dialog', { name: 'Bob Builder' });
  await expect(card).toBeVisible();
  await expect(card.getByRole('button', { name: 'Message' })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Ban' })).toHaveCount(0);
  await expect(card.getByRole('button', { name: 'Remove from room' })).toHaveCount(0);
  await expect(card.getByLabel('Power level')).toHaveCount(0);
  await card.getByRole('button', { name: 'Close' }).click();
  await expect(card).toHaveCount(0);
});

test('an admin gets every control; a refusal is said in words', async () => {
  await openRoom(page, 'Workshop');
  const info = await openInfo();
  await expect(info.getByRole('button', { name: 'Edit name' })).toBeVisible();
  await expect(info.getByRole('button', { name: 'Invite' })).toBeVisible();
  const news = message(page, 'Workshop news 1');
  await news.hover();
  await expect(news.getByRole('button', { name: 'Delete' })).toBeVisible();

  // The server refuses (say, the levels changed meanwhile): no "M_FORBIDDEN" on screen.
  const prefix = `/_matrix/client/v3/rooms/${enc(workshop)}/state/m.room.topic`;
  const fault = await api(hs.url, 'POST', '/_test/faults', {
    kind: 'error',
    path_prefix: prefix,
    method: 'PUT',
    status: 403,
    errcode: 'M_FORBIDDEN',
    times: 1,
  });
  expect(fault.status).toBe(200);
  await info.getByRole('button', { name: 'Edit topic' }).click();
  await info.getByLabel('Topic').fill('Tools and benches');
  await info.getByRole('button', { name: 'Save' }).click();
  await expect(info.getByRole('alert')).toHaveText(
    'Only moderators can change the topic of this room.',
  );
  await expect(info).not.toContainText('M_FORBIDDEN');
  await info.getByRole('button', { name: 'Cancel' }).click();
  await closeInfo();
});

test('the profile card: shared rooms, ignore, role, ban and unban, from the timeline', async () => {
  await openRoom(page, 'Workshop');
  // The avatar opens it too (the name is the keyboard's way).
  await message(page, 'Workshop news 1')
    .getByRole('button', { name: 'Profile of Bob Builder' })
    .click();
  const card = page.getByRole('dialog', { name: 'Bob Builder' });
  await expect(card).toBeVisible();
  await expect(card).toContainText(bob.userId);
  const shared = card.getByRole('list', { name: 'Shared rooms' });
  await expect(shared).toContainText('Town square');
  await expect(shared).toContainText('Workshop');

  await shot(page, 'profile-card-light');

  // Ignore, then stop: written to the server's ignore list.
  await card.getByRole('button', { name: 'Ignore', exact: true }).click();
  await expect(card.getByRole('button', { name: 'Unignore' })).toBeVisible();
  const list = async () =>
    (await as(alice)('GET', `/user/${enc(alice.userId)}/account_data/m.ignored_user_list`)).body;
  expect(Object.keys((await list()).ignored_users)).toEqual([bob.userId]);
  await card.getByRole('button', { name: 'Unignore' }).click();
  await expect(card.getByRole('button', { name: 'Ignore', exact: true })).toBeVisible();
  expect(Object.keys((await list()).ignored_users)).toEqual([]);

  // Make him a moderator.
  await card.getByLabel('Power level').selectOption({ label: 'Moderator (50)' });
  await expect.poll(async () => (await powerLevels(workshop)).users[bob.userId]).toBe(50);
  await expect(card).toContainText('Moderator in Workshop');

  // Ban, with a reason, after a confirmation; then unban.
  await card.getByRole('button', { name: 'Ban' }).click();
  await card.getByLabel('Reason (optional)').fill('Too many hammers');
  await card.getByRole('button', { name: 'Ban', exact: true }).click();
  await expect.poll(() => membership(workshop, bob.userId)).toBe('ban');
  const ban = await as(alice)(
    'GET',
    `/rooms/${enc(workshop)}/state/m.room.member/${enc(bob.userId)}`,
  );
  expect(ban.body.reason).toBe('Too many hammers');
  await card.getByRole('button', { name: 'Unban' }).click();
  await expect.poll(() => membership(workshop, bob.userId)).toBe('leave');
  await card.getByRole('button', { name: 'Close' }).click();
});

test('the profile card from the member list: remove someone, and message them', async () => {
  await openRoom(page, 'Workshop');
  const info = await openInfo();
  await info
    .getByRole('list', { name: 'Joined' })
    .getByRole('button', { name: /Carol Danvers/ })
    .click();
  const card = page.getByRole('dialog', { name: 'Carol Danvers' });
  await expect(card).toBeVisible();
  await card.getByRole('button', { name: 'Remove from room' }).click();
  await card.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect.poll(() => membership(workshop, carol.userId)).toBe('leave');

  // "Message" opens (here: starts) the direct chat with her.
  await card.getByRole('button', { name: 'Message' }).click();
  await expect(card).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByRole('heading', { level: 1, name: 'Carol Danvers' })).toBeVisible();
  const dm = await as(carol)('GET', '/sync?timeout=0');
  expect(Object.keys(dm.body.rooms?.invite ?? {})).toHaveLength(1);
});

test('the room context menu: favourite, low priority, unread, notifications, copy, leave', async () => {
  const entry = roomEntry(page, 'Town square');
  const tags = async () =>
    Object.keys(
      (await as(alice)('GET', `/user/${enc(alice.userId)}/rooms/${enc(square)}/tags`)).body.tags,
    );
  const menu = page.getByRole('menu', { name: 'Room options for Town square' });
  const open = async () => {
    await entry.click({ button: 'right' });
    await expect(menu).toBeVisible();
  };

  await open();
  await menu.getByRole('menuitemcheckbox', { name: 'Favourite' }).click();
  await expect(menu).toHaveCount(0);
  await expect.poll(tags).toEqual(['m.favourite']);
  const favourites = roomList(page).getByRole('button', { name: /^Favourites/ });
  await expect(favourites).toBeVisible();

  // Low priority replaces favourite.
  await open();
  await expect(menu.getByRole('menuitemcheckbox', { name: 'Favourite' })).toHaveAttribute(
    'aria-checked',
    'true',
  );
  await menu.getByRole('menuitemcheckbox', { name: 'Low priority' }).click();
  await expect.poll(tags).toEqual(['m.lowpriority']);
  await expect(favourites).toHaveCount(0);
  await expect(roomList(page).getByRole('button', { name: /^Low priority/ })).toBeVisible();

  // Mark as unread, then as read.
  await open();
  await menu.getByRole('menuitem', { name: 'Mark as unread' }).click();
  await expect(entry).toHaveAccessibleName(/marked unread/);
  await open();
  await menu.getByRole('menuitem', { name: 'Mark as read' }).click();
  await expect(entry).not.toHaveAccessibleName(/marked unread/);

  // Mute: an override push rule for the room.
  await open();
  await menu.getByRole('menuitemradio', { name: 'Mute' }).click();
  await expect
    .poll(async () => {
      const rules = (await as(alice)('GET', '/pushrules/')).body.global.override as {
        rule_id: string;
      }[];
      return rules.some((r) => r.rule_id === square);
    })
    .toBe(true);
  await open();
  await expect(menu.getByRole('menuitemradio', { name: 'Mute' })).toHaveAttribute(
    'aria-checked',
    'true',
  );
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await expect(entry).toBeFocused();

  // The "⋯" button opens the same menu; copy the link.
  await entry.hover();
  await roomList(page).getByRole('button', { name: 'Room options for Town square' }).click();
  await expect(menu).toBeVisible();
  await menu.getByRole('menuitem', { name: 'Copy link' }).click();
  await expect(roomList(page).getByRole('status')).toHaveText(
    `Copied https://matrix.to/#/${enc(square)}?via=test.local`,
  );

  // Leave, after a confirmation.
  await open();
  await menu.getByRole('menuitem', { name: 'Leave' }).click();
  const dialog = page.getByRole('dialog', { name: 'Leave room?' });
  await dialog.getByRole('button', { name: 'Leave' }).click();
  await expect(entry).toHaveCount(0);
  await expect.poll(() => membership(square, alice.userId, bob)).toBe('leave');
});

test('"(edited)" opens the earlier versions, newest first', async () => {
  const room = await createRoom(hs.url, {
    creator: bob.userId,
    members: [alice.userId, bob.userId],
    name: 'Drafts',
  });
  const send = (content: unknown) =>
    as(bob)('PUT', `/rooms/${enc(room)}/send/m.room.message/t${Math.random()}`, content);
  const original = (await send({ msgtype: 'm.text', body: 'Frist draft' })).body.event_id;
  for (const body of ['First draft', 'First draft, final']) {
    await send({
      msgtype: 'm.text',
      body: `* ${body}`,
      'm.new_content': { msgtype: 'm.text', body },
      'm.relates_to': { rel_type: 'm.replace', event_id: original },
    });
  }
  await openRoom(page, 'Drafts');
  const msg = message(page, 'First draft, final');
  await msg.getByRole('button', { name: 'Edited, show earlier versions' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit history' });
  const versions = dialog
    .getByRole('list', { name: 'Versions, newest first' })
    .getByRole('listitem');
  await expect(versions).toHaveCount(3);
  await expect(versions.nth(0)).toContainText('First draft, final');
  await expect(versions.nth(0)).toContainText('Current');
  await expect(versions.nth(1)).toContainText('First draft');
  await expect(versions.nth(2)).toContainText('Frist draft');
  await expect(versions.nth(2)).toContainText('Original');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  expect(errors).toEqual([]);
});
