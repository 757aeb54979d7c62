/**
 * How the app looks, in the demo's world: the message layouts (Modern, IRC, compact), the
 * timeline's readable column on a wide window, a person's colour the same everywhere, invites
 * naming people as everywhere else, and one style for every form field.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startHomeserver, type RunningHomeserver } from '../homeserver';
import { DEMO_USER } from '../demo/cast';
import { seedDemo } from '../demo/seed';
import {
  collectErrors,
  Harness,
  message,
  openRoom,
  removeDir,
  roomEntry,
  roomList,
  signIn,
  shot,
  tempDir,
  timeline,
} from './testing/app';

/** What the checks use of the page's globals (the specs are type-checked without the DOM). */
type PageGlobals = {
  getComputedStyle(e: unknown): Record<string, string>;
  document: {
    createElement(tag: string): {
      style: { cssText: string };
      getBoundingClientRect(): { width: number };
      remove(): void;
    };
  };
};

let hs: RunningHomeserver;
let harness: Harness;
let dataDir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  hs = await startHomeserver({ port: 0, testMode: true, serverName: 'demo.local' });
  seedDemo(hs.hs);
  dataDir = tempDir('lm-spec-looks-');
  harness = await Harness.start(dataDir);
});

test.afterAll(async () => {
  await harness?.stop();
  await hs?.close();
  removeDir(dataDir);
});

/** Opens the app (light theme) and signs in when the core has no session yet. */
async function start(page: Page): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(harness.url);
  const login = page.getByLabel('Homeserver');
  await expect(roomList(page).or(login)).toBeVisible({ timeout: 30_000 });
  if (await login.isVisible()) {
    await signIn(page, hs.url, DEMO_USER.localpart, DEMO_USER.password);
  }
}

async function box(locator: Locator) {
  const b = await locator.boundingBox();
  expect(b, 'the element is laid out').not.toBeNull();
  return { ...b!, midY: b!.y + b!.height / 2 };
}

async function appearance(page: Page, pick: (tab: Locator) => Promise<void>): Promise<void> {
  await page.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await settings.getByRole('tab', { name: 'Appearance' }).click();
  await pick(settings);
  await page.keyboard.press('Escape');
  await expect(settings).toBeHidden();
}

const background = (l: Locator) =>
  l.evaluate((e) => (globalThis as unknown as PageGlobals).getComputedStyle(e).backgroundColor);

test('message layouts: Modern groups under a name, IRC is one line, compact is tighter', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  await start(page);
  await openRoom(page, 'Jonas Becker');
  // Jonas's second message follows his first within minutes: grouped under one name in Modern.
  const first = message(
    page,
    'Can you look at my PR when you have a sec? It touches the send queue.',
  );
  const next = message(page, 'No rush, tomorrow is fine 🙂');
  await expect(next).toBeVisible();
  await expect(first.getByText('Jonas Becker', { exact: true })).toBeVisible();
  await expect(next.getByText('Jonas Becker', { exact: true })).toHaveCount(0);
  const sender = first.getByText('Jonas Becker', { exact: true });
  const body = first.getByText(/^Can you look at my PR/);
  // Modern: the name above the text, an avatar beside.
  expect((await box(body)).y).toBeGreaterThan((await box(sender)).midY);
  await expect(first.locator('.avatar')).toBeVisible();
  const modernAvatar = (await box(first.locator('.avatar'))).width;

  await appearance(page, (s) => s.getByLabel('IRC').check());
  await expect(page.locator('html')).toHaveAttribute('data-message-layout', 'irc');
  await shot(page, 'layout-irc');
  // IRC: every message has its line with time, name and text, left to right; no avatars.
  for (const row of [first, next]) {
    const time = await box(row.locator('time').first());
    const name = await box(row.getByText('Jonas Becker', { exact: true }));
    const text = await box(row.locator('.body'));
    expect(Math.abs(time.midY - name.midY)).toBeLessThan(6);
    expect(Math.abs(name.y - text.y)).toBeLessThan(6);
    expect(time.x).toBeLessThan(name.x);
    expect(name.x + name.width).toBeLessThanOrEqual(text.x);
  }
  await expect(first.locator('.avatar')).toBeHidden();

  // The choice is kept.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-message-layout', 'irc');
  await appearance(page, async (s) => {
    await expect(s.getByLabel('IRC')).toBeChecked();
    await s.getByLabel('Modern').check();
  });

  // Compact tightens the timeline too: smaller avatars, shorter rows.
  await openRoom(page, 'Jonas Becker');
  await expect(first.locator('.avatar')).toBeVisible();
  const comfortableHeight = (await box(first)).height;
  await appearance(page, (s) => s.getByRole('checkbox', { name: /Compact/ }).check());
  await expect(page.locator('html')).toHaveAttribute('data-layout', 'compact');
  await expect
    .poll(async () => (await box(first.locator('.avatar'))).width)
    .toBeLessThan(modernAvatar);
  expect((await box(first)).height).toBeLessThan(comfortableHeight - 6);
  await appearance(page, (s) => s.getByRole('checkbox', { name: /Compact/ }).uncheck());
  expect(errors).toEqual([]);
});

test('on a wide window the timeline is a readable centred column', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1000 });
  await start(page);
  await openRoom(page, 'Engineering');
  const row = message(page, 'Yes, put it on the agenda 👍');
  await expect(row).toBeVisible();
  const log = await box(timeline(page));
  const msg = await box(row);
  expect(log.width).toBeGreaterThan(1500);
  // About 100 characters wide at most, centred in the timeline.
  const ch = await row.evaluate((e) => {
    const probe = (globalThis as unknown as PageGlobals).document.createElement('span');
    probe.style.cssText = 'position:absolute;visibility:hidden;width:100ch';
    e.append(probe);
    const w = probe.getBoundingClientRect().width;
    probe.remove();
    return w / 100;
  });
  expect(msg.width).toBeLessThanOrEqual(100 * ch + 1);
  expect(msg.width).toBeGreaterThan(70 * ch);
  expect(Math.abs(msg.x + msg.width / 2 - (log.x + log.width / 2))).toBeLessThan(12);
});

test('a person has one colour everywhere; invites name people as everywhere else', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await start(page);
  const maya = roomEntry(page, 'Maya Patel');
  await expect(maya).toBeVisible();
  const inList = await background(maya.locator('.avatar'));

  await openRoom(page, 'Maya Patel');
  const said = message(page, 'Perfect. And the bot?');
  await expect(said).toBeVisible();
  const inTimeline = await background(said.locator('.avatar'));
  // Her name in the timeline is written in her colour (the light theme uses the avatar's).
  const nameColour = await said
    .getByText('Maya Patel', { exact: true })
    .evaluate((e) => (globalThis as unknown as PageGlobals).getComputedStyle(e).color);

  await page.getByRole('button', { name: 'Room info', exact: true }).click();
  const info = page.getByRole('complementary', { name: 'Room info' });
  const member = info
    .getByRole('list', { name: 'Joined' })
    .getByRole('listitem')
    .filter({ hasText: 'Maya Patel' });
  const inMembers = await background(member.locator('.avatar'));

  expect(inList).toMatch(/^rgb/);
  expect([inTimeline, inMembers, nameColour]).toEqual([inList, inList, inList]);
  await page.getByRole('button', { name: 'Room info', exact: true }).click();

  // The other direct chats too (a room id's colour would match a person's by chance only).
  for (const [who, text] of [
    ['Jonas Becker', 'Can you look at my PR when you have a sec? It touches the send queue.'],
    ['Sofia Rossi', 'Deal 😄'],
  ] as const) {
    const listed = await background(roomEntry(page, who).locator('.avatar'));
    await openRoom(page, who);
    const row = message(page, text);
    await expect(row.locator('.avatar')).toBeVisible();
    expect(await background(row.locator('.avatar')), who).toBe(listed);
  }

  // Invites: the inviter by display name, the user id beside it, in the list and the view.
  await expect(roomEntry(page, 'Board Games Night')).toContainText('Invited by Kenji Watanabe');
  await roomEntry(page, 'Board Games Night').click();
  await expect(page.getByText(/Kenji Watanabe\s*\(@kenji:demo\.local\) invited you/)).toBeVisible();
  await expect(roomEntry(page, 'Priya Sharma')).toContainText('Invited by Priya Sharma');
  // The invite to a direct chat shows Priya in her colour, as her messages will.
  const priyaList = await background(roomEntry(page, 'Priya Sharma').locator('.avatar'));
  await roomEntry(page, 'Priya Sharma').click();
  await expect(page.getByText(/Priya Sharma\s*\(@priya:demo\.local\) invited you/)).toBeVisible();
  expect(await background(page.getByRole('main').locator('.avatar').first())).toBe(priyaList);
});

/** What makes a field look like one: border, corners, background, padding, text size. */
const fieldLook = (l: Locator) =>
  l.evaluate((e) => {
    (e as unknown as { blur(): void }).blur(); // compared at rest (a focused field trades its border for a ring)
    const s = (globalThis as unknown as PageGlobals).getComputedStyle(e);
    return [
      s.borderTopWidth,
      s.borderTopStyle,
      s.borderTopColor,
      s.borderRadius,
      s.backgroundColor,
      s.paddingLeft,
      s.fontSize,
      s.minHeight,
    ].join(' ');
  });

test('every form field has the same style', async ({ page }) => {
  test.setTimeout(90_000);
  await start(page);
  const looks: [string, string][] = [];
  const note = async (where: string, field: Locator) => {
    await expect(field).toBeVisible();
    looks.push([where, await fieldLook(field)]);
  };

  await page.getByRole('button', { name: 'Add room or chat' }).click();
  await page.getByRole('menuitem', { name: 'New room' }).click();
  const dialog = page.getByRole('dialog', { name: 'New room' });
  await note('new room: name', dialog.getByLabel('Name'));
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Add room or chat' }).click();
  await page.getByRole('menuitem', { name: 'Join room by address' }).click();
  await note('join room', page.getByRole('dialog', { name: 'Join room' }).getByRole('textbox'));
  await page.keyboard.press('Escape');

  await page.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await note('settings: display name', settings.getByLabel('Display name'));
  await settings.getByRole('tab', { name: 'Sessions' }).click();
  await expect(settings.getByText('This device')).toBeVisible();
  await settings.getByRole('button', { name: 'Rename' }).first().click();
  await note('settings: session name', settings.getByLabel('Session name'));
  await page.keyboard.press('Escape');

  await openRoom(page, 'Engineering');
  await page.getByRole('button', { name: 'Room info', exact: true }).click();
  const info = page.getByRole('complementary', { name: 'Room info' });
  await note('room info: invite', info.getByLabel('Invite user'));
  await page.getByRole('button', { name: 'Room info', exact: true }).click();

  const reference = looks[0]![1];
  for (const [where, look] of looks) expect(look, where).toBe(reference);
  expect(looks.length).toBeGreaterThanOrEqual(4);
});
