/**
 * Cross-signing and secure backup of one account: cross-signing created at sign-in when the
 * account has none, secure backup set up and restored, and room keys uploaded to the key
 * backup as they arrive (after each sync and each import), with progress pushed as
 * `crypto.status`.
 *
 * @packageDocumentation
 */
import { bootstrapCrossSigning, ownCrossSigning } from '../crypto/cross-signing';
import { checkBackup, uploadRoomKeys, type BackupCheck } from '../crypto/key-backup';
import type { CryptoMachine } from '../crypto/machine';
import type { AccountDataAccess, Unlock } from '../crypto/secrets';
import { restoreSecureBackup, setupSecureBackup } from '../crypto/secure-backup';
import { cryptoStatus } from '../crypto/trust';
import type { CryptoStatus } from '../model/e2ee';
import type { MatrixApi } from '../net/api';
import { HomeserverError } from '../net/errors';
import { GLOBAL } from '../storage/account-data-store';
import type { Stores } from '../storage/stores';

export type BackupServiceDeps = {
  machine: CryptoMachine;
  api: MatrixApi;
  stores: Stores;
  userId: string;
  /** Re-decrypts every undecryptable event (after a restore). */
  retryAll: () => Promise<number>;
  /** Pushes the account's encryption state. */
  onStatus: (status: CryptoStatus) => void;
  log: (msg: string) => void;
  /** The least time between two progress pushes (default 500 ms). */
  throttleMs?: number;
};

const DELETED =
  'The key backup on the server was deleted: set up secure backup again to keep your keys safe';
const REPLACED =
  'The key backup on the server was replaced by one this session cannot use: restore with ' +
  'your recovery key, or set up secure backup again';

/** Cross-signing and secure backup of one account (see the module comment). */
export class BackupService {
  readonly #d: BackupServiceDeps;
  readonly #m: CryptoMachine;
  #problems: { crossSigning?: string; backup?: string } = {};
  /** One flow at a time: setup, restore, bootstrap and upload rounds never interleave. */
  #lock: Promise<unknown> = Promise.resolve();
  #checked = false;
  /** The backup version uploads go to, as this service enabled it. */
  #version: string | undefined;
  #uploading: Promise<void> | undefined;
  #again = false;
  /** The backup changed under an upload, and the check found the new one: one more try. */
  #retriedGone = false;
  #closed = false;
  #statusTimer: ReturnType<typeof setTimeout> | undefined;
  #statusDirty = false;

  constructor(d: BackupServiceDeps) {
    this.#d = d;
    this.#m = d.machine;
  }

  /** The account's encryption state, with what went wrong in the background. */
  async status(): Promise<CryptoStatus> {
    const ssss = this.#d.stores.accountData.get(GLOBAL, 'm.secret_storage.default_key');
    const s = await cryptoStatus(this.#m, ssss !== undefined);
    if (this.#problems.crossSigning) s.crossSigning.problem = this.#problems.crossSigning;
    if (this.#problems.backup) s.backup.problem = this.#problems.backup;
    // The version uploads go to (the wasm tells the one whose key is held, maybe older).
    if (s.backup.enabled && this.#version) s.backup.version = this.#version;
    return s;
  }

  /**
   * With the password just entered: creates the account's cross-signing identity when the
   * server has none (another device's identity is left alone). Failures are logged and shown
   * in `crypto.status`; the next sign-in tries again. Never rejects.
   */
  crossSigningAtLogin(password: string): Promise<void> {
    return this.#exclusive(async () => {
      try {
        await this.#m.flush(); // device keys first, so the bootstrap does not upload them twice
        if (!(await ownCrossSigning(this.#m)).onServer)
          await bootstrapCrossSigning(this.#m, { userId: this.#d.userId, password });
        delete this.#problems.crossSigning;
      } catch (err) {
        if (this.#closed) return; // signed out meanwhile: nothing to report
        this.#d.log(`crypto: setting up cross-signing failed: ${describe(err)}`);
        this.#problems.crossSigning = `Cross-signing could not be set up (${describe(err)}); it is tried again when you next sign in`;
      }
      this.#pushStatusSoon();
    });
  }

  /** Sets up secure backup; returns the recovery key (shown once, never stored). */
  async setup(passphrase?: string): Promise<{ recoveryKey: string }> {
    const r = await this.#exclusive(async () => {
      const done = await setupSecureBackup(this.#m, this.#accountData(), passphrase);
      delete this.#problems.crossSigning;
      delete this.#problems.backup;
      this.#checked = true;
      this.#version = done.version;
      return done;
    });
    this.kick();
    this.#pushStatusSoon();
    return { recoveryKey: r.recoveryKey };
  }

  /**
   * Restores this device from secure backup with the recovery key or passphrase: cross-signed,
   * the backup key saved, every room key imported, undecryptable messages tried again.
   */
  async restore(how: Unlock): Promise<{ imported: number; total: number }> {
    const r = await this.#exclusive(async () => {
      const done = await restoreSecureBackup(this.#m, this.#accountData(), how, this.#d.log);
      if (done.crossSigned) delete this.#problems.crossSigning;
      if (done.backupProblem) this.#problems.backup = done.backupProblem;
      else delete this.#problems.backup;
      this.#checked = true; // the restore read the server's backup and enabled it if usable
      this.#version = done.version;
      return done;
    });
    // The keys are in; messages that still fail to decrypt are retried when keys next arrive.
    await this.#d.retryAll().catch((err) => this.#d.log(`crypto: retry failed: ${describe(err)}`));
    this.kick();
    this.#pushStatusSoon();
    return { imported: r.imported, total: r.total };
  }

  /**
   * Uploads room keys not yet backed up (after a sync, an import, at start). Rounds never
   * overlap; a kick during one runs another after it.
   */
  kick(): void {
    if (this.#closed) return;
    if (this.#uploading) {
      this.#again = true;
      return;
    }
    this.#uploading = this.#uploadLoop().finally(() => (this.#uploading = undefined));
  }

  async #uploadLoop(): Promise<void> {
    do {
      this.#again = false;
      await this.#exclusive(() => this.#uploadRound());
    } while (this.#again && !this.#closed);
  }

  async #uploadRound(): Promise<void> {
    if (this.#closed) return;
    try {
      if (!this.#checked) await this.#check();
      if (!(await this.#m.olm.isBackupEnabled())) return;
      if (await uploadRoomKeys(this.#m)) this.#pushStatusSoon();
      this.#retriedGone = false;
    } catch (err) {
      if (this.#closed) return;
      if (backupGone(err)) {
        this.#d.log(`crypto: the key backup changed on the server: ${describe(err)}`);
        this.#checked = false;
        await this.#m.olm.disableBackup(); // drops the pending upload to the old version
        await this.#check().catch((e) =>
          this.#d.log(`crypto: backup check failed: ${describe(e)}`),
        );
        // Uploads go on if the new backup is one to upload to (once: a server that keeps
        // refusing the version it calls current waits for the next kick).
        if (this.#problems.backup === undefined && !this.#retriedGone)
          this.#again = this.#retriedGone = true;
      } else this.#d.log(`crypto: backing up room keys failed: ${describe(err)}`);
    }
  }

  /** Compares the server's backup with what this device holds; enables or disables uploads. */
  async #check(): Promise<void> {
    const r = await checkBackup(this.#m, await this.#m.api.backupVersion());
    this.#checked = true;
    this.#version = r.state === 'enabled' ? r.version : undefined;
    const problem = problemOf(r);
    if (problem === this.#problems.backup) return;
    if (problem) this.#problems.backup = problem;
    else delete this.#problems.backup;
    this.#pushStatusSoon();
  }

  /** Global account data: read from the server, written to it and to the cache. */
  #accountData(): AccountDataAccess {
    const { api, userId, stores } = this.#d;
    return {
      get: (type) => api.getAccountData(userId, type),
      set: async (type, content) => {
        await api.setAccountData(userId, type, content);
        stores.accountData.set(GLOBAL, type, content);
      },
    };
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.catch(() => {}).then(fn);
    this.#lock = run;
    return run;
  }

  /** Pushes `crypto.status` now, and at most once more per throttle period after. */
  #pushStatusSoon(): void {
    if (this.#closed) return;
    if (this.#statusTimer) {
      this.#statusDirty = true;
      return;
    }
    void this.status().then(
      (s) => !this.#closed && this.#d.onStatus(s),
      (err) => !this.#closed && this.#d.log(`crypto: reading the status failed: ${describe(err)}`),
    );
    this.#statusTimer = setTimeout(() => {
      this.#statusTimer = undefined;
      if (!this.#statusDirty) return;
      this.#statusDirty = false;
      this.#pushStatusSoon();
    }, this.#d.throttleMs ?? 500);
  }

  /** Stops uploading and pushing (the machine closes after). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#statusTimer);
    await this.#uploading;
    await this.#lock.catch(() => {});
  }
}

function problemOf(r: BackupCheck): string | undefined {
  if (r.state === 'enabled' || !r.lost) return undefined;
  return r.state === 'none' ? DELETED : REPLACED;
}

/** The server's answer when the backup we upload to is no longer its current one. */
function backupGone(err: unknown): boolean {
  if (!(err instanceof HomeserverError)) return false;
  return err.errcode === 'M_WRONG_ROOM_KEYS_VERSION' || err.errcode === 'M_NOT_FOUND';
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
