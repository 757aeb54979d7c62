/**
 * What the end-to-end encryption specs share: a matrix-js-sdk peer with Rust crypto (the other
 * party, as Element would be), app sessions in harnesses of their own, and the settings'
 * Security and Sessions tabs.
 */
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { RoomEvent, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { login, passwordAuth, registerUser, startSynced, until } from '../../interop/helpers';
import { Harness, removeDir, tempDir } from './app';

/**
 * A js-sdk user with Rust crypto, syncing, with cross-signing set up (as an Element user has):
 * its messages reach us from a device its owner signed. Registered with the interop password.
 * It decrypts every timeline event, as an app showing the room would (js-sdk's sync alone
 * decrypts only the newest of a batch).
 */
export async function jsPeer(
  hsUrl: string,
  username: string,
  displayName: string,
): Promise<MatrixClient> {
  await registerUser(hsUrl, username);
  const client = await login(hsUrl, username, { crypto: true });
  client.on(RoomEvent.Timeline, (e) => void client.decryptEventIfNeeded(e));
  await startSynced(client, 10);
  await client.setDisplayName(displayName);
  await client.getCrypto()!.bootstrapCrossSigning({
    authUploadDeviceSigningKeys: passwordAuth(client),
  });
  return client;
}

/** Joins the first room `client` is invited to (waiting for the invite); returns its id. */
export async function joinOnInvite(client: MatrixClient): Promise<string> {
  const room = await until(
    `${client.getUserId()} to be invited`,
    () => client.getRooms().find((r) => r.getMyMembership() === 'invite'),
    30_000,
  );
  await client.joinRoom(room.roomId);
  return room.roomId;
}

/** `client`'s copy of the message whose decrypted body is `body`, once decrypted. */
export function decryptedMessage(
  client: MatrixClient,
  roomId: string,
  body: string,
): Promise<MatrixEvent> {
  return until(
    `${client.getUserId()} to decrypt "${body}"`,
    () =>
      client
        .getRoom(roomId)
        ?.getLiveTimeline()
        .getEvents()
        .find((e) => !e.isDecryptionFailure() && e.getContent().body === body),
    30_000,
  );
}

/**
 * App sessions for one test, each in a harness of its own (its own data dir, so its own
 * device), in a browser context at a laptop-sized window. Everything stops after the test.
 */
export function useSessions(): {
  open: (browser: Browser, scheme?: 'light' | 'dark') => Promise<Page>;
} {
  const harnesses: Harness[] = [];
  const dirs: string[] = [];
  test.afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.stop();
    for (const d of dirs.splice(0)) removeDir(d);
  });
  return {
    async open(browser, scheme = 'light') {
      const dir = tempDir('lm-spec-e2ee-');
      dirs.push(dir);
      const harness = await Harness.start(dir);
      harnesses.push(harness);
      const context = await browser.newContext({
        colorScheme: scheme,
        viewport: { width: 1280, height: 800 },
        deviceScaleFactor: 1,
        permissions: ['clipboard-read', 'clipboard-write'],
      });
      const page = await context.newPage();
      await page.goto(harness.url);
      return page;
    },
  };
}

/** Opens Settings on one of its tabs; returns the dialog. */
export async function openSettings(page: Page, tab: 'Security' | 'Sessions'): Promise<Locator> {
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('tab', { name: tab }).click();
  await expect(dialog.getByRole('heading', { level: 3, name: tab })).toBeVisible();
  return dialog;
}

/** This session's id, as the Security tab shows it (Settings is closed again after). */
export async function sessionId(page: Page): Promise<string> {
  const settings = await openSettings(page, 'Security');
  const id = settings.locator('dt:text-is("Session id") + dd');
  await expect(id).toHaveText(/^\w+$/);
  const text = await id.innerText();
  await settings.getByRole('button', { name: 'Close' }).click();
  await expect(settings).toHaveCount(0);
  return text;
}
