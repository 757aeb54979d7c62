/**
 * The end-to-end encryption endpoints: device and one-time keys, to-device messages,
 * cross-signing, and server-side key backup. Bodies come from the crypto machine already
 * serialised; replies go back to it as JSON text, so they are returned as parsed JSON objects
 * and checked only for being objects.
 *
 * @packageDocumentation
 */
import type { CallOptions, JsonObject } from './api-types';
import { call, MAX_BIG_REPLY_BYTES, v3 } from './api-request';
import { HomeserverError } from './errors';
import type { HomeserverClient } from './http';
import { isNotFound, obj } from './json';

/** A key backup version as the server describes it (`GET /room_keys/version`). */
export type BackupVersion = {
  version: string;
  algorithm: string;
  auth_data: JsonObject;
  count: number;
  etag: string;
};

/** The password of the account, for endpoints behind user-interactive auth. */
export type PasswordAuth = { userId: string; password: string };

/** The crypto endpoints of one account. */
export class CryptoApi {
  readonly #client: HomeserverClient;

  constructor(client: HomeserverClient) {
    this.#client = client;
  }

  #post(path: string, body: unknown, o?: CallOptions): Promise<JsonObject> {
    return this.#json('POST', path, body, o);
  }

  async #json(method: string, path: string, body: unknown, o?: CallOptions): Promise<JsonObject> {
    const req = { body, retry: 'always' as const, maxReplyBytes: MAX_BIG_REPLY_BYTES };
    return obj(await call(this.#client, method, path, req, o), path);
  }

  /** `POST /keys/upload`: device keys, one-time keys, fallback keys. */
  keysUpload(body: unknown, o?: CallOptions): Promise<JsonObject> {
    return this.#post(v3`/keys/upload`, body, o);
  }

  /** `POST /keys/query`. */
  keysQuery(body: unknown, o?: CallOptions): Promise<JsonObject> {
    return this.#post(v3`/keys/query`, body, o);
  }

  /** `POST /keys/claim`. */
  keysClaim(body: unknown, o?: CallOptions): Promise<JsonObject> {
    return this.#post(v3`/keys/claim`, body, o);
  }

  /** `PUT /sendToDevice/{type}/{txnId}`: idempotent per transaction id. */
  sendToDevice(type: string, txnId: string, body: unknown, o?: CallOptions): Promise<JsonObject> {
    return this.#json('PUT', v3`/sendToDevice/${type}/${txnId}`, body, o);
  }

  /** `POST /keys/signatures/upload`. */
  signaturesUpload(body: unknown, o?: CallOptions): Promise<JsonObject> {
    return this.#post(v3`/keys/signatures/upload`, body, o);
  }

  /** `PUT /rooms/{roomId}/send/{type}/{txnId}` for the crypto machine (verification events). */
  roomSend(
    roomId: string,
    type: string,
    txnId: string,
    body: unknown,
    o?: CallOptions,
  ): Promise<JsonObject> {
    return this.#json('PUT', v3`/rooms/${roomId}/send/${type}/${txnId}`, body, o);
  }

  /**
   * `POST /keys/device_signing/upload`, completing the password stage of user-interactive
   * auth when the server asks for it (the first request learns the session).
   */
  async signingKeysUpload(body: JsonObject, auth?: PasswordAuth, o?: CallOptions) {
    const path = v3`/keys/device_signing/upload`;
    const once = (b: JsonObject) =>
      call(this.#client, 'POST', path, { body: b, retry: 'idempotent' }, o);
    try {
      return obj(await once(body), path);
    } catch (err) {
      if (!auth || !(err instanceof HomeserverError) || err.status !== 401) throw err;
      const session = err.body?.session;
      const stage: JsonObject = {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: auth.userId },
        password: auth.password,
      };
      if (typeof session === 'string') stage.session = session;
      return obj(await once({ ...body, auth: stage }), path);
    }
  }

  /** `PUT /room_keys/keys?version=`: uploads backed-up room keys. */
  backupKeys(version: string, body: unknown, o?: CallOptions): Promise<JsonObject> {
    const req = { body, query: { version }, retry: 'always' as const };
    return call<unknown>(this.#client, 'PUT', v3`/room_keys/keys`, req, o).then((r) =>
      obj(r, 'room_keys'),
    );
  }

  /** `GET /room_keys/keys?version=`: every backed-up room key. */
  async backedUpKeys(version: string, o?: CallOptions): Promise<JsonObject> {
    const req = { query: { version }, retry: 'idempotent' as const };
    const r = await call<unknown>(
      this.#client,
      'GET',
      v3`/room_keys/keys`,
      {
        ...req,
        maxReplyBytes: MAX_BIG_REPLY_BYTES,
      },
      o,
    );
    return obj(r, 'room_keys');
  }

  /** `GET /room_keys/version`: the current backup, or undefined when there is none. */
  async backupVersion(o?: CallOptions): Promise<BackupVersion | undefined> {
    try {
      const r = obj(await call(this.#client, 'GET', v3`/room_keys/version`, {}, o), 'version');
      if (typeof r.version !== 'string' || typeof r.algorithm !== 'string') return undefined;
      return {
        version: r.version,
        algorithm: r.algorithm,
        auth_data: obj(r.auth_data, 'auth_data'),
        count: typeof r.count === 'number' ? r.count : 0,
        etag: typeof r.etag === 'string' ? r.etag : '',
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** `POST /room_keys/version`: creates a backup version; returns its id. */
  async createBackupVersion(algorithm: string, authData: JsonObject, o?: CallOptions) {
    const body = { algorithm, auth_data: authData };
    const r = await this.#post(v3`/room_keys/version`, body, o);
    if (typeof r.version !== 'string') throw new Error('The server gave no backup version');
    return r.version;
  }
}
