import { safeStorage } from 'electron';
import { identitySecretWrapper, type SecretWrapper } from '../storage/secret-store';

/** Linux backends that are no keychain: a key in Chromium's source, or none chosen yet. */
const NO_KEYCHAIN = new Set(['basic_text', 'unknown']);

/**
 * The OS keychain as the wrapper of the core's secrets, through Electron's `safeStorage`
 * (Keychain on macOS, DPAPI on Windows, libsecret or KWallet on Linux). Call it once the app is
 * ready. Where there is no real keychain (encryption unavailable, or Linux's `basic_text`
 * backend, whose key is public) it is the identity wrapper: the secrets are then protected by
 * their file's permissions only, and say so (`protection: 'file'`).
 */
export async function safeStorageWrapper(
  log: (message: string) => void = (m) => console.warn(`[secrets] ${m}`),
  platform: NodeJS.Platform = process.platform,
): Promise<SecretWrapper> {
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend();
    if (NO_KEYCHAIN.has(backend)) {
      log(`no keychain (${backend}): secrets are kept in a file only this user can read`);
      return identitySecretWrapper;
    }
  }
  if (!(await safeStorage.isAsyncEncryptionAvailable())) {
    log('the keychain is not available: secrets are kept in a file only this user can read');
    return identitySecretWrapper;
  }
  // safeStorage encrypts strings: the bytes travel as base64.
  return {
    protection: 'os',
    wrap: async (plain) => {
      const encrypted = await safeStorage.encryptStringAsync(Buffer.from(plain).toString('base64'));
      return new Uint8Array(encrypted);
    },
    unwrap: async (wrapped) => {
      const { result } = await safeStorage.decryptStringAsync(Buffer.from(wrapped));
      return new Uint8Array(Buffer.from(result, 'base64'));
    },
  };
}
