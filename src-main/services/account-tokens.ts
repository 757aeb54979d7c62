/**
 * Access tokens in the secret store (`storage/secret-store.ts`), never in an account's
 * database; and the move of a token an older version left in the database's `session` row.
 */
import {
  accessTokenSecret,
  cryptoKeySecret,
  SecretStoreDamagedError,
  type SecretStore,
} from '../storage/secret-store';
import type { SessionStore } from '../storage/session-store';
import type { AccountNotice } from './account-files';
import type { OpenAccount } from './account-set';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The access tokens of the open accounts: each read from the secret store once, into the
 * account's client; what kept one from being read is noted for people.
 */
export class AccountTokens {
  readonly secrets: SecretStore;
  readonly #log: (message: string) => void;
  /** Per open account: its token being read, or read (or set by a sign-in). */
  readonly #loads = new WeakMap<OpenAccount, Promise<void>>();
  /** Accounts whose token could not be read, and why. */
  readonly #problems = new Map<string, string>();

  constructor(secrets: SecretStore, log: (message: string) => void) {
    this.secrets = secrets;
    this.#log = log;
  }

  /**
   * Reads an account's token into its client, once (unless a sign-in set one meanwhile). A
   * failure leaves it signed out, with a notice; a damaged secrets file concerns every account
   * of `all`.
   */
  load(acc: OpenAccount, all: () => OpenAccount[]): Promise<void> {
    let loading = this.#loads.get(acc);
    if (loading) return loading;
    const { userId } = acc.entry;
    const current = () => this.#loads.get(acc) === loading;
    loading = loadAccessToken(this.secrets, acc.store, userId, this.#log).then(
      (token) => {
        if (current()) acc.api.client.setAccessToken(token);
      },
      (err: unknown) => {
        this.#log(`${userId}: cannot read the access token: ${String(err)}`);
        const message = err instanceof Error ? err.message : String(err);
        const damaged = err instanceof SecretStoreDamagedError;
        for (const id of damaged ? all().map((a) => a.entry.userId) : [userId]) {
          this.#problems.set(id, message);
        }
      },
    );
    this.#loads.set(acc, loading);
    return loading;
  }

  /** Stores the token of a new sign-in (before anything else of it is saved). */
  save(userId: string, token: string): Promise<void> {
    return this.secrets.set(accessTokenSecret(userId), utf8.encode(token));
  }

  /** The account's client now signs with the token just saved: nothing left to read. */
  signedIn(acc: OpenAccount, token: string): void {
    acc.api.client.setAccessToken(token);
    this.#loads.set(acc, Promise.resolve());
    this.#problems.delete(acc.entry.userId);
  }

  /** Forgets the token of a sign-in that was undone (best effort). */
  async discard(userId: string): Promise<void> {
    await this.secrets.delete(accessTokenSecret(userId)).catch((err: unknown) => {
      this.#log(`${userId}: forgetting the token of a failed sign-in failed: ${String(err)}`);
    });
  }

  /** Forgets a token the server no longer accepts (a soft logout); failures are only logged. */
  forgetDead(userId: string): void {
    this.secrets.delete(accessTokenSecret(userId)).catch((err: unknown) => {
      this.#log(`${userId}: forgetting the dead access token failed: ${String(err)}`);
    });
  }

  /**
   * Forgets an account's secrets as it leaves this computer: its access token and the key of
   * its device's crypto store (whose files go with the account's folder). Best effort.
   */
  async forgetAccount(userId: string, deviceId: string): Promise<void> {
    this.#problems.delete(userId);
    try {
      await this.secrets.delete(accessTokenSecret(userId));
      await this.secrets.delete(cryptoKeySecret(userId, deviceId));
    } catch (err) {
      this.#log(`forgetting the secrets of ${userId} failed: ${String(err)}`);
    }
  }

  /** Notices for the accounts of `open` whose token could not be read. */
  notices(open: (userId: string) => boolean): AccountNotice[] {
    return [...this.#problems]
      .filter(([userId]) => open(userId))
      .map(([userId, message]) => ({ userId, message }));
  }
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
      await secrets.set(accessTokenSecret(userId), utf8.encode(legacy));
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
