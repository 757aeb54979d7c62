/**
 * Two people, two app instances (two harnesses with their own data, two browser contexts), one
 * homeserver: each sees what the other writes, their typing and their reactions, live.
 */
import { expect, test, type Page } from '@playwright/test';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import {
  collectErrors,
  composer,
  createRoom,
  createUser,
  Harness,
  message,
  openRoom,
  removeDir,
  signIn,
  tempDir,
  timeline,
} from './testing/app';

let hs: RunningHomeserver;
const harnesses: Harness[] = [];
const dirs: string[] = [];

test.beforeAll(async () => {
  hs = await startTestServer();
  for (const name of ['alice', 'bob']) {
    const dir = tempDir(`lm-spec-live-${name}-`);
    dirs.push(dir);
    harnesses.push(await Harness.start(dir));
  }
});

test.afterAll(async () => {
  for (const h of harnesses) await h.stop();
  await hs?.close();
  for (const dir of dirs) removeDir(dir);
});

async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await expect(message(page, text)).toBeVisible();
}

test('two users see each other’s messages, typing and reactions live', async ({ browser }) => {
  test.setTimeout(90_000); // two app instances, two sign-ins
  const alice = await createUser(hs.url, 'alice', 'Alice Liddell');
  const bob = await createUser(hs.url, 'bob', 'Bob Builder');
  await createRoom(hs.url, { creator: alice.userId, members: [bob.userId], name: 'Pairing' });

  const contexts = [await browser.newContext(), await browser.newContext()];
  const [a, b] = await Promise.all(contexts.map((c) => c.newPage()));
  const errors = [...collectErrors(a!), ...collectErrors(b!)];
  await a!.goto(harnesses[0]!.url);
  await b!.goto(harnesses[1]!.url);
  await signIn(a!, hs.url, 'alice', alice.password);
  await signIn(b!, hs.url, 'bob', bob.password);
  await openRoom(a!, 'Pairing');
  await openRoom(b!, 'Pairing');

  await send(a!, 'Hi Bob, can you see this?');
  await expect(message(b!, 'Hi Bob, can you see this?')).toBeVisible();
  await expect(message(b!, 'Hi Bob, can you see this?')).toContainText('Alice Liddell');

  // Bob types: Alice sees it before the message arrives. He goes on typing (a keystroke and
  // its undo) until she does: his client stops the notice after 5 idle seconds, which a busy
  // machine could otherwise spend before her client shows it.
  await composer(b!).pressSequentially('Loud and clear');
  await expect(async () => {
    await composer(b!).press('Space');
    await composer(b!).press('Backspace');
    await expect(a!.getByText(/Bob Builder is typing/)).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(composer(b!)).toHaveValue('Loud and clear');
  await composer(b!).press('Enter');
  await expect(message(a!, 'Loud and clear')).toBeVisible();
  await expect(a!.getByText(/Bob Builder is typing/)).toHaveCount(0);

  // Bob reacts to Alice's message; Alice sees the reaction with his name on it.
  const mine = message(b!, 'Hi Bob, can you see this?');
  await mine.hover();
  await mine.getByRole('button', { name: 'React with 😂' }).click();
  const pill = message(a!, 'Hi Bob, can you see this?').getByRole('button', {
    name: /Bob Builder reacted with 😂/,
  });
  await expect(pill).toBeVisible();
  await expect(pill).toHaveAttribute('aria-pressed', 'false');

  await send(a!, 'Great, talk soon');
  await expect(message(b!, 'Great, talk soon')).toBeVisible();
  await expect(timeline(b!).getByText(/^(Hi Bob|Loud|Great)/)).toHaveText([
    'Hi Bob, can you see this?',
    'Loud and clear',
    'Great, talk soon',
  ]);
  for (const c of contexts) await c.close();
  expect(errors).toEqual([]);
});
