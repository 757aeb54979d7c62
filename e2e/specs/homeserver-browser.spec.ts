import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startTestServer } from '../homeserver/testing/helpers';
import type { RunningHomeserver } from '../homeserver';
import { serveStatic, type StaticServer } from '../tools/serve-static';

// A page on one origin talks to the test homeserver on another, as browser-based Matrix clients
// do: every call must pass Chromium's CORS checks. (Our own renderer never does this: its CSP
// allows only its own origin, and the core talks to the homeserver.)

let homeserver: RunningHomeserver;
let page0: StaticServer;

test.beforeAll(async () => {
  homeserver = await startTestServer();
  const dir = mkdtempSync(join(tmpdir(), 'blank-page-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>blank</title>');
  page0 = await serveStatic(dir);
});

test.afterAll(async () => {
  await page0?.close();
  await homeserver?.close();
});

test('a page on another origin registers, sends and syncs through CORS', async ({ page }) => {
  await page.goto(page0.url);
  const result = await page.evaluate(async (hs) => {
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (token) headers.Authorization = `Bearer ${token}`;
      const res = await fetch(hs + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const v3 = '/_matrix/client/v3';
    const step1 = await call('POST', `${v3}/register`, { username: 'web', password: 'pw-123456' });
    const step2 = await call('POST', `${v3}/register`, {
      username: 'web',
      password: 'pw-123456',
      auth: { type: 'm.login.dummy', session: step1.body.session },
    });
    const token = step2.body.access_token as string;
    const room = await call('POST', `${v3}/createRoom`, { name: 'From the browser' }, token);
    const roomId = encodeURIComponent(room.body.room_id);
    const sent = await call(
      'PUT',
      `${v3}/rooms/${roomId}/send/m.room.message/t1`,
      { msgtype: 'm.text', body: 'hello' },
      token,
    );
    const sync = await call('GET', `${v3}/sync?timeout=0`, undefined, token);
    const badLogin = await call('POST', `${v3}/login`, {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: 'web' },
      password: 'wrong',
    });
    const timeline = sync.body.rooms.join[room.body.room_id].timeline.events as {
      type: string;
      content: { body?: string };
    }[];
    return {
      step1: step1.status,
      step2: step2.status,
      sent: sent.status,
      messages: timeline.filter((e) => e.type === 'm.room.message').map((e) => e.content.body),
      badLogin: [badLogin.status, badLogin.body.errcode],
    };
  }, homeserver.url);

  expect(result).toEqual({
    step1: 401,
    step2: 200,
    sent: 200,
    messages: ['hello'],
    badLogin: [403, 'M_FORBIDDEN'],
  });
});
