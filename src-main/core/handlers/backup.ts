import type { BackupService } from '../../services/backup-service';
import type { Core } from '../core';
import type { Handlers } from '../dispatch';

type BackupCommands = 'backup.setup' | 'backup.restore';

/** The active account's secure backup, or a clear error when encryption is not running. */
export function backupOf(core: Core): BackupService {
  const b = core.session.backup;
  if (!b)
    throw Object.assign(new Error('Encryption is not available for this account on this device'), {
      code: 'encryption_unavailable',
    });
  return b;
}

/**
 * Starts creating cross-signing for the active account with the password just entered, in the
 * background (sign-in does not wait for it; `crypto.status` tells how it went).
 */
export function crossSigningAfterSignIn(core: Core, userId: string, password: string): void {
  const s = core.session;
  if (s.userId === userId) void s.backup?.crossSigningAtLogin(password);
}

/** A clear error for a request field of the wrong type. */
function requireText(value: unknown, what: string): void {
  if (value !== undefined && typeof value !== 'string')
    throw Object.assign(new Error(`The ${what} must be text`), { code: 'bad_request' });
}

/** Secure backup: set up with a new recovery key, restore a new session from it. */
export function backupHandlers(core: Core): Pick<Handlers, BackupCommands> {
  return {
    'backup.setup': ({ passphrase }) => {
      requireText(passphrase, 'passphrase');
      return backupOf(core).setup(passphrase);
    },
    'backup.restore': ({ recoveryKey, passphrase }) => {
      requireText(recoveryKey, 'recovery key');
      requireText(passphrase, 'passphrase');
      if (recoveryKey === undefined && passphrase === undefined)
        throw Object.assign(new Error('Enter the recovery key or the passphrase'), {
          code: 'bad_request',
        });
      return backupOf(core).restore(recoveryKey !== undefined ? { recoveryKey } : { passphrase });
    },
  };
}
