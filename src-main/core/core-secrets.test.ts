/**
 * The access token lives in the secret store (`<dataDir>/secrets.json`), never in the account
 * database: new sign-ins, the move of a token an older version left in the database, soft
 * logout, logout, restarts and a damaged secrets file; through the real core and the test
 * homeserver.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import type { RunningHomeserver } from '../../e2e/homeserver';
import { accountDirName } from '../services/account-registry';
import {
  accessTokenSecret,
  cryptoKeySecret,
  cryptoStoreKey,
  openFileSecretStore,
  SECRETS_FILE,
} from '../storage/secret-store';
import type { Core } from './core';
import { call, next, signIn, startCore, tempDir, useCleanups } from '../testing/core-harness';

const cleanup = useCleanups();

function dbPath(dataDir: string, userId: string): string {
  return join(dataDir, 'accounts', accountDirName(userId), 'account.sqlite');
}

/** Whether `text` occurs in any of the account database's files (main, WAL, shared memory). */
function dbHolds(dataDir: string, userId: string, text: string): boolean {
  const db = dbPath(dataDir, userId);
  return ['', '-wal', '-shm'].some(
    (suffix) => existsSync(db + suffix) && readFileSync(db + suffix).includes(text),
  );
}

/** The `access_token` column of the account's session row. */
function tokenColumn(dataDir: string, userId: string): string | null {
  const db = new Database(dbPath(dataDir, userId), { readonly: true });
  try {
    return (db.prepare('SELECT access_token FROM session').get() as { access_token: string | null })
      .access_token;
  } finally {
    db.close();
  }
}

/** The access token in the data dir's secret store. */
async function storedToken(dataDir: string, userId: string): Promise<string | undefined> {
  const secrets = openFileSecretStore(join(dataDir, SECRETS_FILE));
  const token = await secrets.get(accessTokenSecret(userId));
  return token && new TextDecoder().decode(token);
}

/** The access token the server gave our core (the device the registration made aside). */
function serverToken(hs: RunningHomeserver, userId: string, registered: string): string {
  const ours = hs.hs.accounts.devicesOf(userId).filter((d) => d.device_id !== registered);
  if (ours.length !== 1) throw new Error(`expected one device of the core, got ${ours.length}`);
  return ours[0]!.access_token;
}

async function signedIn(): Promise<{
  hs: RunningHomeserver;
  dataDir: string;
  core: Core;
  userId: string;
  token: string;
}> {
  const hs = await startTestServer();
  cleanup(() => hs.close());
  const alice = await register(hs.url, 'alice');
  const dataDir = tempDir();
  const core = await startCore(dataDir);
  cleanup(() => core.close());
  await signIn(core, hs.url, 'alice');
  return {
    hs,
    dataDir,
    core,
    userId: alice.userId,
    token: serverToken(hs, alice.userId, alice.deviceId),
  };
}

describe('core: the access token', () => {
  it('is kept in the secret store only, and a restart signs in with it', async () => {
    const { dataDir, core, userId, token } = await signedIn();
    expect(await storedToken(dataDir, userId)).toBe(token);
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect([mode(dataDir), mode(join(dataDir, SECRETS_FILE))]).toEqual(['700', '600']);
    expect(dbHolds(dataDir, userId, token)).toBe(false);
    await core.close();
    expect(dbHolds(dataDir, userId, token)).toBe(false);
    expect(tokenColumn(dataDir, userId)).toBeNull();

    const again = await startCore(dataDir);
    cleanup(() => again.close());
    await next(again, 'sync.status', (e) => e.data.state === 'ok', { afterSeq: 0 });
    expect((await call(again, 'account.list', {})).accounts).toMatchObject([
      { userId, state: 'active' },
    ]);
  });

  it('is moved out of the database an older version wrote, once, and the account syncs', async () => {
    const { hs, dataDir, core, userId, token } = await signedIn();
    await core.close();
    // The layout of the older version: the token in the session row, no secrets file.
    const old = new Database(dbPath(dataDir, userId));
    old.prepare('UPDATE session SET access_token = ?').run(token);
    old.close();
    rmSync(join(dataDir, SECRETS_FILE));
    expect(dbHolds(dataDir, userId, token)).toBe(true);

    const upgraded = await startCore(dataDir);
    await next(upgraded, 'sync.status', (e) => e.data.state === 'ok', { afterSeq: 0 });
    expect(tokenColumn(dataDir, userId)).toBeNull();
    expect(await storedToken(dataDir, userId)).toBe(token);
    expect(dbHolds(dataDir, userId, token)).toBe(false);
    await upgraded.close();
    expect(dbHolds(dataDir, userId, token)).toBe(false);

    // A crash between storing and clearing leaves it in both: the next start moves it again.
    const both = new Database(dbPath(dataDir, userId));
    both.prepare('UPDATE session SET access_token = ?').run(token);
    both.close();
    const again = await startCore(dataDir);
    cleanup(() => again.close());
    await next(again, 'sync.status', (e) => e.data.state === 'ok', { afterSeq: 0 });
    expect(tokenColumn(dataDir, userId)).toBeNull();
    expect(await storedToken(dataDir, userId)).toBe(token);
    expect(hs.hs.accounts.devicesOf(userId)).toHaveLength(2); // no new sign-in was needed
  });

  it('is forgotten at a soft logout, and the new one of the sign-in again is stored', async () => {
    const { hs, dataDir, core, userId, token } = await signedIn();
    const { deviceId } = (await call(core, 'account.list', {})).accounts[0]!;
    const soft = next(core, 'account.changed', (e) => e.data.account.state === 'soft-logged-out');
    await api(hs.url, 'POST', '/_test/soft_logout', { user_id: userId, device_id: deviceId });
    await soft;
    expect(await core.accounts.secrets.get(accessTokenSecret(userId))).toBeUndefined();

    const back = await call(core, 'account.relogin', { userId, password: 'secret-pw' });
    expect(back).toMatchObject({ state: 'active', deviceId });
    const renewed = await storedToken(dataDir, userId);
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(token);
    expect(dbHolds(dataDir, userId, renewed!)).toBe(false);
  });

  it('is forgotten at logout, with the key of the crypto store', async () => {
    const { dataDir, core, userId } = await signedIn();
    const { deviceId } = (await call(core, 'account.list', {})).accounts[0]!;
    // What the crypto layer will do with the session's secrets.
    const key = await cryptoStoreKey(core.session.secrets, userId, deviceId);
    expect(await cryptoStoreKey(core.accounts.secrets, userId, deviceId)).toEqual(key);
    await call(core, 'account.logout', { userId });
    const secrets = openFileSecretStore(join(dataDir, SECRETS_FILE));
    expect(await secrets.get(accessTokenSecret(userId))).toBeUndefined();
    expect(await secrets.get(cryptoKeySecret(userId, deviceId))).toBeUndefined();
  });

  it('in a damaged secrets file: the account asks for a sign-in and says why', async () => {
    const { dataDir, core, userId } = await signedIn();
    await core.close();
    writeFileSync(join(dataDir, SECRETS_FILE), '{"version": 1, "secrets": {"token:');

    const again = await startCore(dataDir);
    cleanup(() => again.close());
    const listed = await call(again, 'account.list', {});
    expect(listed.accounts).toMatchObject([{ userId, state: 'soft-logged-out' }]);
    expect(listed.notices).toEqual([
      {
        userId,
        message: expect.stringMatching(/damaged.*set aside.*sign in again.*encrypted history/s),
      },
    ]);
    expect(
      readdirSync(dataDir).filter((f) => f.startsWith(`${SECRETS_FILE}.corrupt-`)),
    ).toHaveLength(1);

    await call(again, 'account.relogin', { userId, password: 'secret-pw' });
    const after = await call(again, 'account.list', {});
    expect(after.accounts).toMatchObject([{ userId, state: 'active' }]);
    expect(after.notices).toBeUndefined();
    expect(await storedToken(dataDir, userId)).toBeDefined();
  });
});
