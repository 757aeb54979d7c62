import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningHomeserver } from '../../e2e/homeserver';
import { api, register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import type { AccountInfo } from '../model/account';
import { DiscoveryError, HomeserverError } from '../net/errors';
import type { FetchFn } from '../net/http';
import {
  accessTokenSecret,
  cryptoKeySecret,
  openFileSecretStore,
  type SecretWrapper,
} from '../storage/secret-store';
import { SessionStore } from '../storage/session-store';
import { AccountService, type AccountServiceOptions } from './account-service';

let hs: RunningHomeserver;
let dataDir: string;
let services: AccountService[] = [];
let changes: { account: AccountInfo; removed?: boolean }[] = [];

const opts: AccountServiceOptions = {
  clientOptions: { baseDelayMs: 10, maxRetries: 1, timeoutMs: 5_000 },
  discoverOptions: { maxRetries: 0 },
  logoutTimeoutMs: 2_000,
};

function service(extra: AccountServiceOptions = {}): AccountService {
  const s = new AccountService(dataDir, {
    ...opts,
    onChange: (account, removed) => changes.push({ account, removed }),
    ...extra,
  });
  services.push(s);
  return s;
}

/** Marks the cache so a test can tell the same database was kept. */
function markCache(svc: AccountService, userId: string, token: string): void {
  new SessionStore(svc.db(userId)).setSyncToken(token);
  svc
    .db(userId)
    .prepare("INSERT INTO account_data (room_id, type, content) VALUES ('', 'm.marker', '{}')")
    .run();
}

function cacheMarkerSurvived(svc: AccountService, userId: string, token: string): boolean {
  const row = svc.db(userId).prepare("SELECT 1 FROM account_data WHERE type = 'm.marker'").get();
  return row !== undefined && svc.session(userId).syncToken === token;
}

const login = (svc: AccountService, username: string, password = 'secret-pw') =>
  svc.login({ server: hs.url, username, password, deviceName: 'Test device' });

beforeEach(async () => {
  hs = await startTestServer();
  dataDir = mkdtempSync(join(tmpdir(), 'accounts-'));
  changes = [];
  services = [];
});
afterEach(async () => {
  for (const s of services) s.close();
  await hs.close();
});

describe('AccountService', () => {
  it('signs in, stores the session and server info, and restores it offline', async () => {
    await register(hs.url, 'alice');
    const svc = service();
    const info = await login(svc, 'alice');
    expect(info).toMatchObject({
      userId: '@alice:test.local',
      homeserver: hs.url,
      displayName: 'alice',
      state: 'active',
    });
    expect(changes.at(-1)).toEqual({ account: info, removed: false });
    expect(svc.list()).toEqual({ accounts: [info], active: info.userId });
    const session = svc.session(info.userId);
    expect(session.versions).toContain('v1.1');
    expect(session.capabilities).toHaveProperty('m.room_versions');
    expect(await svc.client(info.userId).whoami()).toEqual({
      userId: info.userId,
      deviceId: info.deviceId,
    });
    markCache(svc, info.userId, 'since-1');
    svc.close();
    await hs.close();

    const again = service();
    const sessions = await again.restore();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ userId: info.userId, deviceId: info.deviceId });
    const token = await again.secrets.get(accessTokenSecret(info.userId));
    expect(new TextDecoder().decode(token)).toMatch(/^syt_/);
    expect(new SessionStore(again.db(info.userId)).legacyAccessToken()).toBeUndefined();
    expect(again.list()).toEqual({ accounts: [info], active: info.userId });
    expect(cacheMarkerSurvived(again, info.userId, 'since-1')).toBe(true);
    expect(again.client(info.userId).client.hasAccessToken).toBe(true);
    hs = await startTestServer(); // for afterEach
  });

  it('keeps two accounts side by side, switches, and reuses the database on re-login', async () => {
    await register(hs.url, 'alice');
    await register(hs.url, 'bob');
    const svc = service();
    const alice = await login(svc, 'alice');
    const bob = await login(svc, 'bob');
    const devices = hs.hs.accounts.devicesOf(alice.userId).length;
    expect(svc.list().active).toBe(bob.userId);
    expect(svc.accountDir(alice.userId)).not.toBe(svc.accountDir(bob.userId));
    markCache(svc, alice.userId, 'alice-since');
    expect(svc.switch(alice.userId).userId).toBe(alice.userId);
    expect(svc.list().active).toBe(alice.userId);

    const relogged = await login(svc, 'alice');
    expect(relogged.deviceId).toBe(alice.deviceId);
    expect(cacheMarkerSurvived(svc, alice.userId, 'alice-since')).toBe(true);
    expect(hs.hs.accounts.devicesOf(alice.userId)).toHaveLength(devices);
    svc.close();

    const again = service();
    expect((await again.restore()).map((s) => s.userId)).toEqual([alice.userId, bob.userId]);
    expect(again.list().active).toBe(alice.userId);
    expect(readdirSync(join(dataDir, 'accounts'))).toHaveLength(2);
  });

  it('persists a soft logout and signs in again with the same device and cache', async () => {
    await register(hs.url, 'alice');
    const svc = service();
    const info = await login(svc, 'alice');
    markCache(svc, info.userId, 'since-9');
    const devices = hs.hs.accounts.devicesOf(info.userId).length;
    const apiBefore = svc.client(info.userId);
    await api(hs.url, 'POST', '/_test/soft_logout', {
      user_id: info.userId,
      device_id: info.deviceId,
    });
    const err = (await apiBefore.whoami().catch((e: unknown) => e)) as HomeserverError;
    expect(err.softLogout).toBe(true);
    expect(svc.info(info.userId).state).toBe('soft-logged-out');
    expect(changes.at(-1)?.account.state).toBe('soft-logged-out');
    svc.close();

    const again = service();
    const [restored] = await again.restore();
    expect(restored).toMatchObject({ softLoggedOut: true });
    expect(again.client(info.userId).client.hasAccessToken).toBe(false);
    expect(await again.secrets.get(accessTokenSecret(info.userId))).toBeUndefined();
    await expect(again.relogin(info.userId, 'wrong')).rejects.toMatchObject({
      errcode: 'M_FORBIDDEN',
    });
    expect(again.info(info.userId).state).toBe('soft-logged-out');

    const back = await again.relogin(info.userId, 'secret-pw');
    expect(back).toMatchObject({ state: 'active', deviceId: info.deviceId });
    expect(cacheMarkerSurvived(again, info.userId, 'since-9')).toBe(true);
    expect((await again.client(info.userId).whoami()).deviceId).toBe(info.deviceId);
    expect(hs.hs.accounts.devicesOf(info.userId)).toHaveLength(devices);
  });

  it('after the server deleted the device, signs in with a new device but keeps the cache', async () => {
    await register(hs.url, 'alice');
    const svc = service();
    const info = await login(svc, 'alice');
    markCache(svc, info.userId, 'since-3');
    hs.hs.accounts.deleteDevice(info.userId, info.deviceId);
    const err = (await svc
      .client(info.userId)
      .whoami()
      .catch((e: unknown) => e)) as HomeserverError;
    expect([err.errcode, err.softLogout]).toEqual(['M_UNKNOWN_TOKEN', false]);
    expect(svc.info(info.userId).state).toBe('soft-logged-out');

    const back = await svc.relogin(info.userId, 'secret-pw');
    expect(back.state).toBe('active');
    expect(back.deviceId).not.toBe(info.deviceId);
    expect(cacheMarkerSurvived(svc, info.userId, 'since-3')).toBe(true);
  });

  it('logs out on the server and wipes the account files', async () => {
    await register(hs.url, 'alice');
    await register(hs.url, 'bob');
    const stopped: string[] = [];
    const svc = service({
      beforeRemove: async (userId) => {
        // The account is still usable here, so its sync loop can stop cleanly.
        expect(await svc.client(userId).whoami()).toMatchObject({ userId });
        stopped.push(userId);
      },
    });
    const alice = await login(svc, 'alice');
    const bob = await login(svc, 'bob');
    const dir = svc.accountDir(bob.userId);
    expect(readdirSync(dir)).toContain('account.sqlite');
    const bobKey = cryptoKeySecret(bob.userId, bob.deviceId);
    await svc.secrets.set(bobKey, new Uint8Array(32)); // as the crypto layer will
    await svc.logout(bob.userId);
    expect(stopped).toEqual([bob.userId]);
    expect(await svc.secrets.get(accessTokenSecret(bob.userId))).toBeUndefined();
    expect(await svc.secrets.get(bobKey)).toBeUndefined();
    expect(await svc.secrets.get(accessTokenSecret(alice.userId))).toBeDefined();
    expect(existsSync(dir)).toBe(false);
    const left = hs.hs.accounts.devicesOf(bob.userId).map((d) => d.device_id);
    expect(left).not.toContain(bob.deviceId);
    expect(left).toHaveLength(1); // the one the registration made
    expect(changes.at(-1)).toEqual({ account: bob, removed: true });
    expect(svc.list()).toEqual({ accounts: [alice], active: alice.userId });
    expect(() => svc.db(bob.userId)).toThrow();
  });

  it('wipes the account locally even when the server is down', async () => {
    await register(hs.url, 'alice');
    const svc = service();
    const info = await login(svc, 'alice');
    const dir = svc.accountDir(info.userId);
    svc.db(info.userId).prepare("INSERT INTO account_data VALUES ('', 'x', '{}')").run();
    expect(readdirSync(dir).some((f) => f.endsWith('-wal'))).toBe(true);
    await hs.close();

    await svc.logout(info.userId);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(join(dataDir, 'accounts'))).toEqual([]);
    expect(svc.list()).toEqual({ accounts: [], active: undefined });
    const registry = JSON.parse(readFileSync(join(dataDir, 'accounts.json'), 'utf8'));
    expect(registry.accounts).toEqual([]);
    expect(await service().restore()).toEqual([]);
    hs = await startTestServer();
  });

  it('leaves nothing behind after a failed sign-in, and refuses servers without password login', async () => {
    await register(hs.url, 'alice');
    const svc = service();
    await expect(login(svc, 'alice', 'wrong')).rejects.toBeInstanceOf(HomeserverError);
    expect(svc.list().accounts).toEqual([]);
    expect(readdirSync(join(dataDir, 'accounts'))).toEqual([]);

    const ssoOnly: FetchFn = async (url) =>
      url.endsWith('/versions')
        ? Response.json({ versions: ['v1.11'] })
        : Response.json({ flows: [{ type: 'm.login.sso' }] });
    const err = await service({ fetch: ssoOnly })
      .login({ server: 'https://sso.example', username: 'a', password: 'b' })
      .catch((e: unknown) => e);
    expect((err as DiscoveryError).code).toBe('unsupported_login');
  });

  it('keeps nothing of a sign-in whose token the keychain refuses to protect', async () => {
    const alice = await register(hs.url, 'alice');
    const refusing: SecretWrapper = {
      protection: 'os',
      wrap: () => Promise.reject(new Error('the user denied access to the keychain')),
      unwrap: () => Promise.reject(new Error('unused')),
    };
    const secrets = openFileSecretStore(join(dataDir, 'secrets.json'), refusing);
    const svc = service({ secrets });
    await expect(login(svc, 'alice')).rejects.toThrow(/denied access to the keychain/);
    expect(svc.list().accounts).toEqual([]);
    expect(readdirSync(join(dataDir, 'accounts'))).toEqual([]);
    // Signed out on the server too: only the registration's device is left.
    expect(hs.hs.accounts.devicesOf(alice.userId).map((d) => d.device_id)).toEqual([
      alice.deviceId,
    ]);
  });

  it('rebuilds a lost or corrupt registry from the databases on disk', async () => {
    await register(hs.url, 'alice');
    const svc = service();
    const info = await login(svc, 'alice');
    svc.close();
    writeFileSync(join(dataDir, 'accounts.json'), '{"accounts": [tru');
    const again = service();
    expect((await again.restore()).map((s) => s.userId)).toEqual([info.userId]);
    expect(again.list().active).toBe(info.userId);
  });
});
