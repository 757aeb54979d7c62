import { exportRoomKeys, importRoomKeys } from '../../crypto/room-keys';
import { acknowledgeIdentity, cryptoStatus, userCrypto } from '../../crypto/trust';
import { GLOBAL } from '../../storage/account-data-store';
import type { CryptoService } from '../../services/crypto-service';
import type { Core } from '../core';
import type { Handlers } from '../dispatch';

type CryptoCommands =
  | 'rooms.enableEncryption'
  | 'crypto.status'
  | 'crypto.userDevices'
  | 'crypto.acknowledgeIdentity'
  | 'keys.export'
  | 'keys.import';

/** The active account's crypto, or a clear error when it is not running. */
export function cryptoOf(core: Core): CryptoService {
  const c = core.session.crypto;
  if (!c)
    throw Object.assign(new Error('Encryption is not available for this account on this device'), {
      code: 'encryption_unavailable',
    });
  return c;
}

/** Encryption state, trust, and room key files. */
export function cryptoHandlers(core: Core): Pick<Handlers, CryptoCommands> {
  const machine = () => cryptoOf(core).machine;
  return {
    'rooms.enableEncryption': async ({ roomId }) => (
      await core.session.rooms.enableEncryption(roomId),
      {}
    ),
    'crypto.status': () => {
      const backup = core.session.backup;
      if (backup) return backup.status(); // with what went wrong in the background
      const stores = core.session.stores;
      const ssss = stores.accountData.get(GLOBAL, 'm.secret_storage.default_key') !== undefined;
      return cryptoStatus(machine(), ssss);
    },
    'crypto.userDevices': ({ userId }) => userCrypto(machine(), userId),
    'crypto.acknowledgeIdentity': async ({ userId }) => (
      await acknowledgeIdentity(machine(), userId),
      {}
    ),
    'keys.export': async ({ passphrase }) => ({
      data: await exportRoomKeys(machine(), passphrase),
    }),
    'keys.import': async ({ data, passphrase }) => {
      const crypto = cryptoOf(core);
      const r = await importRoomKeys(crypto.machine, data, passphrase);
      await crypto.retryAll();
      core.session.backup?.kick(); // the imported keys go to the key backup
      return r;
    },
  };
}
