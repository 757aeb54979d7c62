import type { Core } from '../core';
import type { Handlers } from '../dispatch';
import { crossSigningAfterSignIn } from './backup';

type AccountCommands =
  | 'app.version'
  | 'account.discover'
  | 'account.login'
  | 'account.relogin'
  | 'account.list'
  | 'account.switch'
  | 'account.logout'
  | 'account.setDisplayName'
  | 'devices.list'
  | 'devices.rename'
  | 'devices.signOut'
  | 'sync.status'
  | 'events.since';

/** Accounts, sessions (devices), the sync status and the event log. */
export function accountHandlers(core: Core): Pick<Handlers, AccountCommands> {
  const s = () => core.session;
  return {
    'app.version': () => ({ version: core.appVersion }),

    'account.discover': ({ server }) => core.accounts.discover(server),
    'account.login': async (req) => {
      const info = await core.accounts.login(req);
      await core.activate(info.userId);
      crossSigningAfterSignIn(core, info.userId, req.password);
      return info;
    },
    'account.relogin': async ({ userId, password }) => {
      const info = await core.accounts.relogin(userId, password);
      if (core.accounts.active === userId) {
        await core.activate(userId, true);
        crossSigningAfterSignIn(core, userId, password);
      }
      return info;
    },
    'account.list': () => core.accounts.list(),
    'account.switch': async ({ userId }) => {
      const info = core.accounts.switch(userId);
      await core.activate(userId);
      return info;
    },
    'account.logout': async ({ userId }) => {
      const who = userId ?? core.accounts.active;
      if (who) await core.accounts.logout(who);
      return {};
    },
    'account.setDisplayName': async ({ displayName }) => {
      const { api, userId } = s();
      await api.setDisplayName(userId, displayName);
      core.accounts.setProfile(userId, displayName);
      return {};
    },

    'devices.list': async () => {
      const { api, stores } = s();
      const own = stores.session.get()?.deviceId;
      const devices = await api.devices();
      return { devices: devices.map((d) => ({ ...d, current: d.deviceId === own })) };
    },
    'devices.rename': async ({ deviceId, displayName }) => {
      await s().api.renameDevice(deviceId, displayName);
      return {};
    },
    'devices.signOut': async ({ deviceIds, password }) => {
      const { api, userId, stores } = s();
      const own = stores.session.get()?.deviceId;
      if (own && deviceIds.includes(own)) throw new Error('Use Sign out for this session');
      await api.deleteDevices(userId, deviceIds, password);
      return {};
    },

    'sync.status': () => core.syncStatus,
    'events.since': ({ afterSeq }) => core.events.since(afterSeq),
  };
}
