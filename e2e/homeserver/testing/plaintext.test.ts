import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CS, client, seedRoom, seedUser, sendText, serverPool } from './fixtures';
import { expectNoPlaintext, findPlaintext } from './plaintext';

const start = serverPool();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('findPlaintext / expectNoPlaintext', () => {
  it('find a secret wherever the homeserver keeps it, and nothing where it is not', async () => {
    const server = await start();
    const { url } = server;
    const alice = await seedUser(url, 'alice');
    const bob = await seedUser(url, 'bob');
    const roomId = await seedRoom(url, { creator: alice.userId, members: [bob.userId] });
    const a = client(url, alice);
    const user = encodeURIComponent(alice.userId);
    expectNoPlaintext(server, 'secret in a message');

    await sendText(url, alice, roomId, 'the secret in a message, quoted');
    await client(url, bob).put(`${CS}/sendToDevice/m.room_key/t1`, {
      messages: { [alice.userId]: { [alice.deviceId]: { nested: ['secret in a to-device'] } } },
    });
    const v = (await a.post(`${CS}/room_keys/version`, { algorithm: 'x', auth_data: {} })).version;
    await a.put(`${CS}/room_keys/keys/${encodeURIComponent(roomId)}/s1?version=${v}`, {
      first_message_index: 0,
      forwarded_count: 0,
      is_verified: false,
      session_data: { ciphertext: 'secret in a backup' },
    });
    await a.put(`${CS}/user/${user}/account_data/org.example`, { 'secret in a key name': 1 });
    await a.put(`${CS}/user/${user}/rooms/${encodeURIComponent(roomId)}/account_data/x`, {
      note: 'secret in room account data',
    });
    const upload = await fetch(`${url}/_matrix/media/v3/upload`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice.token}`, 'Content-Type': 'text/plain' },
      body: 'a file with a secret in a blob inside',
    });
    expect(upload.status).toBe(200);
    const encoded = Buffer.from('xsecret only base64-encoded').toString('base64');
    await sendText(url, alice, roomId, `attachment: ${encoded}`);

    const where = (text: string) => findPlaintext(server, text);
    expect(where('secret in a message')).toEqual([
      expect.stringMatching(/^event\/\$.*: pdu\.content\.body$/),
    ]);
    expect(where('secret in a to-device')).toEqual([
      expect.stringMatching(/^to_device\/.*: content\.nested\[0\]$/),
    ]);
    expect(where('secret in a backup')).toEqual([
      expect.stringMatching(/^backup_key\/.*: data\.session_data\.ciphertext$/),
    ]);
    expect(where('secret in a key name')).toEqual([
      expect.stringMatching(/^account_data\/.*\(key\)$/),
    ]);
    expect(where('secret in room account data')).toHaveLength(1);
    expect(where('secret in a blob')).toEqual([expect.stringMatching(/^blob\//)]);
    expect(where('secret only base64-encoded')).toHaveLength(1);
    expect(where('never sent anywhere')).toEqual([]);

    expect(() => expectNoPlaintext(server, 'secret in a backup')).toThrow(/backup_key\//);
    expect(() => expectNoPlaintext(server, 'short')).toThrow(/at least 8/);
  });

  it('search what the database holds when the homeserver persists to disk', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hs-plaintext-'));
    dirs.push(dataDir);
    const server = await start({ dataDir });
    const alice = await seedUser(server.url, 'alice');
    const roomId = await seedRoom(server.url, { creator: alice.userId });
    await sendText(server.url, alice, roomId, 'a secret kept on disk');
    await server.restart();
    expect(findPlaintext(server, 'a secret kept on disk')).toHaveLength(1);
  });
});
