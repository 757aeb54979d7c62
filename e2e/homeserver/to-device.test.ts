/**
 * Send-to-device messages (to_device.yaml, and `to_device` in sync.yaml): delivered in the
 * order each sender device sent them, kept until the client acknowledges them by syncing from
 * the next token, at most a page per sync, with content passed through untouched.
 */
import { describe, expect, it } from 'vitest';
import { CS, ok, seedUser, serverPool, txn, type Json } from './testing/fixtures';
import { api, type TestUser } from './testing/helpers';

const start = serverPool();
const PASSWORD = 'to-device-pw';

async function login(url: string, u: TestUser): Promise<TestUser> {
  const r = ok(
    await api(url, 'POST', `${CS}/login`, {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: u.userId },
      password: PASSWORD,
    }),
  );
  return { userId: u.userId, deviceId: r.body.device_id, token: r.body.access_token };
}

async function sendToDevice(url: string, from: TestUser, type: string, messages: Json) {
  const path = `${CS}/sendToDevice/${encodeURIComponent(type)}/${txn()}`;
  ok(await api(url, 'PUT', path, { messages }, from.token));
}

async function sync(url: string, u: TestUser, since?: string, timeout = 0) {
  const q = new URLSearchParams({ timeout: String(timeout) });
  if (since) q.set('since', since);
  return ok(await api(url, 'GET', `${CS}/sync?${q}`, undefined, u.token)).body;
}

type ToDevice = { sender: string; type: string; content: Json };

describe('to-device messages', () => {
  it('deliver a flood of 1,000 to one device complete, in order, a page per sync', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const bob = await seedUser(url, 'bob', { password: PASSWORD });
    const bobPhone = await login(url, bob);
    let since = (await sync(url, alice)).next_batch as string;

    // Two sender devices, 500 messages each, sent at the same time; types alternate.
    const types = ['m.room.encrypted', 'm.room_key_request'];
    const flood = (from: TestUser) => async () => {
      for (let i = 0; i < 500; i++) {
        const content = { device: from.deviceId, n: i };
        await sendToDevice(url, from, types[i % 2]!, {
          [alice.userId]: { [alice.deviceId]: content },
        });
      }
    };
    await Promise.all([flood(bob)(), flood(bobPhone)()]);

    const got: ToDevice[] = [];
    let pages = 0;
    while (got.length < 1000) {
      // A long timeout: a sync must not wait while messages are still queued.
      const s = await sync(url, alice, since, 30_000);
      const events = s.to_device.events as ToDevice[];
      expect(events.length).toBeGreaterThan(0);
      expect(events.length).toBeLessThanOrEqual(100);
      if (pages === 3) {
        // The response was lost: syncing from the same token again gives the same page.
        expect((await sync(url, alice, since)).to_device.events).toEqual(events);
      }
      got.push(...events);
      since = s.next_batch;
      pages++;
      expect(pages).toBeLessThanOrEqual(20);
    }
    expect(pages).toBeGreaterThanOrEqual(10);
    expect(got).toHaveLength(1000);
    for (const from of [bob, bobPhone]) {
      const mine = got.filter((e) => e.content.device === from.deviceId);
      expect(mine.map((e) => e.content.n)).toEqual([...Array(500).keys()]);
      expect(mine.map((e) => e.type)).toEqual(mine.map((_, i) => types[i % 2]));
      expect(mine.every((e) => e.sender === bob.userId)).toBe(true);
    }
    // All acknowledged: nothing is delivered twice.
    expect((await sync(url, alice, since)).to_device.events).toEqual([]);
  });

  it('pass m.room_key and m.room.encrypted content through untouched', async () => {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const bob = await seedUser(url, 'bob');
    const since = (await sync(url, alice)).next_batch as string;
    const roomKey = {
      algorithm: 'm.megolm.v1.aes-sha2',
      room_id: '!room:test.local',
      session_id: 'X6JQwNlu7QG2U9Hz8pCMTuk1Gp4Y2Y0e0K9YqR1s2Qk',
      session_key: 'AgAAAADxKHa9uFxcXzwYoNueL5Xz...',
      unsigned: { kept: true },
      'org.example.extra': [1, 2.5, null, { nested: '✓ ünïcödé' }],
    };
    const encrypted = {
      algorithm: 'm.olm.v1.curve25519-aes-sha2',
      sender_key: 'Szl29ksW/L8yZGWAX+8dY1XyFi+i5wm+DRhTGkbMiwU',
      ciphertext: { 'curve25519/key': { type: 0, body: 'AwogZ3Q…' } },
    };
    await sendToDevice(url, bob, 'm.room_key', { [alice.userId]: { [alice.deviceId]: roomKey } });
    await sendToDevice(url, bob, 'm.room.encrypted', { [alice.userId]: { '*': encrypted } });
    expect((await sync(url, alice, since)).to_device.events).toEqual([
      { sender: bob.userId, type: 'm.room_key', content: roomKey },
      { sender: bob.userId, type: 'm.room.encrypted', content: encrypted },
    ]);
  });
});
