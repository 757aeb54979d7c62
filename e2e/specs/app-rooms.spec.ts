/**
 * Making rooms and chats through the app's dialogs. Until the client can encrypt, no dialog may
 * promise encryption, and a room made with the dialog's defaults must take messages: the core
 * refuses to send plaintext into an encrypted room, so an encrypted default is a dead room.
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

test('a room made with the dialog’s defaults takes messages', async () => {
  const dialog = await openDialog('New room');
  await expect(dialog.getByRole('checkbox', { name: /encrypt/i, checked: true })).toHaveCount(0);
  await dialog.getByLabel('Name').fill('Book Club');
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1, name: 'Book Club' })).toBeVisible({
    timeout: 30_000,
  });

  await send('Welcome to the book club');
  const named = async (roomId: string) => {
    const r = await clientApi(hs.url, alice)('GET', `/rooms/${roomId}/state/m.room.name/`);
    return r.body.name === 'Book Club';
  };
  const [roomId] = await aliceRooms(named);
  expect(roomId).toBeDefined();
  await expect.poll(() => bodiesOnServer(roomId!)).toContain('Welcome to the book club');
  expect(await encryptedOnServer(roomId!)).toBe(false);
});

test('the direct chat dialog promises no encryption, and the chat takes messages', async () => {
  const dialog = await openDialog('Start direct chat');
  await expect(dialog).not.toContainText(/encrypt/i);
  await dialog.getByLabel('User id').fill(bob.userId);
  await dialog.getByRole('button', { name: 'Start chat' }).click();
  await expect(dialog).toHaveCount(0);
  // The new chat is the open room: the composer below is its own.
  await expect(page.getByRole('heading', { level: 1, name: 'Book Club' })).toHaveCount(0);
  await expect(page.getByRole('main')).not.toHaveAccessibleName(/Opening|No room/);

  await send('Hi Bob, a chat of our own');
  const withBob = async (roomId: string) => {
    const path = `/rooms/${roomId}/state/m.room.member/${encodeURIComponent(bob.userId)}`;
    return (await clientApi(hs.url, alice)('GET', path)).body.membership === 'invite';
  };
  const [roomId] = await aliceRooms(withBob);
  expect(roomId).toBeDefined();
  await expect.poll(() => bodiesOnServer(roomId!)).toContain('Hi Bob, a chat of our own');
  expect(await encryptedOnServer(roomId!)).toBe(false);
  expect(errors).toEqual([]);
});

test('an encrypted room made elsewhere says before anyone types that the app cannot send there yet', async () => {
  await createRoom(hs.url, {
    creator: bob.userId,
    members: [alice.userId],
    name: 'Vault',
    encrypted: true,
  });
  await openRoom(page, 'Vault');
  const box = composer(page);
  await expect(box).toBeDisabled();
  await expect(box).toHaveAttribute('placeholder', /encrypted.*cannot send encrypted messages yet/);
  expect(errors).toEqual([]);
});
