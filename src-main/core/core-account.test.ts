/**
 * Account settings through the real core: display name, the sessions list, renaming a session
 * and signing other sessions out with the password.
 */
import { describe, expect, it } from 'vitest';
import { api, startTestServer } from '../../e2e/homeserver/testing/helpers';
import {
  call,
  callError,
  next,
  signIn,
  startCore,
  tempDir,
  useCleanups,
} from '../testing/core-harness';

const cleanup = useCleanups();

describe('core: account settings', () => {
  it('sets the display name, lists, renames and signs out other sessions', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    const other = await api(hs.url, 'POST', '/_test/users', {
      username: 'alice',
      password: 'secret-pw',
      device_id: 'PHONE',
    });
    const core = await startCore(tempDir());
    cleanup(() => core.close());
    await signIn(core, hs.url, 'alice');

    const renamed = next(core, 'account.changed', (e) => e.data.account.displayName === 'Alice L.');
    await call(core, 'account.setDisplayName', { displayName: 'Alice L.' });
    await renamed;
    const profile = await api(hs.url, 'GET', '/_matrix/client/v3/profile/@alice:test.local');
    expect(profile.body.displayname).toBe('Alice L.');

    const { devices } = await call(core, 'devices.list', {});
    expect(
      devices.map((d) => [d.deviceId === 'PHONE' ? 'PHONE' : 'this', d.current]).sort(),
    ).toEqual([
      ['PHONE', false],
      ['this', true],
    ]);
    await call(core, 'devices.rename', { deviceId: 'PHONE', displayName: 'Old phone' });
    const listed = (await call(core, 'devices.list', {})).devices.find(
      (d) => d.deviceId === 'PHONE',
    );
    expect(listed?.displayName).toBe('Old phone');

    const wrong = await callError(core, 'devices.signOut', {
      deviceIds: ['PHONE'],
      password: 'nope',
    });
    expect(wrong.code).toBe('M_FORBIDDEN');
    await call(core, 'devices.signOut', { deviceIds: ['PHONE'], password: 'secret-pw' });
    const whoami = await api(
      hs.url,
      'GET',
      '/_matrix/client/v3/account/whoami',
      undefined,
      other.body.access_token,
    );
    expect(whoami.body.errcode).toBe('M_UNKNOWN_TOKEN');
    expect((await call(core, 'devices.list', {})).devices).toEqual([
      expect.objectContaining({ current: true }),
    ]);
  });

  it('refuses a plain-http homeserver off this machine with insecure_homeserver', async () => {
    const core = await startCore(tempDir());
    cleanup(() => core.close());
    const server = 'http://matrix.example.org';
    const found = await callError(core, 'account.discover', { server });
    expect(found).toMatchObject({ code: 'insecure_homeserver', message: /not encrypted/ });
    const login = { server, username: '@alice:example.org', password: 'pw' };
    expect((await callError(core, 'account.login', login)).code).toBe('insecure_homeserver');
  });
});
