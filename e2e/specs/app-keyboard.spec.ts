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

/** The favicon's address. */
const faviconHref = () => page.locator('link[rel="icon"]').getAttribute('href');

/**
 * Whether the favicon carries a red badge: the plain icon (`icon.svg`), or a drawn one whose
 * top right corner, where the badge goes, is red.
 */
function faviconBadged(): Promise<boolean> {
  return page.evaluate(async () => {
    const doc = (globalThis as any).document;
    const link = doc.querySelector('link[rel="icon"]');
    if (!link.href.startsWith('data:image/png')) return false;
    const img = doc.createElement('img');
    img.src = link.href;
    await img.decode();
    const canvas = doc.createElement('canvas');
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0, 64, 64);
    const [r, g, b] = ctx.getImageData(46, 4, 1, 1).data;
    return r > 180 && g < 90 && b < 90;
  });
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
  await expect.poll(faviconBadged).toBe(true);
  const four = await faviconHref();

  await openRoom(page, 'Alpha');
  await expect(message(page, 'Alpha news 3')).toBeVisible();
  await expect(page).toHaveTitle('(1) LightMatrix');
  await expect.poll(faviconHref).not.toBe(four);
  await expect.poll(faviconBadged).toBe(true);

  const [beta] = await roomIdNamed('Beta');
  await addMessages(hs.url, beta!, bob.userId, 2, 'Beta reply');
  await expect(page).toHaveTitle('(3) LightMatrix');

  await openRoom(page, 'Beta');
  await expect(message(page, 'Beta reply 2')).toBeVisible();
  await roomList(page).getByRole('button', { name: 'Reject invite to Old invite' }).click();
  await expect(page).toHaveTitle('LightMatrix');
  await expect.poll(faviconHref).toMatch(/icon\.svg$/);
  expect(await faviconBadged()).toBe(false);
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

/** The element that has the focus, as a locator inside the room list. */
const focusedInList = () => roomList(page).locator(':focus');

test('the room list is one Tab stop; arrows, Home and End move inside it, Enter opens', async () => {
  test.setTimeout(90_000);
  // Enough rooms that the (virtualised) list does not render them all, one at the very end.
  for (let i = 1; i <= 30; i++) {
    await createRoom(hs.url, {
      creator: alice.userId,
      name: `Filler ${String(i).padStart(2, '0')}`,
    });
  }
  const last = await createRoom(hs.url, { creator: alice.userId, name: 'Zed archive' });
  const tag = `/user/${encodeURIComponent(alice.userId)}/rooms/${last}/tags/m.lowpriority`;
  expect((await clientApi(hs.url, alice)('PUT', tag, {})).status).toBe(200);
  // Arrived, and tagged (shown through the filter: the end of the list is not rendered).
  await roomList(page).getByLabel('Filter rooms').fill('zed');
  await expect(roomList(page).getByRole('button', { name: /^Low priority\b/ })).toBeVisible();
  await roomList(page).getByLabel('Filter rooms').fill('');

  // Beta, far down the list now: opened from the quick switcher, the list scrolls to it.
  await page.keyboard.press('Control+k');
  await page.getByRole('combobox', { name: 'Search rooms' }).fill('Beta');
  await page.keyboard.press('Enter');
  await expect(heading('Beta')).toBeVisible();
  await page.getByRole('button', { name: 'Add room or chat' }).focus();
  await page.keyboard.press('Tab');
  await expect(roomEntry(page, 'Beta')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: /^Jump to a room/ })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(roomEntry(page, 'Beta')).toBeFocused();

  await page.keyboard.press('End');
  await expect(roomEntry(page, 'Zed archive')).toBeFocused();
  await expect(roomEntry(page, 'Zed archive')).toBeInViewport();
  await page.keyboard.press('ArrowUp');
  await expect(roomList(page).getByRole('button', { name: /^Low priority\b/ })).toBeFocused();
  await page.keyboard.press('Home');
  await expect(roomList(page).getByRole('button', { name: /^People\b/ })).toBeFocused();
  await expect(roomList(page).getByRole('button', { name: /^People\b/ })).toBeInViewport();
  await page.keyboard.press('ArrowDown');
  await expect(roomEntry(page, 'Bob Builder')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(heading('Bob Builder')).toBeVisible();
  await expect(roomEntry(page, 'Bob Builder')).toHaveAttribute('aria-current', 'page');
  await expect(focusedInList()).toHaveCount(1);

  // The list remembers its place: out with Tab, back with Shift+Tab.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: /^Jump to a room/ })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(roomEntry(page, 'Bob Builder')).toBeFocused();
  expect(errors).toEqual([]);
});

test('the timeline is one Tab stop per message, with its actions on arrows and a menu', async () => {
  const [beta] = await roomIdNamed('Beta');
  await addMessages(hs.url, beta!, bob.userId, 80, 'Busy');
  await page.keyboard.press('Control+k');
  await page.getByRole('combobox', { name: 'Search rooms' }).fill('Beta');
  await page.keyboard.press('Enter');
  await expect(heading('Beta')).toBeVisible();
  await expect(message(page, 'Busy 80')).toBeVisible();
  await composer(page).focus();

  // Back from the composer: the newest message, then out of the timeline.
  await page.keyboard.press('Shift+Tab');
  await expect(message(page, 'Busy 80')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(message(page, 'Busy 79')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(timeline(page).locator(':focus')).toHaveCount(0);
  await page.keyboard.press('Tab');
  await expect(message(page, 'Busy 79')).toBeFocused();

  // Its actions: Right steps into them, Escape comes back, Enter goes to the first one.
  const actions = message(page, 'Busy 79').getByRole('toolbar', { name: 'Message actions' });
  await page.keyboard.press('ArrowRight');
  await expect(actions.getByRole('button').first()).toBeFocused();
  await expect(actions).toBeVisible();
  await page.keyboard.press('ArrowRight');
  await expect(actions.getByRole('button').nth(1)).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(message(page, 'Busy 79')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(actions.getByRole('button').first()).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(message(page, 'Busy 80')).toBeFocused();

  // Shift+F10 opens the actions as a menu; Reply goes to the composer.
  await page.keyboard.press('Shift+F10');
  const menu = page.getByRole('menu', { name: 'Message options' });
  await expect(menu.getByRole('menuitem').first()).toBeFocused();
  await expect(menu.getByRole('menuitem', { name: 'Reply' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await expect(message(page, 'Busy 80')).toBeFocused();
  await page.keyboard.press('Shift+F10');
  await menu.getByRole('menuitem', { name: 'Reply' }).focus();
  await page.keyboard.press('Enter');
  await expect(menu).toHaveCount(0);
  await expect(composer(page)).toBeFocused();
  await expect(page.getByText(/Replying to/)).toBeVisible();
  await page.keyboard.press('Escape');

  // Home reaches the oldest loaded message even though it was not rendered; End comes back.
  await message(page, 'Busy 80').focus();
  await page.keyboard.press('Home');
  const first = timeline(page).locator('[data-event-id]:focus');
  await expect(first).toBeInViewport();
  await expect(message(page, 'Busy 80')).not.toBeInViewport();
  await page.keyboard.press('End');
  await expect(message(page, 'Busy 80')).toBeFocused();
  await expect(message(page, 'Busy 80')).toBeInViewport();

  // A click on a message focuses it; what is typed next still lands in the message box.
  await message(page, 'Busy 80').click();
  await expect(message(page, 'Busy 80')).toBeFocused();
  await page.keyboard.type('hi there');
  await expect(composer(page)).toBeFocused();
  await expect(composer(page)).toHaveValue('hi there');
  await composer(page).fill('');
  expect(errors).toEqual([]);
});

/** How far the timeline is scrolled from its top, in pixels. */
const scrollTop = () => timeline(page).evaluate((el) => el.scrollTop);

test('PageUp/PageDown and Ctrl+Home/End scroll the timeline while the caret stays put', async () => {
  await composer(page).focus();
  await composer(page).fill('draft');
  const bottom = await scrollTop();
  await page.keyboard.press('PageUp');
  await expect.poll(scrollTop).toBeLessThan(bottom - 100);
  const up = await scrollTop();
  await page.keyboard.press('PageDown');
  await expect.poll(scrollTop).toBeGreaterThan(up + 100);
  await page.keyboard.press('Control+Home');
  await expect(message(page, 'Beta note 1')).toBeVisible({ timeout: 30_000 });
  await expect(composer(page)).toBeFocused();
  await page.keyboard.press('Control+End');
  await expect(message(page, 'Busy 80')).toBeInViewport();
  await expect(composer(page)).toBeFocused();
  await expect(composer(page)).toHaveValue('draft');
  expect(errors).toEqual([]);
});
