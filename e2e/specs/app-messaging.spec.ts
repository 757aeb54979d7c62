/**
 * Sending, replying, editing, reacting and deleting through the timeline and the composer; each
 * checked on screen and on the homeserver (as the other member of the room reads it).
 */
import { expect, test, type Page } from '@playwright/test';
import type { RunningHomeserver } from '../homeserver';
import { startTestServer } from '../homeserver/testing/helpers';
import {
  addMessages,
  clientApi,
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
let roomId: string;
let bobEvents: string[];

/** The room's latest events as Bob's client reads them from the server. */
async function serverEvents(): Promise<
  { event_id: string; type: string; sender: string; content: any }[]
> {
  const r = await clientApi(hs.url, bob)('GET', `/rooms/${roomId}/messages?dir=b&limit=50`);
  return r.body.chunk;
}

test.beforeAll(async ({ browser }) => {
  hs = await startTestServer();
  alice = await createUser(hs.url, 'alice', 'Alice Liddell');
  bob = await createUser(hs.url, 'bob', 'Bob Builder');
  roomId = await createRoom(hs.url, {
    creator: bob.userId,
    members: [alice.userId],
    name: 'Team Chat',
  });
  bobEvents = await addMessages(hs.url, roomId, bob.userId, 3, 'Hello from Bob');
  dataDir = tempDir('lm-spec-messaging-');
  harness = await Harness.start(dataDir);
  page = await browser.newPage();
  errors = collectErrors(page);
  await page.goto(harness.url);
  await signIn(page, hs.url, 'alice', alice.password);
  await openRoom(page, 'Team Chat');
  await expect(message(page, 'Hello from Bob 3')).toBeVisible();
});

test.afterAll(async () => {
  await page?.close();
  await harness?.stop();
  await hs?.close();
  removeDir(dataDir);
});

test('sends a message: it shows at once and reaches the server', async () => {
  await composer(page).fill('Hi Bob, first message');
  await composer(page).press('Enter');
  await expect(composer(page)).toHaveValue('');
  const sent = message(page, 'Hi Bob, first message');
  await expect(sent).toBeVisible();
  await expect(sent.getByText('Sending…')).toHaveCount(0);
  await expect
    .poll(async () =>
      (await serverEvents()).some((e) => e.content.body === 'Hi Bob, first message'),
    )
    .toBe(true);
});

test('replies to a message, quoting it', async () => {
  const original = message(page, 'Hello from Bob 3');
  await original.hover();
  await original.getByRole('button', { name: 'Reply' }).click();
  await expect(page.getByRole('button', { name: 'Cancel reply' })).toBeVisible();
  await expect(composer(page)).toBeFocused();
  await composer(page).fill('Replying to you, Bob');
  await composer(page).press('Enter');

  const reply = message(page, 'Replying to you, Bob');
  await expect(reply).toBeVisible();
  await expect(reply.getByRole('button', { name: /Hello from Bob 3/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel reply' })).toHaveCount(0);
  await expect
    .poll(async () => {
      const e = (await serverEvents()).find((x) => x.content.body?.includes('Replying to you'));
      return e?.content['m.relates_to']?.['m.in_reply_to']?.event_id;
    })
    .toBe(bobEvents[2]);
});

test('edits its own message', async () => {
  const own = message(page, 'Hi Bob, first message');
  await own.hover();
  await own.getByRole('button', { name: 'Edit' }).click();
  await expect(composer(page)).toHaveValue('Hi Bob, first message');
  await composer(page).fill('Hi Bob, edited message');
  await composer(page).press('Enter');

  const edited = message(page, 'Hi Bob, edited message');
  await expect(edited).toBeVisible();
  await expect(edited.getByText('(edited)')).toBeVisible();
  await expect(message(page, 'Hi Bob, first message')).toHaveCount(0);
  await expect
    .poll(async () =>
      (await serverEvents()).some(
        (e) =>
          e.content['m.relates_to']?.rel_type === 'm.replace' &&
          e.content['m.new_content']?.body === 'Hi Bob, edited message',
      ),
    )
    .toBe(true);
});

test('reacts to a message, and sees the other side react live', async () => {
  const target = message(page, 'Hello from Bob 2');
  await target.hover();
  await target.getByRole('button', { name: 'React with 👍' }).click();
  const pill = target.getByRole('button', { name: /reacted with 👍/ });
  await expect(pill).toHaveAttribute('aria-pressed', 'true');
  await expect(pill).toContainText('1');
  const ours = async () =>
    (await serverEvents()).find(
      (e) =>
        e.type === 'm.reaction' &&
        e.sender === alice.userId &&
        e.content['m.relates_to']?.event_id === bobEvents[1],
    );
  await expect.poll(ours).toBeTruthy();
  // Bob reacts with the very key Alice's client sent (emoji keys may carry a variation selector).
  const key: string = (await ours())!.content['m.relates_to'].key;
  expect(key.startsWith('👍')).toBe(true);
  await clientApi(hs.url, bob)('PUT', `/rooms/${roomId}/send/m.reaction/r1`, {
    'm.relates_to': { rel_type: 'm.annotation', event_id: bobEvents[1], key },
  });
  await expect(pill).toContainText('2');
  await expect(pill).toHaveAccessibleName(/Bob Builder/);
});

test('deletes its own message after confirming', async () => {
  const own = message(page, 'Replying to you, Bob');
  await own.hover();
  await own.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete message?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(message(page, 'Replying to you, Bob')).toHaveCount(0);
  await expect(timeline(page).getByText('Message deleted')).toBeVisible();
  await expect
    .poll(async () => (await serverEvents()).some((e) => e.type === 'm.room.redaction'))
    .toBe(true);
  expect(errors).toEqual([]);
});
