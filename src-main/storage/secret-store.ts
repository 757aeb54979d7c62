/**
 * The secrets of the app's data directory (access tokens, the keys of the crypto stores) in one
 * file, `<dataDir>/secrets.json`: 0600 in a 0700 folder, each value wrapped by a
 * {@link SecretWrapper} (the OS keychain's encryption in the Electron app, none in the browser
 * harness), rewritten atomically on every change. A damaged file is set aside with an error
 * that says what was lost, never silently replaced.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writePrivateFileAtomically } from './private-files';

/**
 * How secrets are protected at rest: `os` = encrypted by the OS keychain (Electron
 * safeStorage), `file` = a 0600 file only.
 */
export type SecretProtection = 'os' | 'file';

/** Wraps/unwraps secret bytes (the OS's encryption, or identity). */
export interface SecretWrapper {
  readonly protection: SecretProtection;
  wrap(plain: Uint8Array): Promise<Uint8Array>;
  unwrap(wrapped: Uint8Array): Promise<Uint8Array>;
}

/** Named secrets kept at rest. Operations on one store take effect in the order they are called. */
export interface SecretStore {
  /** How the values are protected when written now. */
  readonly protection: SecretProtection;
  /** The secret, or `undefined` when there is none by that name. */
  get(name: string): Promise<Uint8Array | undefined>;
  /** Stores (or replaces) a secret; resolves once it is on disk. */
  set(name: string, value: Uint8Array): Promise<void>;
  /** Forgets a secret (nothing happens when there is none); resolves once it is off disk. */
  delete(name: string): Promise<void>;
}

/** The secrets file's name in the data directory. */
export const SECRETS_FILE = 'secrets.json';

/** The secret name of an account's access token. */
export function accessTokenSecret(userId: string): string {
  return `token:${userId}`;
}

/** The secret name of the key that opens the crypto store of an account's device. */
export function cryptoKeySecret(userId: string, deviceId: string): string {
  return `crypto-key:${userId}:${deviceId}`;
}

/** The wrapper of a store without OS encryption: the bytes as they are. */
export const identitySecretWrapper: SecretWrapper = {
  protection: 'file',
  wrap: (plain) => Promise.resolve(plain),
  unwrap: (wrapped) => Promise.resolve(wrapped),
};

/**
 * The secrets file could not be read: it was moved aside (to {@link setAside}) so a fresh one
 * can take its place. What it held is gone unless that copy is repaired.
 */
export class SecretStoreDamagedError extends Error {
  constructor(
    readonly path: string,
    readonly setAside: string,
    reason: string,
  ) {
    super(
      `The secrets file ${path} is damaged (${reason}); it was set aside as ${setAside}. ` +
        'Accounts must sign in again, and end-to-end encrypted history on this computer ' +
        'cannot be decrypted any more unless its keys are restored (from key backup, or by ' +
        'repairing that file): the keys of the crypto stores were kept in it.',
    );
    this.name = 'SecretStoreDamagedError';
  }
}

/** One secret is in the file but cannot be read now; it is kept as it is. */
export class SecretUnavailableError extends Error {
  constructor(
    readonly secret: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SecretUnavailableError';
  }
}

/** A secret as the file holds it: how it was wrapped, and the wrapped bytes in base64. */
type Entry = { protection: SecretProtection; value: string };

const FORMAT_VERSION = 1;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Every operation on a file, in call order: one queue per path in this thread. */
const queues = new Map<string, Promise<void>>();

function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).then(fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

/**
 * The secret store in the file at `path` (created on the first `set`), its values wrapped by
 * `wrapper` (default: none, the file's permissions only). Each entry records how it was
 * wrapped, so a store opened later with another wrapper still reads what it can: unwrapped
 * entries always, OS-encrypted ones only while the OS keychain is there (else
 * {@link SecretUnavailableError}, and the entry is kept). A damaged file throws
 * {@link SecretStoreDamagedError} once and is set aside; the store goes on with an empty one.
 */
export function openFileSecretStore(
  path: string,
  wrapper: SecretWrapper = identitySecretWrapper,
): SecretStore {
  return new FileSecretStore(resolve(path), wrapper);
}

class FileSecretStore implements SecretStore {
  readonly #path: string;
  readonly #wrapper: SecretWrapper;

  constructor(path: string, wrapper: SecretWrapper) {
    this.#path = path;
    this.#wrapper = wrapper;
  }

  get protection(): SecretProtection {
    return this.#wrapper.protection;
  }

  // Async, so bad arguments reject; the operation is queued before the first await.
  async get(name: string): Promise<Uint8Array | undefined> {
    checkName(name);
    return serialised(this.#path, async () => {
      const entry = (await this.#read()).get(name);
      return entry && this.#unwrap(name, entry);
    });
  }

  async set(name: string, value: Uint8Array): Promise<void> {
    checkName(name);
    if (!(value instanceof Uint8Array)) throw new TypeError(`secret ${name}: not bytes`);
    const copy = value.slice();
    return serialised(this.#path, async () => {
      const entries = await this.#read();
      const wrapped = await this.#wrapper.wrap(copy);
      const protection = this.#wrapper.protection;
      entries.set(name, { protection, value: Buffer.from(wrapped).toString('base64') });
      await this.#write(entries);
    });
  }

  async delete(name: string): Promise<void> {
    checkName(name);
    return serialised(this.#path, async () => {
      const entries = await this.#read();
      if (entries.delete(name)) await this.#write(entries);
    });
  }

  async #unwrap(name: string, entry: Entry): Promise<Uint8Array> {
    const bytes = new Uint8Array(Buffer.from(entry.value, 'base64'));
    if (entry.protection === 'file') return bytes;
    if (this.#wrapper.protection !== 'os') {
      throw new SecretUnavailableError(
        name,
        `The secret ${name} was encrypted by the system keychain, which is not available ` +
          'now. It is kept, and can be read again once the keychain is back.',
      );
    }
    try {
      return await this.#wrapper.unwrap(bytes);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new SecretUnavailableError(
        name,
        `The system keychain could not decrypt the secret ${name} (${why}). It is kept, and ` +
          'can be read again if the keychain recovers.',
        { cause: err },
      );
    }
  }

  /** The file's entries (none when there is no file); a damaged file is set aside and thrown. */
  async #read(): Promise<Map<string, Entry>> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw err;
    }
    const parsed = parseSecrets(text);
    if ('entries' in parsed) return parsed.entries;
    if ('newer' in parsed) {
      throw new Error(
        `The secrets file ${this.#path} was written by a newer version of LightMatrix ` +
          `(format ${parsed.newer}); this one cannot use it, and leaves it as it is.`,
      );
    }
    throw new SecretStoreDamagedError(this.#path, setAside(this.#path), parsed.damaged);
  }

  async #write(entries: Map<string, Entry>): Promise<void> {
    const secrets = Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : 1)));
    const text = JSON.stringify({ version: FORMAT_VERSION, secrets }, null, 1);
    await writePrivateFileAtomically(this.#path, `${text}\n`);
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('A secret needs a non-empty name');
  }
}

/** The entries of a secrets file, or why it cannot be used. */
function parseSecrets(
  text: string,
): { entries: Map<string, Entry> } | { damaged: string } | { newer: number } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { damaged: `not JSON: ${(err as Error).message}` };
  }
  if (typeof raw !== 'object' || raw === null) return { damaged: 'not a JSON object' };
  const { version, secrets } = raw as Record<string, unknown>;
  if (typeof version === 'number' && version > FORMAT_VERSION) return { newer: version };
  if (version !== FORMAT_VERSION) return { damaged: `unknown format ${String(version)}` };
  if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) {
    return { damaged: 'no secrets in it' };
  }
  const entries = new Map<string, Entry>();
  for (const [name, e] of Object.entries(secrets)) {
    const { protection, value } = (e ?? {}) as Record<string, unknown>;
    if ((protection !== 'os' && protection !== 'file') || typeof value !== 'string') {
      return { damaged: `the secret ${name} is malformed` };
    }
    if (!BASE64.test(value)) return { damaged: `the secret ${name} is not base64` };
    entries.set(name, { protection, value });
  }
  return { entries };
}

/** Moves a damaged file aside as `<path>.corrupt-<UTC timestamp>`; returns its new path. */
function setAside(path: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  let aside = `${path}.corrupt-${stamp}`;
  for (let n = 1; existsSync(aside); n++) aside = `${path}.corrupt-${stamp}-${n}`;
  renameSync(path, aside);
  return aside;
}

/** Key length of a crypto store, in bytes. */
const CRYPTO_KEY_BYTES = 32;

/** Calls of {@link cryptoStoreKey} in flight, per store and name: one creates, the others wait. */
const creating = new WeakMap<SecretStore, Map<string, Promise<Uint8Array>>>();

/**
 * The crypto store key of an account's device: read, or created (32 random bytes) and saved
 * before it is returned. Concurrent calls for the same device get the same key. A stored key
 * that cannot be read is an error, never replaced: a new key would not open the old store.
 */
export async function cryptoStoreKey(
  secrets: SecretStore,
  userId: string,
  deviceId: string,
): Promise<Uint8Array> {
  const name = cryptoKeySecret(userId, deviceId);
  const inFlight = creating.get(secrets) ?? new Map<string, Promise<Uint8Array>>();
  creating.set(secrets, inFlight);
  const pending = inFlight.get(name);
  if (pending) return pending;
  const run = readOrCreateKey(secrets, name).finally(() => inFlight.delete(name));
  inFlight.set(name, run);
  return run;
}

async function readOrCreateKey(secrets: SecretStore, name: string): Promise<Uint8Array> {
  const stored = await secrets.get(name);
  if (stored) {
    if (stored.length !== CRYPTO_KEY_BYTES) {
      throw new Error(
        `The stored secret ${name} is ${stored.length} bytes, not a ${CRYPTO_KEY_BYTES}-byte ` +
          'key: the crypto store cannot be opened with it.',
      );
    }
    return stored;
  }
  const key = new Uint8Array(randomBytes(CRYPTO_KEY_BYTES));
  await secrets.set(name, key);
  return key;
}
