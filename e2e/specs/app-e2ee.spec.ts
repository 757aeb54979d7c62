/**
 * End-to-end encryption in the app, as a user meets it: a direct chat with an Element-like
 * user (matrix-js-sdk with Rust crypto) encrypted both ways, and messages a new session cannot
 * read until it restores the keys from secure backup with the recovery key.
 */
import { expect, test } from '@playwright/test';
import type { MatrixClient } from 'matrix-js-sdk';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import { expectNoPlaintext } from '../homeserver/testing/plaintext';
import { stopAll } from '../interop/helpers';
import {
  collectErrors,
  composer,
  createRoom,
  createUser,
  message,
  openRoom,
  roomEntry,
  shot,
  signIn,
  timeline,
} from './testing/app';
import {
  decryptedMessage,
  joinOnInvite,
  jsPeer,
  openSettings,
  sessionId,
  useSessions,
} from './testing/e2ee';

let hs: RunningHomeserver;
const peers: MatrixClient[] = [];
const sessions = useSessions();

test.beforeAll(async () => {
  hs = await startTestServer();
});

test.afterEach(() => {
  stopAll(peers.splice(0));
});

test.afterAll(async () => {
  await hs?.close();
});

test('an encrypted direct chat with a js-sdk user, both ways', async ({ browser }) => {
  test.setTimeout(120_000);
  const bob = await jsPeer(hs.url, 'bob', 'Bob Builder');
  peers.push(bob);
  const alice = await createUser(hs.url, 'alice', 'Alice Liddell');
  const page = await sessions.open(browser, 'light');
  const errors = collectErrors(page);
  await signIn(page, hs.url, 'alice', alice.password);

  // Alice starts the chat from the app; Bob joins on the invite.
  await page.getByRole('button', { name: 'Add room or chat' }).click();
  await page.getByRole('menuitem', { name: 'Start direct chat' }).click();
  const dialog = page.getByRole('dialog', { name: 'Start direct chat' });
  await dialog.getByLabel('User id').fill(bob.getUserId()!);
  await dialog.getByRole('button', { name: 'Start chat' }).click();
  await expect(dialog).toHaveCount(0);
  const roomId = await joinOnInvite(bob);
  await expect(timeline(page).getByText('Bob Builder joined')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTitle('Encrypted room')).toBeVisible();

  const mine = 'Hi Bob, this one is only for you';
  await composer(page).fill(mine);
  await composer(page).press('Enter');
  await expect(message(page, mine)).toBeVisible();
  // Her own session, cross-signed at sign-in: the quiet shield.
  await expect(
    message(page, mine).getByRole('img', { name: 'Encrypted by a verified session' }),
  ).toBeVisible();
  const received = await decryptedMessage(bob, roomId, mine);
  expect(received.getWireType()).toBe('m.room.encrypted');
  expect(received.getSender()).toBe(alice.userId);
  expect(received.getContent()).toMatchObject({ msgtype: 'm.text', body: mine });

  const theirs = 'Got it, and my answer is encrypted too';
  await bob.sendTextMessage(roomId, theirs);
  const answer = message(page, theirs);
  await expect(answer).toBeVisible({ timeout: 30_000 });
  await expect(answer).toContainText('Bob Builder');
  // Bob cross-signed his device, and Alice has not verified him: a grey shield that says so.
  await expect(
    answer.getByRole('img', { name: 'Encrypted by an unverified session' }),
  ).toBeVisible();
  await expect(roomEntry(page, 'Bob Builder')).toBeVisible();
  await shot(page, 'e2ee-dm-light');

  for (const text of [mine, theirs]) expectNoPlaintext(hs, text);
  expect(errors).toEqual([]);
});

test('a new session reads old messages once restored with the recovery key', async ({
  browser,
}) => {
  test.setTimeout(180_000); // two sessions, a js-sdk peer
  const bob = await jsPeer(hs.url, 'bert', 'Bert Peer');
  peers.push(bob);
  const alice = await createUser(hs.url, 'ada', 'Ada Lovelace');
  const roomId = await createRoom(hs.url, {
    creator: alice.userId,
    members: [bob.getUserId()!],
    name: 'Secrets',
    encrypted: true,
  });

  // Session 1: a conversation, then secure backup.
  const first = await sessions.open(browser, 'light');
  const errors = collectErrors(first);
  await signIn(first, hs.url, 'ada', alice.password);
  await openRoom(first, 'Secrets');
  const mine = 'Written in the first session';
  await composer(first).fill(mine);
  await composer(first).press('Enter');
  await decryptedMessage(bob, roomId, mine);
  const theirs = 'An answer only the first session got the key for';
  await bob.sendTextMessage(roomId, theirs);
  await expect(message(first, theirs)).toBeVisible({ timeout: 30_000 });

  const settings = await openSettings(first, 'Security');
  await settings.getByRole('button', { name: 'Set up secure backup' }).click();
  await settings.getByRole('button', { name: 'Create recovery key' }).click();
  const keyField = settings.getByRole('textbox', { name: 'Your recovery key' });
  await expect(keyField).toHaveValue(/^(\w{4} ){11}\w{4}$/, { timeout: 30_000 });
  const recoveryKey = await keyField.inputValue();
  await expect(settings).toContainText('It is shown only this once');
  await settings.getByRole('button', { name: 'Copy' }).click();
  await expect(settings.getByRole('status').filter({ hasText: 'Copied.' })).toBeVisible();
  expect(await first.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(
    recoveryKey,
  );
  // Both room keys (hers and Bob's) reach the backup.
  await expect(settings.getByText(/^Backup \S+: 2 of 2 keys backed up$/)).toBeVisible({
    timeout: 30_000,
  });
  await settings.getByRole('button', { name: 'I saved it' }).click();
  // The key is gone for good, and the panel closes (no "Create recovery key" one click from
  // replacing the key just saved).
  await expect(keyField).toHaveCount(0);
  await expect(settings.getByRole('button', { name: 'Create recovery key' })).toHaveCount(0);
  await expect(settings.getByRole('button', { name: 'Set up secure backup' })).toHaveAttribute(
    'aria-expanded',
    'false',
  );
  await expect(settings).toContainText('A recovery key is set up for this account.');
  await shot(first, 'e2ee-security-light');

  // Session 2, signed in afterwards: the old messages are undecryptable, and say why.
  const second = await sessions.open(browser, 'light');
  errors.push(...collectErrors(second));
  await signIn(second, hs.url, 'ada', alice.password);
  await openRoom(second, 'Secrets');
  const utd = timeline(second).locator('[data-event-id]').filter({
    hasText:
      'Unable to decrypt: sent before this session signed in; restore from backup to read it',
  });
  await expect(utd).toHaveCount(2, { timeout: 30_000 });
  const ids = await utd.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')));
  await shot(second, 'e2ee-undecryptable-light');

  const security = await openSettings(second, 'Security');
  await expect(security).toContainText('This session is not verified');
  await security.getByRole('button', { name: 'Recovery key' }).click();
  await security.getByLabel('Recovery key or passphrase').fill(recoveryKey);
  await security.getByRole('button', { name: 'Restore' }).click();
  await expect(security.getByRole('status').filter({ hasText: /^Restored/ })).toHaveText(
    'Restored 2 of 2 keys',
    { timeout: 30_000 },
  );
  await expect(security).toContainText('This session is verified');
  await security.getByRole('button', { name: 'Close' }).click();

  // The same rows now read as the messages.
  const row = (id: string | null) => timeline(second).locator(`[data-event-id="${id}"]`);
  await expect(row(ids[0]!)).toContainText(mine);
  await expect(row(ids[1]!)).toContainText(theirs);
  await expect(utd).toHaveCount(0);
  // Keys from a backup do not prove who sent the message: the shield says so.
  const unproven = "The authenticity of this encrypted message can't be guaranteed on this device";
  await expect(row(ids[1]!).getByRole('img', { name: unproven })).toBeVisible();

  for (const text of [mine, theirs, recoveryKey]) expectNoPlaintext(hs, text);
  expect(errors).toEqual([]);
});

test('a second session verified with emoji, declined once first', async ({ browser }) => {
  test.setTimeout(180_000); // two sessions
  const user = await createUser(hs.url, 'grace', 'Grace Hopper');
  const first = await sessions.open(browser, 'dark');
  const errors = collectErrors(first);
  await signIn(first, hs.url, 'grace', user.password);
  const firstId = await sessionId(first);
  const second = await sessions.open(browser, 'light');
  errors.push(...collectErrors(second));
  await signIn(second, hs.url, 'grace', user.password);
  const secondId = await sessionId(second);

  // The new session asks to be verified by the first, from its list of sessions.
  const sessionsTab = await openSettings(second, 'Sessions');
  const other = sessionsTab.getByRole('listitem').filter({ hasText: firstId });
  await expect(other).toContainText('Not verified', { timeout: 30_000 });
  const ask = () => other.getByRole('button', { name: 'Verify' }).click();
  const asking = second.getByRole('dialog', { name: 'Verify session' });
  const asked = first.getByRole('dialog', { name: 'Verify session' });

  // Declined: the asking side is told.
  await ask();
  await expect(asking).toContainText('Waiting for the other side to accept…');
  await expect(asking).toContainText(`Your session ${firstId}`);
  await expect(asked).toContainText(`Your other session ${secondId} wants to verify this session.`);
  await asked.getByRole('button', { name: 'Decline' }).click();
  await expect(asked).toHaveCount(0);
  await expect(asking.getByRole('alert')).toBeVisible();
  await asking.getByRole('button', { name: 'Close' }).last().click();
  await expect(asking).toHaveCount(0);

  // Accepted: both sides show the same seven emoji, and both confirm.
  await ask();
  await asked.getByRole('button', { name: 'Accept' }).click();
  await asking.getByRole('button', { name: 'Compare emoji' }).click();
  const emoji = (page: typeof first) =>
    page.getByRole('list', { name: 'Emoji to compare' }).getByRole('listitem');
  await expect(emoji(first)).toHaveCount(7);
  await expect(emoji(second)).toHaveCount(7);
  const names = await emoji(first).allInnerTexts();
  expect(await emoji(second).allInnerTexts()).toEqual(names);
  for (const n of names) expect(n.trim()).toMatch(/\S+\s+[A-Z][\w ]*$/); // symbol, then name
  await shot(first, 'e2ee-verify-dark');
  await asked.getByRole('button', { name: 'They match' }).click();
  await asking.getByRole('button', { name: 'They match' }).click();
  for (const dialog of [asked, asking]) {
    await expect(dialog.getByRole('status')).toHaveText('Verified');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(dialog).toHaveCount(0);
  }

  // Each session lists the other as verified.
  await expect(other).toContainText('Verified');
  await expect(other).not.toContainText('Not verified');
  await expect(other.getByRole('button', { name: 'Verify' })).toHaveCount(0);
  const fromFirst = (await openSettings(first, 'Sessions'))
    .getByRole('listitem')
    .filter({ hasText: secondId });
  await expect(fromFirst).toContainText('Verified');
  await expect(fromFirst).not.toContainText('Not verified');
  expect(errors).toEqual([]);
});
