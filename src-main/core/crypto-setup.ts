/**
 * Opening an account's crypto machine: its store (one per account and device) and the store's
 * key. A machine that cannot open leaves the account without encryption — it still reads and
 * sends in unencrypted rooms, and refuses to send into encrypted ones — and says why.
 */
import { CryptoMachine } from '../crypto/machine';
import { CryptoApi } from '../net/crypto-api';
import type { MatrixApi } from '../net/api';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createSqliteIndexedDB, installIndexedDB } from '../storage/idb';
import { cryptoStoreKey, type SecretStore } from '../storage/secret-store';

/** What opening a machine needs from the account. */
export type CryptoAccount = {
  userId: string;
  deviceId: string;
  dir: string;
  api: MatrixApi;
  /** Where the store's key is kept. */
  secrets: SecretStore;
};

/** Each crypto store's database name (its prefix) → its SQLite file. */
const storeFiles = new Map<string, string>();
let installed = false;

/**
 * The crypto wasm's IndexedDB, once per thread: SQLite files read on demand, one per account
 * and device (the wasm opens `<name>::matrix-sdk-crypto` and `…-meta`: both go to one file).
 */
function ensureIndexedDB(): void {
  if (installed) return;
  const { factory } = createSqliteIndexedDB({
    fileFor: (name) => {
      const file = storeFiles.get(name.split('::')[0]!);
      if (!file) throw new Error(`No crypto store file is registered for ${name}`);
      return file;
    },
  });
  installIndexedDB(factory);
  installed = true;
}

/** Opens crypto machines for the core's accounts. */
export class CryptoSetup {
  readonly #log: (msg: string) => void;

  constructor(log: (msg: string) => void) {
    this.#log = log;
  }

  /** The store's database name: one per account, device and data folder. */
  static storeName(userId: string, deviceId: string, dir: string): string {
    const where = createHash('sha256').update(dir).digest('base64url').slice(0, 12);
    return `lightmatrix-crypto:${userId}:${deviceId}:${where}`;
  }

  /** The store's file, in the account's folder (one per device: a new sign-in starts afresh). */
  static storeFile(dir: string, deviceId: string): string {
    return join(dir, `crypto-${deviceId.replace(/[^A-Za-z0-9_-]/g, '_')}.sqlite`);
  }

  /** The account's machine, or undefined (logged) when it cannot open. */
  async open(a: CryptoAccount): Promise<CryptoMachine | undefined> {
    try {
      ensureIndexedDB();
      const storeName = CryptoSetup.storeName(a.userId, a.deviceId, a.dir);
      storeFiles.set(storeName, CryptoSetup.storeFile(a.dir, a.deviceId));
      const key = await cryptoStoreKey(a.secrets, a.userId, a.deviceId);
      return await CryptoMachine.open({
        userId: a.userId,
        deviceId: a.deviceId,
        storeName,
        storeKey: key,
        api: new CryptoApi(a.api.client),
        log: this.#log,
      });
    } catch (err) {
      this.#log(`crypto: cannot open the crypto store of ${a.userId}: ${describe(err)}`);
      return undefined;
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
