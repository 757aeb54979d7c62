/**
 * The composer as a daily driver: sending while scrolled up, the emoji picker, slash commands,
 * mention pills, and drafts kept per room across room switches and restarts. Each checked on
 * screen and, where it matters, on the homeserver as the other member reads it.
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
  shot,
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
let chat: string;
let busy: string;
let busyIds: string[];

type ServerEvent = { event_id: string; type: string; sender: string; content: any };

/** A room's latest events as Bob's client reads them from the server. */
async function serverEvents(roomId: string): Promise<ServerEvent[]> {
  const r = await clientApi(hs.url, bob)('GET', `/rooms/${roomId}/messages?dir=b&limit=30`);
  return r.body.chunk;
}

/** Alice's newest message in `roomId` on the server whose body is `body`. */
async function sent(roomId: string, body: string): Promise<ServerEvent | undefined> {
  return (await serverEvents(roomId)).find(
    (e) => e.sender === alice.userId && e.type === 'm.room.message' && e.content.body === body,
  );
}

async function startApp(browser: import('@playwright/test').Browser): Promise<void> {
  harness = await Harness.start(dataDir);
  page = await browser.newPage();
  errors = collectErrors(page);
  await page.goto(harness.url);
}

test.beforeAll(async ({ browser }) => {
  hs = await startTestServer();
  alice = await createUser(hs.url, 'alice', 'Alice Liddell');
  bob = await createUser(hs.url, 'bob', 'Bob Builder');
  chat = await createRoom(hs.url, { creator: bob.userId, members: [alice.userId], name: 'Chat' });
  busy = await createRoom(hs.url, { creator: bob.userId, members: [alice.userId], name: 'Busy' });
  busyIds = await addMessages(hs.url, busy, bob.userId, 200, 'Busy line');
  await addMessages(hs.url, chat, bob.userId, 2, 'Hello from Bob');
  dataDir = tempDir('lm-spec-composer-');
  await startApp(browser);
  await signIn(page, hs.url, 'alice', alice.password);
  await openRoom(page, 'Chat');
  await expect(message(page, 'Hello from Bob 2')).toBeVisible();
});

test.afterAll(async () => {
  await page?.close();
  await harness?.stop();
  await hs?.close();
  removeDir(dataDir);
});

test('a message sent while scrolled up shows: the timeline goes to the newest message', async () => {
  await openRoom(page, 'Busy');
  await expect(message(page, 'Busy line 200')).toBeInViewport();
  await timeline(page).hover();
  await expect(async () => {
    await page.mouse.wheel(0, -3000);
    await expect(message(page, 'Busy line 200')).not.toBeInViewport({ timeout: 1000 });
  }).toPass();
  await composer(page).fill('Sent from up there');
  await composer(page).press('Enter');
  await expect(message(page, 'Sent from up there')).toBeInViewport();
});

test('sending from a jumped-to window in the past reopens the live end', async () => {
  // Bob answers the very first line: its quote jumps into the past (a window without the end).
  const txn = `reply-${Date.now()}`;
  await clientApi(hs.url, bob)('PUT', `/rooms/${busy}/send/m.room.message/${txn}`, {
    msgtype: 'm.text',
    body: 'About the first line',
    'm.relates_to': { 'm.in_reply_to': { event_id: busyIds[0] } },
  });
  const reply = message(page, 'About the first line');
  await expect(reply).toBeVisible();
  await reply.getByRole('button', { name: /In reply to|Busy line 1\b/ }).click();
  await expect(message(page, 'Busy line 1')).toBeInViewport();
  await expect(message(page, 'Busy line 200')).toHaveCount(0);
  await composer(page).fill('Back to the present');
  await composer(page).press('Enter');
  await expect(message(page, 'Back to the present')).toBeInViewport();
  await expect(message(page, 'About the first line')).toBeVisible();
});

test('the emoji picker closes after a pick (inserting at the caret) and on Escape', async () => {
  await openRoom(page, 'Chat');
  const box = composer(page);
  await box.fill('ab');
  await box.press('ArrowLeft');
  const button = page.getByRole('button', { name: 'Insert emoji' });
  const picker = page.getByRole('dialog', { name: 'Emoji' });
  await button.click();
  await expect(picker).toBeVisible();
  await picker.getByRole('searchbox', { name: 'Search emoji' }).fill('grinning face');
  await picker.getByRole('button', { name: 'grinning face', exact: true }).click();
  await expect(picker).toBeHidden();
  await expect(box).toHaveValue('a😀b');
  await expect(box).toBeFocused();

  await button.click();
  await expect(picker).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(picker).toBeHidden();
  await expect(button).toBeFocused();
  await box.fill('');
});

test('typing / lists the commands, filtered as you type; Enter picks one', async () => {
  const box = composer(page);
  await box.fill('');
  await box.pressSequentially('/');
  const list = page.getByRole('listbox', { name: 'Commands' });
  await expect(list).toBeVisible();
  for (const name of ['me', 'shrug', 'tableflip', 'plain', 'html', 'nick', 'topic', 'invite']) {
    await expect(list.getByRole('option', { name: new RegExp(`^/${name}\\b`) })).toBeVisible();
  }
  await expect(list.getByRole('option', { name: /^\/leave\b.*Leaves this room/ })).toBeVisible();
  await box.pressSequentially('sh');
  await expect(list.getByRole('option')).toHaveCount(1);
  await box.press('Enter');
  await expect(list).toBeHidden();
  await expect(box).toHaveValue('/shrug ');
  await box.pressSequentially('fine');
  await box.press('Enter');
  await expect(message(page, '¯\\_(ツ)_/¯ fine')).toBeVisible();
  await expect.poll(() => sent(chat, '¯\\_(ツ)_/¯ fine')).toBeTruthy();
});

test('/me sends an emote, /plain and /html choose the format, //x sends /x', async () => {
  const box = composer(page);
  await box.fill('/me waves');
  await box.press('Enter');
  await expect.poll(async () => (await sent(chat, 'waves'))?.content.msgtype).toBe('m.emote');
  await box.fill('/plain **as typed**');
  await box.press('Enter');
  await expect
    .poll(async () => {
      const e = await sent(chat, '**as typed**');
      return e && { msgtype: e.content.msgtype, formatted: e.content.formatted_body ?? null };
    })
    .toEqual({ msgtype: 'm.text', formatted: null });
  await box.fill('/html <b>loud</b> words');
  await box.press('Enter');
  await expect
    .poll(async () => (await sent(chat, 'loud words'))?.content.formatted_body)
    .toBe('<b>loud</b> words');
  await expect(message(page, 'loud words').locator('b', { hasText: 'loud' })).toBeVisible();
  await box.fill('//shrug is literal');
  await box.press('Enter');
  await expect(message(page, '/shrug is literal')).toBeVisible();
});

test('an unknown command is not sent but asked about; it can be sent anyway', async () => {
  const box = composer(page);
  await box.fill('/foo bar');
  await box.press('Enter');
  const warning = page.getByRole('alert').filter({ hasText: 'Unknown command /foo' });
  await expect(warning).toContainText('Unknown command /foo — send as a message?');
  await expect(box).toHaveValue('/foo bar');
  await expect(message(page, '/foo bar')).toHaveCount(0);
  await warning.getByRole('button', { name: 'Send as message' }).click();
  await expect(message(page, '/foo bar')).toBeVisible();
  await expect(box).toHaveValue('');
  await expect.poll(() => sent(chat, '/foo bar')).toBeTruthy();
});

test('/topic, /nick and /invite act; an error is shown in words, the text kept', async () => {
  const box = composer(page);
  await box.fill('/topic Plans for the week');
  await box.press('Enter');
  // Bob's room: Alice may not set its topic yet.
  await expect(
    page
      .getByRole('alert')
      .filter({ hasText: 'Could not set the topic: you do not have permission' }),
  ).toBeVisible();
  await expect(box).toHaveValue('/topic Plans for the week');
  const levels = await clientApi(hs.url, bob)('GET', `/rooms/${chat}/state/m.room.power_levels`);
  const users = { ...levels.body.users, [alice.userId]: 100 };
  await clientApi(hs.url, bob)('PUT', `/rooms/${chat}/state/m.room.power_levels`, {
    ...levels.body,
    users,
  });
  await expect(async () => {
    await box.press('Enter');
    await expect(box).toHaveValue('', { timeout: 2000 });
  }).toPass();
  await expect
    .poll(async () => {
      const r = await clientApi(hs.url, bob)('GET', `/rooms/${chat}/state/m.room.topic`);
      return r.body.topic;
    })
    .toBe('Plans for the week');

  await box.fill('/nick Alice L.');
  await box.press('Enter');
  await expect(box).toHaveValue('');
  await expect
    .poll(async () => {
      const r = await clientApi(hs.url, bob)('GET', `/profile/${alice.userId}/displayname`);
      return r.body.displayname;
    })
    .toBe('Alice L.');

  const carol = await createUser(hs.url, 'carol', 'Carol Singer');
  await box.fill(`/invite ${carol.userId}`);
  await box.press('Enter');
  await expect(box).toHaveValue('');
  await expect
    .poll(async () => {
      const r = await clientApi(hs.url, bob)(
        'GET',
        `/rooms/${chat}/state/m.room.member/${carol.userId}`,
      );
      return r.body.membership;
    })
    .toBe('invite');

  await box.fill('/join #nowhere:test.local');
  await box.press('Enter');
  await expect(
    page.getByRole('alert').filter({ hasText: 'Could not join #nowhere:test.local: not found.' }),
  ).toBeVisible();
  await expect(box).toHaveValue('/join #nowhere:test.local');

  await box.fill('/invite bob');
  await box.press('Enter');
  await expect(page.getByRole('alert').filter({ hasText: 'Usage: /invite' })).toBeVisible();
  await expect(box).toHaveValue('/invite bob');
  await box.fill('');
});

test('/join opens the room; /ignore ignores; /leave leaves', async () => {
  const made = await clientApi(hs.url, bob)('POST', '/createRoom', {
    preset: 'public_chat',
    room_alias_name: 'town',
    name: 'Town Square',
  });
  const town = made.body.room_id as string;
  const server = alice.userId.split(':')[1];
  await composer(page).fill(`/join #town:${server}`);
  await composer(page).press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Town Square' })).toBeVisible();

  await composer(page).fill(`/ignore ${bob.userId}`);
  await composer(page).press('Enter');
  await expect(composer(page)).toHaveValue('');
  await expect
    .poll(async () => {
      const r = await clientApi(hs.url, alice)(
        'GET',
        `/user/${alice.userId}/account_data/m.ignored_user_list`,
      );
      return Object.keys(r.body.ignored_users ?? {});
    })
    .toEqual([bob.userId]);
  await clientApi(hs.url, alice)('PUT', `/user/${alice.userId}/account_data/m.ignored_user_list`, {
    ignored_users: {},
  });

  await composer(page).fill('/leave');
  await composer(page).press('Enter');
  await expect
    .poll(async () => {
      const r = await clientApi(hs.url, bob)(
        'GET',
        `/rooms/${town}/state/m.room.member/${alice.userId}`,
      );
      return r.body.membership;
    })
    .toBe('leave');
});

test('@-completion inserts a pill: sent as a matrix.to link with m.mentions, deleted whole', async () => {
  await openRoom(page, 'Chat');
  const box = composer(page);
  await box.fill('');
  await box.pressSequentially('thanks @bo');
  const people = page.getByRole('listbox', { name: 'People' });
  await expect(people.getByRole('option', { name: /Bob Builder/ })).toBeVisible();
  await box.press('Enter');
  await expect(box).toHaveValue('thanks Bob Builder ');
  // Drawn as a pill behind the text (decoration: hidden from assistive technology).
  const pill = page.locator(`mark[data-user-id="${bob.userId}"]`);
  await expect(pill).toHaveText('Bob Builder');
  await shot(page, 'composer-pill-light');
  // Backspace into the pill removes it whole.
  await box.press('Backspace');
  await box.press('Backspace');
  await expect(box).toHaveValue('thanks ');
  await expect(pill).toHaveCount(0);
  await box.pressSequentially('@bo');
  await expect(people).toBeVisible();
  await box.press('Tab');
  await box.pressSequentially('for the **help**');
  await box.press('Enter');
  const body = 'thanks Bob Builder for the **help**';
  await expect
    .poll(async () => {
      const e = await sent(chat, body);
      return e && { html: e.content.formatted_body, mentions: e.content['m.mentions'] };
    })
    .toEqual({
      html: `thanks <a href="https://matrix.to/#/${bob.userId}">Bob Builder</a> for the <strong>help</strong>`,
      mentions: { user_ids: [bob.userId] },
    });
  const row = timeline(page)
    .locator('[data-event-id]')
    .filter({ hasText: 'thanks Bob Builder for the help' });
  await expect(row.getByRole('link', { name: 'Bob Builder' })).toHaveAttribute(
    'data-lm-pill',
    'user',
  );
});

test('incoming mentions of people and rooms show as pills; a pill of yourself stands out', async () => {
  await clientApi(hs.url, bob)('PUT', `/rooms/${chat}/send/m.room.message/pill-${Date.now()}`, {
    msgtype: 'm.text',
    body: 'Alice see #town',
    format: 'org.matrix.custom.html',
    formatted_body:
      `<a href="https://matrix.to/#/${alice.userId}">Alice</a> see ` +
      `<a href="https://matrix.to/#/%23town:x.org">#town</a> and <a href="https://matrix.to/#/${bob.userId}">Bob</a>`,
    'm.mentions': { user_ids: [alice.userId] },
  });
  const row = timeline(page).locator('[data-event-id]').filter({ hasText: 'Alice see #town' });
  await expect(row.getByRole('link', { name: 'Alice' })).toHaveAttribute('data-lm-pill', 'user');
  await expect(row.getByRole('link', { name: 'Alice' })).toHaveClass(/pill-me/);
  await expect(row.getByRole('link', { name: 'Bob' })).not.toHaveClass(/pill-me/);
  await expect(row.getByRole('link', { name: '#town' })).toHaveAttribute('data-lm-pill', 'room');
});

test('drafts are kept per room across room switches and restarts; sending clears one', async ({
  browser,
}) => {
  await openRoom(page, 'Chat');
  const original = message(page, 'Hello from Bob 2');
  await original.hover();
  await original.getByRole('button', { name: 'Reply' }).click();
  await composer(page).fill('half a thought');
  await openRoom(page, 'Busy');
  await expect(composer(page)).toHaveValue('');
  await composer(page).fill('busy draft');
  await openRoom(page, 'Chat');
  await expect(composer(page)).toHaveValue('half a thought');
  await expect(page.getByRole('button', { name: 'Cancel reply' })).toBeVisible();

  await page.close();
  await harness.stop();
  await startApp(browser);
  await openRoom(page, 'Chat');
  await expect(composer(page)).toHaveValue('half a thought');
  await expect(page.getByRole('button', { name: 'Cancel reply' })).toBeVisible();
  await composer(page).press('End');
  await composer(page).pressSequentially(', finished');
  await composer(page).press('Enter');
  const answer = message(page, 'half a thought, finished');
  await expect(answer.getByRole('button', { name: /Hello from Bob 2/ })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel reply' })).toHaveCount(0);
  await openRoom(page, 'Busy');
  await expect(composer(page)).toHaveValue('busy draft');
  await openRoom(page, 'Chat');
  await expect(composer(page)).toHaveValue('');

  await page.close();
  await harness.stop();
  await startApp(browser);
  await openRoom(page, 'Chat');
  await expect(message(page, 'half a thought, finished')).toBeVisible();
  await expect(composer(page)).toHaveValue('');
  expect(errors).toEqual([]);
});
