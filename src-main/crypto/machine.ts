/**
 * The driver of one account's `OlmMachine`: it feeds the machine what `/sync` brings (to-device
 * messages, device list changes, one-time key counts, unused fallback keys), sends the
 * requests the machine asks for (`outgoingRequests` → HTTP → `markRequestAsSent`), and hands
 * the machine's callbacks (room keys arrived or withheld, devices and identities changed) to
 * whoever listens.
 *
 * @packageDocumentation
 */
import type { CryptoApi } from '../net/crypto-api';
import type { JsonObject } from '../protocol/events';
import type { ToDeviceEvent } from '../protocol/sync';
import { loadWasm, wasm } from './wasm';

type Machine = wasm.OlmMachine;
type Log = (message: string) => void;

/** What `/sync` delivered for the crypto layer, in its parsed form. */
export type SyncCryptoInput = {
  toDevice: readonly ToDeviceEvent[];
  deviceLists: { changed: readonly string[]; left: readonly string[] };
  oneTimeKeyCounts: Record<string, number>;
  /** Absent when the server did not say (then the machine keeps what it knew). */
  unusedFallbackKeyTypes?: readonly string[];
};

/** A room key that arrived (or was withheld), by room and session. */
export type RoomKeyNote = { roomId: string; sessionId: string; withheldCode?: string };

/** Listeners of the machine's callbacks. */
export type MachineListeners = {
  onRoomKeys?: (keys: RoomKeyNote[]) => void;
  onWithheld?: (keys: RoomKeyNote[]) => void;
  onDevicesChanged?: (userIds: string[]) => void;
  onIdentityChanged?: (userId: string) => void;
  onSecret?: (name: string, value: string) => void;
};

/** A room message the machine wants sent (an in-room verification event), as plain data. */
export type RoomMessage = {
  /** The request id, for `markRequestAsSent`. */
  id: string;
  roomId: string;
  type: string;
  txnId: string;
  content: JsonObject;
};

/** How to open an account's machine. */
export type MachineOptions = {
  userId: string;
  deviceId: string;
  /** The crypto store's IndexedDB database name (one per account and device). */
  storeName: string;
  /** The store's 32-byte key, from the secret store. */
  storeKey: Uint8Array;
  api: CryptoApi;
  log?: Log;
};

const { RequestType } = wasm;

/**
 * One account's Olm machine and its request loop. Requests go out one loop at a time; a loop
 * asked for while one runs runs again right after it, so nothing the machine queued waits for
 * the next sync.
 */
export class CryptoMachine {
  readonly userId: string;
  readonly deviceId: string;
  readonly olm: Machine;
  readonly api: CryptoApi;
  readonly #log: Log;
  #listeners: MachineListeners = {};
  #roomMessages: ((m: RoomMessage) => void) | undefined;
  #flushing: Promise<void> | undefined;
  /** A keys upload in flight: sync changes wait for it (see {@link receiveSync}). */
  #uploading: Promise<unknown> | undefined;
  #again = false;
  #closed = false;

  private constructor(olm: Machine, o: MachineOptions) {
    this.olm = olm;
    this.userId = o.userId;
    this.deviceId = o.deviceId;
    this.api = o.api;
    this.#log = o.log ?? (() => {});
    this.#register();
  }

  /** Opens the account's store with its key and starts the machine over it. */
  static async open(o: MachineOptions): Promise<CryptoMachine> {
    const w = await loadWasm();
    const handle = await w.StoreHandle.openWithKey(o.storeName, o.storeKey);
    try {
      const olm = await w.OlmMachine.initFromStore(
        new w.UserId(o.userId),
        new w.DeviceId(o.deviceId),
        handle,
      );
      return new CryptoMachine(olm, o);
    } finally {
      handle.free();
    }
  }

  /** Who listens to the machine's callbacks (replaces earlier listeners). */
  listen(l: MachineListeners): void {
    this.#listeners = l;
  }

  /**
   * Who sends the machine's room messages (in-room verification events, which must be encrypted
   * in encrypted rooms). The request loop hands them over without waiting: encrypting shares
   * room keys, which needs the loop itself.
   */
  sendRoomMessagesWith(sink: (m: RoomMessage) => void): void {
    this.#roomMessages = sink;
  }

  #register(): void {
    this.olm.registerRoomKeyUpdatedCallback(async (infos) => {
      const keys = infos.map((i) => ({ roomId: i.roomId.toString(), sessionId: i.sessionId }));
      for (const i of infos) i.free();
      this.#listeners.onRoomKeys?.(keys);
    });
    this.olm.registerRoomKeysWithheldCallback(async (infos) => {
      const keys = infos.map((i) => ({
        roomId: i.roomId.toString(),
        sessionId: i.sessionId,
        withheldCode: i.withheldCode,
      }));
      for (const i of infos) i.free();
      this.#listeners.onWithheld?.(keys);
    });
    this.olm.registerDevicesUpdatedCallback(async (userIds) => {
      this.#listeners.onDevicesChanged?.(userIds);
    });
    this.olm.registerUserIdentityUpdatedCallback(async (id) => {
      const userId = id.toString();
      id.free();
      this.#listeners.onIdentityChanged?.(userId);
    });
    this.olm.registerReceiveSecretCallback(async (name, value) => {
      this.#listeners.onSecret?.(name, value);
    });
  }

  /**
   * Hands the machine one sync response's crypto input. Runs before the response's write
   * transaction, so room keys that came with it decrypt its timeline.
   */
  async receiveSync(input: SyncCryptoInput): Promise<ToDeviceEvent[]> {
    // A keys upload's body is fixed when the machine hands it out, and marking it sent marks
    // every key unpublished by then as published: a fallback key the sync makes meanwhile
    // would be marked so without ever reaching the server. So the sync waits for the upload.
    await this.#uploading?.catch(() => {});
    const changed = input.deviceLists.changed.map((u) => new wasm.UserId(u));
    const left = input.deviceLists.left.map((u) => new wasm.UserId(u));
    const lists = new wasm.DeviceLists(changed, left);
    const counts = new Map(Object.entries(input.oneTimeKeyCounts));
    const fallback = input.unusedFallbackKeyTypes
      ? new Set(input.unusedFallbackKeyTypes)
      : undefined;
    const processed = await this.olm.receiveSyncChanges(
      JSON.stringify(input.toDevice),
      lists,
      counts,
      fallback,
    );
    lists.free();
    const out: ToDeviceEvent[] = [];
    for (const p of processed) {
      if (p.type === wasm.ProcessedToDeviceEventType.Invalid) this.#logInvalid(p.rawEvent);
      const raw = p.type === wasm.ProcessedToDeviceEventType.Invalid ? undefined : p.rawEvent;
      const ev = raw === undefined ? undefined : parseToDevice(raw);
      if (ev && p.type !== wasm.ProcessedToDeviceEventType.UnableToDecrypt) out.push(ev);
      p.free();
    }
    void this.flush();
    return out;
  }

  /** The machine dropped a to-device event it could not use (malformed content): say so. */
  #logInvalid(raw: string): void {
    const ev = parseToDevice(raw);
    const what = ev ? `${ev.type} from ${ev.sender}` : 'event';
    this.#log(`crypto: ignored an invalid to-device ${what}`);
  }

  /**
   * Sends what the machine has queued (keys upload/query/claim, to-device, signatures,
   * verification room messages, backup). Failures are logged; the machine offers the same
   * requests again on the next flush.
   */
  flush(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#flushing) {
      this.#again = true;
      return this.#flushing;
    }
    this.#flushing = this.#flushLoop().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushLoop(): Promise<void> {
    do {
      this.#again = false;
      const requests = await this.olm.outgoingRequests();
      for (const r of requests) {
        if (this.#closed) return;
        try {
          if (r.type === RequestType.RoomMessage && this.#roomMessages)
            this.#roomMessages(roomMessageOf(r as wasm.RoomMessageRequest));
          else await this.send(r);
        } catch (err) {
          this.#log(`crypto: request ${describe(r)} failed: ${String(err)}`);
        } finally {
          (r as { free?: () => void }).free?.();
        }
      }
    } while (this.#again && !this.#closed);
  }

  /** Sends one outgoing request and tells the machine its reply. */
  async send(r: wasm.OutgoingRequest): Promise<void> {
    if (r.type === RequestType.KeysUpload) {
      const upload = this.#sendNow(r);
      this.#uploading = upload;
      try {
        return await upload;
      } finally {
        if (this.#uploading === upload) this.#uploading = undefined;
      }
    }
    return this.#sendNow(r);
  }

  async #sendNow(r: wasm.OutgoingRequest): Promise<void> {
    const reply = await this.#http(r);
    if (r.id === undefined || r.type === undefined) return;
    await this.olm.markRequestAsSent(r.id, r.type, JSON.stringify(reply));
  }

  async #http(r: wasm.OutgoingRequest): Promise<JsonObject> {
    const body = JSON.parse(r.body) as JsonObject;
    const api = this.api;
    switch (r.type) {
      case RequestType.KeysUpload:
        return api.keysUpload(body);
      case RequestType.KeysQuery:
        return api.keysQuery(body);
      case RequestType.KeysClaim:
        return api.keysClaim(body);
      case RequestType.ToDevice: {
        const t = r as wasm.ToDeviceRequest;
        return api.sendToDevice(t.event_type, t.txn_id, body);
      }
      case RequestType.SignatureUpload:
        return api.signaturesUpload(body);
      case RequestType.RoomMessage: {
        const m = r as wasm.RoomMessageRequest;
        return api.roomSend(m.room_id, m.event_type, m.txn_id, body);
      }
      case RequestType.KeysBackup: {
        const b = r as wasm.KeysBackupRequest;
        return api.backupKeys(b.version, body);
      }
      default:
        throw new Error(`unknown request type ${String(r.type)}`);
    }
  }

  /** Waits for the request loop to finish and releases the machine. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#flushing;
    this.olm.close();
  }
}

/** A room message request as plain data (the request object may be freed after). */
export function roomMessageOf(r: wasm.RoomMessageRequest): RoomMessage {
  return {
    id: r.id,
    roomId: r.room_id,
    type: r.event_type,
    txnId: r.txn_id,
    content: JSON.parse(r.body) as JsonObject,
  };
}

/** A processed to-device event back as data (the decrypted form for encrypted ones). */
function parseToDevice(raw: string): ToDeviceEvent | undefined {
  try {
    const ev = JSON.parse(raw) as Partial<ToDeviceEvent>;
    if (typeof ev.type !== 'string' || typeof ev.sender !== 'string') return undefined;
    if (typeof ev.content !== 'object' || ev.content === null) return undefined;
    return { type: ev.type, sender: ev.sender, content: ev.content };
  } catch {
    return undefined;
  }
}

function describe(r: wasm.OutgoingRequest): string {
  return `${RequestType[r.type] ?? r.type} ${r.id ?? ''}`;
}
