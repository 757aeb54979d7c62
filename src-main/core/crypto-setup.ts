/**
 * Opening an account's crypto machine: its store (one per account and device) and the store's
 * key. A machine that cannot open leaves the account without encryption — it still reads and
 * sends in unencrypted rooms, and refuses to send into encrypted ones — and says why.
 */
import { CryptoMachine } from '../crypto/machine';
import { CryptoApi } from '../net/crypto-api';
import type { MatrixApi } from '../net/api';
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

let installed: Promise<void> | undefined;

/** An IndexedDB for the crypto wasm (in memory for now: keys last as long as the process). */
function ensureIndexedDB(): Promise<void> {
  installed ??= (async () => {
    if ((globalThis as { indexedDB?: unknown }).indexedDB) return;
    const auto = 'fake-indexeddb/auto'; // sets the IndexedDB globals (no typings to resolve)
    await import(auto);
  })();
  return installed;
}

/** Opens crypto machines for the core's accounts. */
export class CryptoSetup {
  readonly #log: (msg: string) => void;

  constructor(log: (msg: string) => void) {
    this.#log = log;
  }

  /** The store's database name: one per account and device. */
  static storeName(userId: string, deviceId: string, dir: string): string {
    return `lightmatrix-crypto:${userId}:${deviceId}:${dir}`;
  }

  /** The account's machine, or undefined (logged) when it cannot open. */
  async open(a: CryptoAccount): Promise<CryptoMachine | undefined> {
    try {
      await ensureIndexedDB();
      const storeName = CryptoSetup.storeName(a.userId, a.deviceId, a.dir);
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
