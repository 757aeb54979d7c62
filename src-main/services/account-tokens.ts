/**
 * Access tokens in the secret store (`storage/secret-store.ts`), never in an account's
 * database; and the move of a token an older version left in the database's `session` row.
 */
import { accessTokenSecret, cryptoKeySecret, type SecretStore } from '../storage/secret-store';
import type { SessionStore } from '../storage/session-store';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Stores an account's new access token (before anything else of the sign-in is saved). */
export function saveAccessToken(
  secrets: SecretStore,
  userId: string,
  token: string,
): Promise<void> {
  return secrets.set(accessTokenSecret(userId), utf8.encode(token));
}

/**
 * The access token an account signs its requests with: `undefined` when it waits for a sign-in
 * (soft-logged-out, or no token stored). A token an older version kept in the database is moved
 * first: written to the secret store, then cleared from the database, so a crash in between
 * leaves it in both (and the next start moves it again) rather than in neither. If the move
 * fails, the token is used from the database for now. Rejects when the secret store cannot be
 * read (damaged, or the OS keychain is unavailable), with an error that says so.
 */
export async function loadAccessToken(
  secrets: SecretStore,
  session: SessionStore,
  userId: string,
  log: (message: string) => void,
): Promise<string | undefined> {
  const legacy = session.legacyAccessToken();
  if (legacy !== undefined) {
    try {
      await saveAccessToken(secrets, userId, legacy);
      session.clearLegacyAccessToken(legacy);
      log(`${userId}: moved the access token from the database into the secret store`);
    } catch (err) {
      log(`${userId}: moving the access token into the secret store failed: ${String(err)}`);
      if (!session.get()?.softLoggedOut) return legacy;
    }
  }
  if (session.get()?.softLoggedOut !== false) return undefined;
  const stored = await secrets.get(accessTokenSecret(userId));
  if (!stored) return undefined;
  try {
    return fromUtf8.decode(stored);
  } catch {
    throw new Error(`The stored access token of ${userId} is not text: sign in again`);
  }
}

/**
 * Forgets an account's secrets when it is removed from this computer: its access token and the
 * key of its device's crypto store (whose files go with the account's folder).
 */
export async function forgetAccountSecrets(
  secrets: SecretStore,
  userId: string,
  deviceId: string,
): Promise<void> {
  await secrets.delete(accessTokenSecret(userId));
  await secrets.delete(cryptoKeySecret(userId, deviceId));
}

/** Forgets a token the server no longer accepts (a soft logout); failures are only logged. */
export function forgetAccessToken(
  secrets: SecretStore,
  userId: string,
  log: (message: string) => void,
): void {
  secrets.delete(accessTokenSecret(userId)).catch((err: unknown) => {
    log(`${userId}: forgetting the dead access token failed: ${String(err)}`);
  });
}
