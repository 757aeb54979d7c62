/**
 * Getting around without the mouse, and what the window says: the unread count in the title
 * and on the favicon; the caret in the message box after every way into a room; the leave
 * confirmation as a dialog, and the info panel usable at 800×600; one Tab stop for the room
 * list and one per message, with arrow keys inside; the timeline scrolled from the composer.
 */
import { expect, test, type Page } from '@playwright/test';
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
let alice: SeededUser;
let bob: SeededUser;

test.beforeAll(async ({ browser }) => {
  hs = await startTestServer();
  alice = await createUser(hs.url, 'alice', 'Alice Liddell');
  bob = await createUser(hs.url, 'bob', 'Bob Builder');
  const alpha = await createRoom(hs.url, {
    creator: alice.userId,
    members: [bob.userId],
    name: 'Alpha',
  });
  await addMessages(hs.url, alpha, bob.userId, 3, 'Alpha news');
  const beta = await createRoom(hs.url, {
    creator: alice.userId,
    members: [bob.userId],
    name: 'Beta',
  });
  await addMessages(hs.url, beta, alice.userId, 2, 'Beta note');
  const old = await createRoom(hs.url, { creator: bob.userId, name: 'Old invite' });
  await clientApi(hs.url, bob)('POST', `/rooms/${old}/invite`, { user_id: alice.userId });
  dataDir = tempDir('lm-spec-keyboard-');
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

const heading = (name: string) => page.getByRole('heading', { level: 1, name });

/** The favicon's SVG source (the `link[rel=icon]` is a data URL). */
async function favicon(): Promise<string> {
  const href = (await page.locator('link[rel="icon"]').getAttribute('href')) ?? '';
  expect(href).toMatch(/^data:image\/svg\+xml,/);
  return decodeURIComponent(href.slice('data:image/svg+xml,'.length));
}

/** Types into whatever has the focus, and checks it landed in the open room's message box. */
async function typeLandsInComposer(): Promise<void> {
  await expect(composer(page)).toBeFocused();
  await page.keyboard.type('hello');
  await expect(composer(page)).toHaveValue('hello');
  await composer(page).fill('');
}

test('the window title and the favicon carry the unread count', async () => {
  // Alpha's three messages from Bob, and the invite.
  await expect(page).toHaveTitle('(4) LightMatrix');
  await expect.poll(favicon).toContain('>4</text>');

  await openRoom(page, 'Alpha');
  await expect(message(page, 'Alpha news 3')).toBeVisible();
  await expect(page).toHaveTitle('(1) LightMatrix');
  await expect.poll(favicon).toContain('>1</text>');

  const [beta] = await roomIdNamed('Beta');
  await addMessages(hs.url, beta!, bob.userId, 2, 'Beta reply');
  await expect(page).toHaveTitle('(3) LightMatrix');
  await expect.poll(favicon).toContain('>3</text>');

  await openRoom(page, 'Beta');
  await expect(message(page, 'Beta reply 2')).toBeVisible();
  await roomList(page).getByRole('button', { name: 'Reject invite to Old invite' }).click();
  await expect(page).toHaveTitle('LightMatrix');
  await expect.poll(favicon).not.toContain('class="badge"');
  expect(errors).toEqual([]);
});

/** The ids of Alice's joined rooms named `name` on the server. */
async function roomIdNamed(name: string): Promise<string[]> {
  const as = clientApi(hs.url, alice);
  const joined: string[] = (await as('GET', '/joined_rooms')).body.joined_rooms ?? [];
  const found: string[] = [];
  for (const roomId of joined) {
    const r = await as('GET', `/rooms/${roomId}/state/m.room.name/`);
    if (r.body.name === name) found.push(roomId);
  }
  return found;
}

test('after the quick switcher and Alt+Up/Down the caret is in the new room’s message box', async () => {
  await openRoom(page, 'Beta');
  await roomEntry(page, 'Alpha').focus();
  await page.keyboard.press('Control+k');
  const switcher = page.getByRole('dialog', { name: 'Jump to a room' });
  await switcher.getByRole('combobox', { name: 'Search rooms' }).fill('alph');
  await expect(switcher.getByRole('option', { selected: true })).toContainText('Alpha');
  await page.keyboard.press('Enter');
  await expect(switcher).toHaveCount(0);
  await expect(heading('Alpha')).toBeVisible();
  await typeLandsInComposer();

  // From the room list, not the composer: Alt+Up still ends in the other room's message box
  // (Beta, above Alpha: Bob spoke there last).
  await roomEntry(page, 'Alpha').focus();
  await page.keyboard.press('Alt+ArrowUp');
  await expect(heading('Beta')).toBeVisible();
  await typeLandsInComposer();
  expect(errors).toEqual([]);
});

/** Opens one of the room list's "add" dialogs. */
async function openDialog(item: 'New room' | 'Start direct chat' | 'Join room') {
  await page.getByRole('button', { name: 'Add room or chat' }).click();
  await page.getByRole('menuitem', { name: item }).click();
  const dialog = page.getByRole('dialog', { name: item });
  await expect(dialog).toBeVisible();
  return dialog;
}

test('after joining, creating, starting a chat or accepting, the caret is in the message box', async () => {
  const lounge = await clientApi(hs.url, bob)('POST', '/createRoom', {
    preset: 'public_chat',
    name: 'Lounge',
  });
  expect(lounge.status).toBe(200);
  let dialog = await openDialog('Join room');
  await dialog.getByLabel('Room address or id').fill(lounge.body.room_id);
  await dialog.getByRole('button', { name: 'Join' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(heading('Lounge')).toBeVisible({ timeout: 30_000 });
  await typeLandsInComposer();

  dialog = await openDialog('New room');
  await dialog.getByLabel('Name').fill('Fresh');
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(heading('Fresh')).toBeVisible({ timeout: 30_000 });
  await typeLandsInComposer();

  dialog = await openDialog('Start direct chat');
  await dialog.getByLabel('User id').fill(bob.userId);
  await dialog.getByRole('button', { name: 'Start chat' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(heading('Fresh')).toHaveCount(0);
  await expect(page.getByRole('main')).not.toHaveAccessibleName(/Opening|No room/);
  await typeLandsInComposer();

  const party = await createRoom(hs.url, { creator: bob.userId, name: 'Party' });
  await clientApi(hs.url, bob)('POST', `/rooms/${party}/invite`, { user_id: alice.userId });
  await roomEntry(page, 'Party').click();
  await page.getByRole('main').getByRole('button', { name: 'Accept', exact: true }).click();
  await typeLandsInComposer();
  await expect(page.getByRole('main')).toHaveAccessibleName('Party');
  expect(errors).toEqual([]);
});

test('at 800×600 the info panel scrolls to its last control; leaving asks in a dialog', async () => {
  await page.setViewportSize({ width: 800, height: 600 });
  await openRoom(page, 'Fresh');
  await page.getByRole('button', { name: 'Room info' }).click();
  const info = page.getByRole('complementary', { name: 'Room info' });
  const leave = info.getByRole('button', { name: 'Leave room' });
  await leave.scrollIntoViewIfNeeded();
  await expect(leave).toBeInViewport({ ratio: 1 });
  await leave.click();
  const dialog = page.getByRole('dialog', { name: 'Leave room?' });
  await expect(dialog).toContainText('Leave “Fresh”?');
  await expect(dialog.getByRole('button', { name: 'Leave', exact: true })).toBeInViewport({
    ratio: 1,
  });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(leave).toBeFocused();

  await leave.click();
  await dialog.getByRole('button', { name: 'Leave', exact: true }).click();
  await expect(roomEntry(page, 'Fresh')).toHaveCount(0, { timeout: 30_000 });
  await page.setViewportSize({ width: 1280, height: 720 });
  expect(errors).toEqual([]);
});
