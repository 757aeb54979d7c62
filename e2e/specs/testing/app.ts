/**
 * What the app specs share: the browser harness as a user runs it (`npm run web`, a process of
 * its own with the real core), a test homeserver in this process, seeding through its control
 * API, and locators by role and accessible name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, type Locator, type Page } from '@playwright/test';
import { api } from '../../homeserver/testing/helpers';

const root = resolve(import.meta.dirname, '../../..');

/** Where the specs' screenshots go (copied by hand to resources/screenshots/ when good). */
export const SCREENSHOTS = resolve(root, 'test-results/screenshots');

/** Saves a screenshot to {@link SCREENSHOTS}, the pointer parked in a corner hovering nothing. */
export async function shot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize();
  if (size) await page.mouse.move(size.width - 1, size.height - 1);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), animations: 'disabled' });
}

/** A fresh temporary directory; remove it with {@link removeDir}. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** `npm run web -- --data-dir D`, run as a process of its own. */
export class Harness {
  readonly url: string;
  readonly #child: ChildProcess;

  private constructor(url: string, child: ChildProcess) {
    this.url = url;
    this.#child = child;
  }

  /** Starts the harness on `dataDir` and waits for its `ready: <url>` line. */
  static async start(dataDir: string): Promise<Harness> {
    mkdirSync(dataDir, { recursive: true });
    // Without npm and tsx's CLI in between, so SIGTERM reaches the harness itself.
    const args = ['--import', 'tsx', 'src-main/web/main.ts', '--data-dir', dataDir];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout! });
    const url = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`harness not ready:\n${stderr}`)), 60_000);
      lines.once('line', (line) => {
        clearTimeout(timer);
        const match = /^ready: (http:\/\/127\.0\.0\.1:\d+\/\?secret=[\w-]+)$/.exec(line);
        if (match) done(match[1]!);
        else fail(new Error(`unexpected first line: ${line}`));
      });
      child.once('exit', (code) => fail(new Error(`harness exited (${code}):\n${stderr}`)));
    });
    return new Harness(url, child);
  }

  /** Stops it (SIGTERM: the core closes its databases) and waits for the process to end. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((done) => this.#child.once('exit', done));
    this.#child.kill('SIGTERM');
    await exited;
  }
}

/** A user created through the control API, with a token for the client-server API. */
export type SeededUser = { userId: string; token: string; password: string };

/** Creates a user (password `<name>-pw`) with a display name. */
export async function createUser(
  hsUrl: string,
  username: string,
  displayname: string,
): Promise<SeededUser> {
  const password = `${username}-pw`;
  const r = await api(hsUrl, 'POST', '/_test/users', { username, password, displayname });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return { userId: r.body.user_id, token: r.body.access_token, password };
}

/** Creates a room through the control API; returns its id. */
export async function createRoom(
  hsUrl: string,
  body: {
    creator: string;
    members?: string[];
    name?: string;
    topic?: string;
    room_alias_name?: string;
    is_direct?: boolean;
    encrypted?: boolean;
  },
): Promise<string> {
  const r = await api(hsUrl, 'POST', '/_test/rooms', body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.room_id;
}

/** Appends `count` messages `<prefix> 1…count` from `sender`; returns their event ids. */
export async function addMessages(
  hsUrl: string,
  roomId: string,
  sender: string,
  count: number,
  prefix: string,
): Promise<string[]> {
  const path = `/_test/rooms/${encodeURIComponent(roomId)}/events`;
  const r = await api(hsUrl, 'POST', path, { sender, count, body_prefix: prefix });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.event_ids;
}

/**
 * Appends events (`{ type, content, sender?, state_key? }`) through the control API, from
 * `sender` unless an event names its own; returns their event ids.
 */
export async function addEvents(
  hsUrl: string,
  roomId: string,
  sender: string,
  events: Record<string, unknown>[],
): Promise<string[]> {
  const path = `/_test/rooms/${encodeURIComponent(roomId)}/events`;
  const r = await api(hsUrl, 'POST', path, { sender, events });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.event_ids;
}

/** The client-server API as `user`. */
export function clientApi(hsUrl: string, user: SeededUser) {
  return (method: string, path: string, body?: unknown) =>
    api(hsUrl, method, `/_matrix/client/v3${path}`, body, user.token);
}

/** The room list landmark. */
export const roomList = (page: Page): Locator => page.getByRole('navigation', { name: 'Rooms' });

/** The open room's timeline. */
export const timeline = (page: Page): Locator => page.getByRole('log', { name: 'Timeline' });

/** The composer. */
export const composer = (page: Page): Locator => page.getByRole('textbox', { name: 'Message' });

/** A room's entry in the room list (its accessible name starts with the room's name). */
export function roomEntry(page: Page, name: string): Locator {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return roomList(page).getByRole('button', { name: new RegExp(`^${escaped}(\\s|,|$)`) });
}

/**
 * One message of the open timeline, by its exact text. (Messages have no role of their own:
 * the row is the element carrying the event id.)
 */
export function message(page: Page, text: string): Locator {
  return timeline(page)
    .locator('[data-event-id]')
    .filter({ has: page.getByText(text, { exact: true }) });
}

/** Signs in through the login screen and waits for the room list. */
export async function signIn(page: Page, hsUrl: string, username: string, password: string) {
  await page.getByLabel('Homeserver').fill(hsUrl);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(roomList(page)).toBeVisible({ timeout: 20_000 });
}

/** Opens a room from the room list and waits for its timeline. */
export async function openRoom(page: Page, name: string): Promise<void> {
  const entry = roomEntry(page, name);
  const heading = page.getByRole('heading', { level: 1, name });
  // The list is virtualised: scrolling a room into view renders and measures its neighbours,
  // and the list corrects its scroll position a frame later; a click aimed before that lands
  // beside the row (seen under load). So: bring the row into view first (the click then
  // checks it stands still), and click again if the room did not open.
  await expect(async () => {
    await entry.scrollIntoViewIfNeeded();
    await entry.click();
    await expect(heading).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  await expect(timeline(page)).toBeVisible();
}

/** Collects the page's errors, to assert none happened. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return errors;
}
