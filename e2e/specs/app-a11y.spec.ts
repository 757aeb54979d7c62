/**
 * The accessibility scan (axe-core) of the main screens in both themes: the room list, a busy
 * room of the demo's world (many senders, replies, reactions, an edit, state events), an
 * invite, every settings tab and the dialogs. No violation of impact serious or critical may
 * remain; each one found is printed with its rule, the elements and what axe says to fix.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startHomeserver, type RunningHomeserver } from '../homeserver';
import { DEMO_USER } from '../demo/cast';
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
let harness: Harness;
let dataDir: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  hs = await startHomeserver({ port: 0, testMode: true, serverName: 'demo.local' });
  seedDemo(hs.hs);
  dataDir = tempDir('lm-spec-a11y-');
  harness = await Harness.start(dataDir);
});

test.afterAll(async () => {
  await harness?.stop();
  await hs?.close();
  removeDir(dataDir);
});

type Violation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

/** One violation in words: rule, impact, help, and each element with axe's summary. */
function describe(v: Violation): string {
  const nodes = v.nodes.map((n) => {
    const why = (n.failureSummary ?? '').replace(/\s*\n\s*/g, ' ');
    return `    - ${n.target.join(' ')}\n      ${n.html.slice(0, 160)}\n      ${why}`;
  });
  return `  [${v.impact}] ${v.id}: ${v.help}\n${nodes.join('\n')}`;
}

/** Scans the page as it is; records serious and critical findings under `where`. */
async function scan(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  // The findings are the received value: printed once, readably, when the scan fails.
  expect.soft(bad.map(describe).join('\n'), `accessibility violations on ${where}`).toBe('');
}

/** A fresh page in `scheme`, signed in as the demo user (the core keeps the session). */
async function open(browser: Browser, scheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser.newContext({
    colorScheme: scheme,
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  await page.goto(harness.url);
  const login = page.getByLabel('Homeserver');
  await expect(roomList(page).or(login)).toBeVisible({ timeout: 30_000 });
  if (await login.isVisible()) {
    await signIn(page, hs.url, DEMO_USER.localpart, DEMO_USER.password);
  }
  await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
  return page;
}

async function scanDialogs(page: Page, scheme: string): Promise<void> {
  const picks = [
    ['New room', 'New room'],
    ['Start direct chat', 'Start direct chat'],
    ['Join room by address', 'Join room'],
  ] as const;
  for (const [item, title] of picks) {
    await page.getByRole('button', { name: 'Add room or chat' }).click();
    await page.getByRole('menuitem', { name: item }).click();
    const dialog = page.getByRole('dialog', { name: title });
    await expect(dialog).toBeVisible();
    await scan(page, `${scheme}: the ${title} dialog`);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  }
  await page.keyboard.press('Control+k');
  const switcher = page.getByRole('dialog', { name: 'Jump to a room' });
  await expect(switcher).toBeVisible();
  await page.keyboard.type('eng');
  await expect(switcher.getByRole('option').first()).toBeVisible();
  await scan(page, `${scheme}: the quick switcher`);
  await page.keyboard.press('Escape');
  await expect(switcher).toBeHidden();
}

/**
 * The open room's own dialogs and menus: edit history, a profile card, the message and room
 * menus, the leave confirmation and the slash-command list (the room must show "(edited)").
 */
async function scanRoomDialogs(page: Page, room: string, scheme: string): Promise<void> {
  await timeline(page)
    .getByRole('button', { name: 'Edited, show earlier versions' })
    .last()
    .click();
  const history = page.getByRole('dialog', { name: 'Edit history' });
  await expect(history.getByText('Original')).toBeVisible();
  await scan(page, `${scheme}: the edit history`);
  await page.keyboard.press('Escape');
  await expect(history).toBeHidden();

  await timeline(page).getByRole('button', { name: 'Profile of Sofia Rossi' }).last().click();
  const card = page.getByRole('dialog', { name: 'Sofia Rossi' });
  await expect(card.getByRole('list', { name: 'Shared rooms' })).toBeVisible();
  await scan(page, `${scheme}: a profile card`);
  await page.keyboard.press('Escape');
  await expect(card).toBeHidden();

  await roomEntry(page, room).click({ button: 'right' });
  const menu = page.getByRole('menu');
  await expect(menu.getByRole('menuitem', { name: 'Copy link' })).toBeVisible();
  await scan(page, `${scheme}: the room context menu`);
  await menu.getByRole('menuitem', { name: 'Leave' }).click();
  const leave = page.getByRole('dialog', { name: 'Leave room?' });
  await expect(leave).toBeVisible();
  await scan(page, `${scheme}: the leave confirmation`);
  await leave.getByRole('button', { name: 'Cancel' }).click();
  await expect(leave).toBeHidden();

  await composer(page).fill('/');
  const commands = page.getByRole('listbox', { name: 'Commands' });
  await expect(commands.getByRole('option').first()).toBeVisible();
  await scan(page, `${scheme}: the slash-command list`);
  await composer(page).fill('');
  await expect(commands).toBeHidden();
}

async function scanSettings(page: Page, scheme: string): Promise<void> {
  await page.getByRole('button', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await expect(settings).toBeVisible();
  for (const name of ['Account', 'Sessions', 'Security', 'Appearance', 'About']) {
    const tab = settings.getByRole('tab', { name });
    await tab.click();
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    await expect(settings.getByRole('tabpanel')).toBeVisible();
    // Wait until whatever the tab loads has arrived (no "Loading…" left).
    await expect(settings.getByText(/Loading/)).toHaveCount(0);
    await scan(page, `${scheme}: settings, ${name} tab`);
  }
  await page.keyboard.press('Escape');
  await expect(settings).toBeHidden();
}

for (const scheme of ['light', 'dark'] as const) {
  test(`${scheme}: no serious or critical violation on the main screens`, async ({ browser }) => {
    test.setTimeout(240_000);
    const page = await open(browser, scheme);
    const errors = collectErrors(page);
    await expect(roomEntry(page, 'Engineering')).toBeVisible();
    await expect(roomList(page).getByRole('heading', { name: /Invites/ })).toBeVisible();
    await scan(page, `${scheme}: the room list`);

    await roomEntry(page, 'Board Games Night').click();
    await expect(page.getByRole('button', { name: 'Accept', exact: true })).toBeVisible();
    await scan(page, `${scheme}: an invite`);

    await openRoom(page, 'Engineering');
    await expect(message(page, 'Yes, put it on the agenda 👍')).toBeVisible();
    await scan(page, `${scheme}: a busy room`);
    await shot(page, `a11y-room-${scheme}`);
    // An edited message at the end of Design; a direct chat whose start (state events, day
    // separators, the new-messages line) fits on screen.
    await openRoom(page, 'Design');
    await expect(timeline(page).getByText('(edited)').first()).toBeVisible();
    await scan(page, `${scheme}: a room with an edited message`);
    await scanRoomDialogs(page, 'Design', scheme);
    await openRoom(page, 'Jonas Becker');
    // The room's setup is one line; opened, its state events show one by one.
    const setup = timeline(page).getByRole('button', {
      name: /^Jonas Becker created and configured the room/,
    });
    await setup.click();
    await expect(timeline(page).getByText('Jonas Becker created the room')).toBeVisible();
    await scan(page, `${scheme}: a direct chat from its start`);

    await scanSettings(page, scheme);
    await scanDialogs(page, scheme);
    expect(errors).toEqual([]);
    await page.context().close();
  });
}
