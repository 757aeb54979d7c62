/**
 * The demo's world (seeded homeserver, peer bot) in the app, light and dark: checks what a
 * first-time user sees, and saves the screenshots (test-results/screenshots/) that the README
 * shows once copied to resources/screenshots/.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startHomeserver, type RunningHomeserver } from '../homeserver';
import { BOT_USER, DEMO_USER } from '../demo/cast';
import { PeerBot } from '../demo/peer-bot';
import { seedDemo } from '../demo/seed';
import {
  collectErrors,
  composer,
  Harness,
  message,
  openRoom,
  removeDir,
  roomEntry,
  roomList,
  shot,
  signIn,
  tempDir,
  timeline,
} from './testing/app';

let hs: RunningHomeserver;
let bot: PeerBot;
let harness: Harness;
let dataDir: string;
let botDir: string;

test.beforeAll(async () => {
  hs = await startHomeserver({ port: 0, testMode: true, serverName: 'demo.local' });
  seedDemo(hs.hs);
  dataDir = tempDir('lm-spec-shots-');
  botDir = tempDir('lm-spec-ada-');
  bot = await PeerBot.start({
    homeserver: hs.url,
    userId: `@${BOT_USER.localpart}:demo.local`,
    username: BOT_USER.localpart,
    password: BOT_USER.password,
    name: BOT_USER.displayName,
    dataDir: botDir,
    appVersion: '0.0.0',
    typingMs: 800,
  });
  harness = await Harness.start(dataDir);
});

test.afterAll(async () => {
  await harness?.stop();
  await bot?.stop();
  await hs?.close();
  removeDir(dataDir);
  removeDir(botDir);
});

/** A page in a fresh context with the given colour scheme, at a laptop-sized window. */
async function open(browser: Browser, scheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser.newContext({
    colorScheme: scheme,
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  await page.goto(harness.url);
  return page;
}

test('light: sign-in, the room list and a busy room', async ({ browser }) => {
  const page = await open(browser, 'light');
  const errors = collectErrors(page);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Homeserver').fill(hs.url);
  await page.getByLabel('Username').fill(DEMO_USER.localpart);
  await shot(page, 'login-light');
  await signIn(page, hs.url, DEMO_USER.localpart, DEMO_USER.password);

  for (const name of ['Engineering', 'Release 1.0', 'Watercooler', 'Ada', 'Board Games Night']) {
    await expect(roomEntry(page, name)).toBeVisible();
  }
  await expect(roomList(page).getByRole('heading', { name: /Favourites/ })).toBeVisible();
  await expect(roomList(page).getByRole('heading', { name: /Invites/ })).toBeVisible();

  await openRoom(page, 'Engineering');
  await expect(message(page, 'Yes, put it on the agenda 👍')).toBeVisible();
  // A message a few rows up (not the standup note further back: after midnight a "Today"
  // separator takes a row, and the virtualised list no longer renders that far).
  await expect(timeline(page).getByText(/^The sync retry test\./)).toBeVisible();
  await shot(page, 'room-light');
  expect(errors).toEqual([]);
  await page.context().close();
});

test('dark: the same room, then a chat with the bot answering', async ({ browser }) => {
  const page = await open(browser, 'dark');
  const errors = collectErrors(page);
  await expect(roomList(page)).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await openRoom(page, 'Engineering');
  await expect(
    timeline(page).getByText('Standup in 10 minutes, link in the calendar invite.'),
  ).toBeVisible();
  await shot(page, 'room-dark');

  // A sender's name opens their profile card: who they are and the rooms we share.
  await timeline(page).getByRole('button', { name: 'Profile of Maya Patel' }).last().click();
  const card = page.getByRole('dialog', { name: 'Maya Patel' });
  await expect(card.getByText('@maya:demo.local')).toBeVisible();
  await expect(card.getByRole('list', { name: 'Shared rooms' })).toContainText('Engineering');
  await expect(card.getByRole('button', { name: 'Message' })).toBeVisible();
  await shot(page, 'profile-card-dark');
  await page.keyboard.press('Escape');
  await expect(card).toBeHidden();

  await openRoom(page, 'Ada');
  await composer(page).fill('Hello Ada! Can you **help** me?');
  // Ada types for under a second, which a busy machine could let pass between two looks: a
  // watcher in the page, set up before she can start, notes it whenever it shows.
  await page.evaluate(() => {
    const w = globalThis as any; // the page's window (this file is type-checked without the DOM)
    new w.MutationObserver((_: unknown, observer: { disconnect(): void }) => {
      if (!w.document.body.textContent?.includes('Ada is typing')) return;
      w.sawAdaTyping = true;
      observer.disconnect();
    }).observe(w.document.body, { childList: true, subtree: true, characterData: true });
  });
  await composer(page).press('Enter');
  await page.waitForFunction(() => (globalThis as any).sawAdaTyping === true, undefined, {
    timeout: 30_000,
  });
  await expect(timeline(page).getByText('Here is what I can do:')).toBeVisible({ timeout: 30_000 });
  await shot(page, 'dm-dark');
  expect(errors).toEqual([]);
  await page.context().close();
});

test('light: the chat with the bot, and the design room', async ({ browser }) => {
  const page = await open(browser, 'light');
  await expect(roomList(page)).toBeVisible();
  await openRoom(page, 'Ada');
  await expect(timeline(page).getByText('Here is what I can do:')).toBeVisible();
  await shot(page, 'dm-light');

  await openRoom(page, 'Design');
  await expect(message(page, 'Much better! The selected row reads clearly now.')).toBeVisible();
  await shot(page, 'design-light');

  await composer(page).pressSequentially('/');
  await expect(page.getByRole('listbox', { name: 'Commands' })).toBeVisible();
  await shot(page, 'commands-light');
  await composer(page).fill('');
  await page.context().close();
});
