/**
 * Making rooms and chats through the app's dialogs: private rooms are encrypted unless the
 * creator unticks "Encrypted", public rooms never are, direct chats always are; a room made
 * unencrypted takes messages. (Sending into encrypted rooms is covered once the core encrypts.)
 */
import { expect, test, type Page } from '@playwright/test';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import {
  clientApi,
  collectErrors,
  composer,
  createRoom,
  createUser,
  Harness,
  message,
  removeDir,
  openRoom,
  signIn,
  tempDir,
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
  dataDir = tempDir('lm-spec-rooms-');
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

/** Opens one of the room list's "add" dialogs. */
async function openDialog(item: 'New room' | 'Start direct chat') {
  await page.getByRole('button', { name: 'Add room or chat' }).click();
  await page.getByRole('menuitem', { name: item }).click();
  const dialog = page.getByRole('dialog', { name: item });
  await expect(dialog).toBeVisible();
  return dialog;
}

/** The ids of Alice's joined rooms whose state matches `test`, as the server has them. */
async function aliceRooms(matches: (roomId: string) => Promise<boolean>): Promise<string[]> {
  const as = clientApi(hs.url, alice);
  const joined: string[] = (await as('GET', '/joined_rooms')).body.joined_rooms ?? [];
  const found: string[] = [];
  for (const roomId of joined) if (await matches(roomId)) found.push(roomId);
  return found;
}

/** Whether the server has an `m.room.encryption` state event in the room. */
async function encryptedOnServer(roomId: string): Promise<boolean> {
  const r = await clientApi(hs.url, alice)('GET', `/rooms/${roomId}/state/m.room.encryption/`);
  return r.status === 200;
}

/** Matches rooms whose name on the server is `name`. */
function named(name: string): (roomId: string) => Promise<boolean> {
  return async (roomId) => {
    const r = await clientApi(hs.url, alice)('GET', `/rooms/${roomId}/state/m.room.name/`);
    return r.body.name === name;
  };
}

/** The bodies of the room's latest messages, as the server has them. */
async function bodiesOnServer(roomId: string): Promise<string[]> {
  const r = await clientApi(hs.url, alice)('GET', `/rooms/${roomId}/messages?dir=b&limit=20`);
  return (r.body.chunk ?? [])
    .filter((e: any) => e.type === 'm.room.message')
    .map((e: any) => e.content.body);
}

/** Sends through the composer and waits until the message has left the queue. */
async function send(text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  const sent = message(page, text);
  await expect(sent).toBeVisible();
  await expect(sent.getByText('Sending…')).toHaveCount(0, { timeout: 30_000 });
  await expect(sent.getByText(/Not sent/)).toHaveCount(0);
}

test('the new room dialog offers encryption for private rooms; an unencrypted room takes messages', async () => {
  const dialog = await openDialog('New room');
  const encrypted = dialog.getByRole('checkbox', { name: 'Encrypted', exact: true });
  await expect(encrypted).toBeChecked();
  await dialog.getByRole('checkbox', { name: /Public room/ }).check();
  await expect(encrypted).toHaveCount(0);
  await dialog.getByRole('checkbox', { name: /Public room/ }).uncheck();
  await expect(encrypted).toBeChecked();
  await encrypted.uncheck();
  await dialog.getByLabel('Name').fill('Book Club');
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1, name: 'Book Club' })).toBeVisible({
    timeout: 30_000,
  });

  await send('Welcome to the book club');
  const [roomId] = await aliceRooms(named('Book Club'));
  expect(roomId).toBeDefined();
  await expect.poll(() => bodiesOnServer(roomId!)).toContain('Welcome to the book club');
  expect(await encryptedOnServer(roomId!)).toBe(false);
});

test('a private room made with the dialog’s defaults is encrypted, and says so', async () => {
  const dialog = await openDialog('New room');
  await dialog.getByLabel('Name').fill('Secret Garden');
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1, name: 'Secret Garden' })).toBeVisible({
    timeout: 30_000,
  });
  const [roomId] = await aliceRooms(named('Secret Garden'));
  expect(roomId).toBeDefined();
  expect(await encryptedOnServer(roomId!)).toBe(true);
  // The header's lock, once the encryption state event has synced.
  await expect(page.getByTitle('Encrypted room')).toBeVisible();
  await expect(composer(page)).toBeEnabled();
});

test('the direct chat dialog says new chats are encrypted, and makes them so', async () => {
  const dialog = await openDialog('Start direct chat');
  await expect(dialog).toContainText('New direct chats are end-to-end encrypted.');
  await dialog.getByLabel('User id').fill(bob.userId);
  await dialog.getByRole('button', { name: 'Start chat' }).click();
  await expect(dialog).toHaveCount(0);
  // The new chat is the open room.
  await expect(page.getByRole('heading', { level: 1, name: 'Secret Garden' })).toHaveCount(0);
  await expect(page.getByRole('main')).not.toHaveAccessibleName(/Opening|No room/);

  const withBob = async (roomId: string) => {
    const path = `/rooms/${roomId}/state/m.room.member/${encodeURIComponent(bob.userId)}`;
    return (await clientApi(hs.url, alice)('GET', path)).body.membership === 'invite';
  };
  const [roomId] = await aliceRooms(withBob);
  expect(roomId).toBeDefined();
  expect(await encryptedOnServer(roomId!)).toBe(true);
  expect(errors).toEqual([]);
});

test('an encrypted room made elsewhere shows its lock and an open composer', async () => {
  await createRoom(hs.url, {
    creator: bob.userId,
    members: [alice.userId],
    name: 'Vault',
    encrypted: true,
  });
  await openRoom(page, 'Vault');
  await expect(page.getByTitle('Encrypted room')).toBeVisible();
  await expect(composer(page)).toBeEnabled();
  expect(errors).toEqual([]);
});
