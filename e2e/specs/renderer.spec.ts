import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, test, type Page } from '@playwright/test';
import { startHomeserver, type RunningHomeserver } from '../homeserver';
import { api } from '../homeserver/testing/helpers';
import { serveStatic, type StaticServer } from '../tools/serve-static';

const root = resolve(import.meta.dirname, '../..');
const rendererDir = resolve(root, 'out/renderer');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
};
const PASSWORD = 'correct horse';

/** Console errors, failed page scripts and 4xx/5xx loads of `page`, collected as they happen. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`${res.status()} ${res.url()}`);
  });
  return errors;
}

test.beforeAll(() => {
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    throw new Error(`No built renderer in ${rendererDir}; run \`npm run build\` first`);
  }
});

test.describe('served as plain files, without a core', () => {
  let server: StaticServer;
  test.beforeAll(async () => {
    server = await serveStatic(rendererDir);
  });
  test.afterAll(async () => {
    await server?.close();
  });

  test('the renderer says clearly that it cannot reach the core', async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto(server.url);
    await expect(page.getByRole('heading', { level: 1, name: 'LightMatrix' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('Cannot reach the LightMatrix core');
    await expect(page.getByLabel('Homeserver')).toHaveCount(0);
    await page.screenshot({ path: 'test-results/renderer-no-core.png' });
    expect(errors).toEqual([]);
  });
});

/** The room list as shown: section titles and room names, top to bottom. */
function listOrder(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Rooms' });
  return nav.locator('h2 .title, [data-room-id] .name').allTextContents();
}

/** The title of the section that lists the room `name`, or `undefined` when none does. */
async function sectionOf(page: Page, name: string): Promise<string | undefined> {
  const order = await listOrder(page);
  const titles = ['Invites', 'Favourites', 'People', 'Rooms', 'Low priority'];
  return order.slice(0, Math.max(0, order.indexOf(name))).findLast((text) => titles.includes(text));
}

/** A port free right now, so the homeserver's name (`127.0.0.1:PORT`) can be known up front. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

/** Alice's account: two rooms, a DM with Bob, a low-priority room and an invite. */
async function seed(hs: string): Promise<{ alice: string }> {
  const user = async (username: string, displayname: string) =>
    (await api(hs, 'POST', '/_test/users', { username, password: PASSWORD, displayname })).body;
  const alice = await user('alice', 'Alice Liddell');
  const bob = await user('bob', 'Bob Marley');
  const room = async (body: Record<string, unknown>, lines: string[] = []) => {
    const roomId = (await api(hs, 'POST', '/_test/rooms', body)).body.room_id as string;
    const events = lines.map((text) => ({
      sender: bob.user_id,
      type: 'm.room.message',
      content: { msgtype: 'm.text', body: text },
    }));
    if (events.length) await api(hs, 'POST', `/_test/rooms/${roomId}/events`, { events });
    return roomId;
  };
  const members = [alice.user_id];
  await room({ creator: bob.user_id, members, name: 'General' }, ['Morning all']);
  await room({ creator: bob.user_id, members, name: 'Design reviews' }, ['New mockups']);
  const ops = await room({ creator: bob.user_id, members, name: 'Ops alerts' }, ['Disk at 80%']);
  const dm = await room({ creator: bob.user_id, members, is_direct: true }, ['Lunch tomorrow?']);
  await room({ creator: bob.user_id, invite: members, name: 'Secret project' });
  const me = `/_matrix/client/v3/user/${encodeURIComponent(alice.user_id)}`;
  const token = alice.access_token as string;
  await api(hs, 'PUT', `${me}/account_data/m.direct`, { [bob.user_id]: [dm] }, token);
  await api(hs, 'PUT', `${me}/rooms/${encodeURIComponent(ops)}/tags/m.lowpriority`, {}, token);
  return { alice: alice.user_id as string };
}

/** `npm run web` as a user runs it, over a fresh data dir; resolves to the page URL. */
async function startHarness(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const args = ['--import', 'tsx', 'src-main/web/main.ts', '--data-dir', dataDir];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`harness not ready:\n${stderr}`)), 60_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const match = /^ready: (http:\/\/\S+)$/.exec(line);
      if (match) done(match[1]!);
      else fail(new Error(`unexpected first line: ${line}`));
    });
    child.once('exit', (code) => fail(new Error(`harness exited (${code}):\n${stderr}`)));
  });
  return { child, url };
}

test.describe('against the real core and a test homeserver', () => {
  test.describe.configure({ mode: 'serial' });
  let homeserver: RunningHomeserver;
  let harness: ChildProcess;
  let pageUrl: string;
  let dataDir: string;
  let alice: string;

  test.beforeAll(async () => {
    const port = await freePort();
    homeserver = await startHomeserver({ port, serverName: `127.0.0.1:${port}`, testMode: true });
    ({ alice } = await seed(homeserver.url));
    dataDir = mkdtempSync(join(tmpdir(), 'lm-renderer-'));
    ({ child: harness, url: pageUrl } = await startHarness(dataDir));
  });

  test.afterAll(async () => {
    if (harness && harness.exitCode === null) {
      const exited = new Promise((done) => harness.once('exit', done));
      harness.kill('SIGTERM');
      await exited;
    }
    await homeserver?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('sign-in errors are specific, and a full user id finds its homeserver', async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto(pageUrl);
    await expect(page.getByText(`v${version}`)).toBeVisible();

    await page.getByLabel('Username').fill(alice);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong username or password.');

    await page.getByLabel('Homeserver').fill('http://127.0.0.1:1');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('Cannot reach the server', {
      timeout: 30_000,
    });
    await page.screenshot({ path: 'test-results/renderer-login-error.png' });

    await page.getByLabel('Homeserver').fill('');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const nav = page.getByRole('navigation', { name: 'Rooms' });
    await expect(nav.getByRole('button', { name: /General/ })).toBeVisible({ timeout: 30_000 });
    expect(errors).toEqual([]);
  });

  test('the room list groups rooms, filters them and moves between them', async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto(pageUrl);
    const nav = page.getByRole('navigation', { name: 'Rooms' });
    await expect(nav.getByRole('button', { name: /^Secret project/ })).toBeVisible();
    // Sections in order, each sorted by latest activity (Design reviews spoke last).
    await expect
      .poll(() => listOrder(page))
      .toEqual([
        'Invites',
        'Secret project',
        'People',
        'Bob Marley',
        'Rooms',
        'Design reviews',
        'General',
        'Low priority',
        'Ops alerts',
      ]);
    // The direct chat (the invite below names Bob too: "Invited by Bob Marley").
    await expect(nav.getByRole('button', { name: /^Bob Marley/ })).toContainText('Lunch tomorrow?');
    await expect(nav.getByRole('button', { name: /^Secret project/ })).toContainText(
      'Invited by Bob Marley',
    );
    await expect(nav.getByRole('heading', { name: /^Favourites/ })).toHaveCount(0);

    await nav.getByLabel('Filter rooms').fill('desi');
    await expect(nav.getByRole('button', { name: /Design reviews/ })).toBeVisible();
    await expect(nav.getByRole('button', { name: /General/ })).toHaveCount(0);
    await nav.getByLabel('Filter rooms').fill('');

    await page.keyboard.press('Control+k');
    const switcher = page.getByRole('dialog', { name: 'Jump to a room' });
    await switcher.getByRole('combobox', { name: 'Search rooms' }).fill('gen');
    await expect(switcher.getByRole('option', { selected: true })).toContainText('General');
    await page.keyboard.press('Enter');
    await expect(switcher).toHaveCount(0);
    await expect(page.getByRole('heading', { level: 1, name: 'General' })).toBeVisible();
    await page.screenshot({ path: 'test-results/renderer-rooms.png' });

    const current = nav.locator('[aria-current="page"]');
    const before = await current.textContent();
    await page.keyboard.press('Alt+ArrowDown');
    await expect(current).not.toHaveText(before!);
    await page.keyboard.press('Alt+ArrowUp');
    await expect(current).toHaveText(before!);
    expect(errors).toEqual([]);
  });

  test('an accepted invite becomes a room; the info panel lists its members', async ({ page }) => {
    await page.goto(pageUrl);
    const nav = page.getByRole('navigation', { name: 'Rooms' });
    await nav.getByRole('button', { name: /Accept invite to Secret project/ }).click();
    await expect(nav.getByRole('heading', { name: /^Invites/ })).toHaveCount(0, {
      timeout: 30_000,
    });
    // Now among the rooms (the list may still be taking in the join).
    await expect.poll(() => sectionOf(page, 'Secret project')).toBe('Rooms');

    await nav.getByRole('button', { name: /^Secret project/ }).click();
    await page.getByRole('button', { name: 'Room info' }).click();
    const info = page.getByRole('complementary', { name: 'Room info' });
    await expect(info.getByRole('list', { name: 'Joined' })).toContainText('Bob Marley');
    await expect(info.getByRole('list', { name: 'Joined' })).toContainText('Alice Liddell');
  });

  test('appearance settings apply at once and survive a reload; sign out ends on the login', async ({
    page,
  }) => {
    await page.goto(pageUrl);
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('tab', { name: 'Appearance' }).click();
    await settings.getByLabel('Dark').check();
    await settings.getByLabel('Large').check();
    const html = page.locator('html');
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await page.reload();
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await expect(html).toHaveAttribute('data-font-size', 'large');

    await page.getByRole('button', { name: 'Settings' }).click();
    await settings.getByRole('tab', { name: 'About' }).click();
    await expect(settings).toContainText(`Version ${version}`);
    await settings.getByRole('tab', { name: 'Account' }).click();
    await settings.getByRole('button', { name: 'Sign out' }).click();
    await expect(settings).toContainText('This removes its saved messages');
    await settings.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByLabel('Homeserver')).toBeVisible({ timeout: 30_000 });
  });
});
