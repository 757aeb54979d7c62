/**
 * Megolm-encrypted room events made by a real sender `OlmMachine` (the app's wasm, 18.9.0, in
 * memory),
 * its room keys shared over real Olm to-device messages with the receiving machines, all
 * offline: a small key directory in this process answers the machines' keys upload, query and
 * claim requests, as a homeserver would, and hands their to-device messages to the recipients.
 *
 * The sender's rooms use the product's defaults (`RoomEncryptor`): a new session every 100
 * messages, so 5,000 events over 10 rooms come from 50 sessions.
 */
import * as wasm from '@matrix-org/matrix-sdk-crypto-wasm';
import type { JsonObject, RawEvent } from '../../src-main/protocol/events';
import { plainMessages, Rng } from './content';

type Olm = wasm.OlmMachine;

/** The sender's user, and the receivers' (every receiver is a device of one user). */
export const SENDER = '@alice:bench.example';
export const RECEIVER = '@bench:bench.example';

/** One user's device list and spare one-time keys, as the directory holds them. */
type DeviceEntry = { keys: JsonObject; otks: Map<string, unknown> };

/**
 * What a homeserver would do for these machines' key requests, in memory: keys it was sent
 * are stored, queries and claims answered from them, to-device messages delivered.
 */
export class KeyDirectory {
  readonly #devices = new Map<string, Map<string, DeviceEntry>>();
  readonly #machines = new Map<string, Olm>();

  /** Makes `olm` (user `userId`, device `deviceId`) reachable for to-device messages. */
  add(userId: string, deviceId: string, olm: Olm): void {
    this.#machines.set(`${userId}|${deviceId}`, olm);
  }

  /** Answers every request `olm` has queued until it queues no more. */
  async drive(olm: Olm, userId: string): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const requests = await olm.outgoingRequests();
      if (requests.length === 0) return;
      for (const r of requests) await this.send(olm, userId, r);
    }
    throw new Error(`${userId}: the machine kept queueing requests`);
  }

  /** Answers one request of `olm` and tells the machine the reply (then frees the request). */
  async send(olm: Olm, userId: string, r: wasm.OutgoingRequest): Promise<void> {
    const reply = await this.#answer(r, userId);
    if (r.id !== undefined) await olm.markRequestAsSent(r.id, r.type, JSON.stringify(reply));
    (r as { free?: () => void }).free?.();
  }

  /** Answers one request (sending to-device messages through {@link deliver}). */
  async #answer(r: wasm.OutgoingRequest, userId: string): Promise<JsonObject> {
    const body = JSON.parse(r.body) as JsonObject;
    switch (r.type) {
      case wasm.RequestType.KeysUpload:
        return this.#upload(userId, body);
      case wasm.RequestType.KeysQuery:
        return this.#query(body);
      case wasm.RequestType.KeysClaim:
        return this.#claim(body);
      case wasm.RequestType.ToDevice:
        await this.deliver(userId, (r as wasm.ToDeviceRequest).event_type, body);
        return {};
      default:
        return {};
    }
  }

  #upload(userId: string, body: JsonObject): JsonObject {
    const keys = body.device_keys as JsonObject | undefined;
    const users = this.#devices.get(userId) ?? new Map<string, DeviceEntry>();
    this.#devices.set(userId, users);
    let entry: DeviceEntry | undefined;
    if (keys) {
      entry = { keys, otks: new Map() };
      users.set(keys.device_id as string, entry);
    } else entry = [...users.values()].at(-1);
    for (const [id, key] of Object.entries((body.one_time_keys as JsonObject) ?? {})) {
      entry?.otks.set(id, key);
    }
    return { one_time_key_counts: { signed_curve25519: entry?.otks.size ?? 0 } };
  }

  #query(body: JsonObject): JsonObject {
    const device_keys: JsonObject = {};
    for (const user of Object.keys((body.device_keys as JsonObject) ?? {})) {
      const devices = this.#devices.get(user) ?? new Map<string, DeviceEntry>();
      device_keys[user] = Object.fromEntries([...devices].map(([id, d]) => [id, d.keys]));
    }
    return { device_keys, failures: {} };
  }

  #claim(body: JsonObject): JsonObject {
    const one_time_keys: Record<string, JsonObject> = {};
    for (const [user, devices] of Object.entries(body.one_time_keys as Record<string, JsonObject>)) {
      for (const deviceId of Object.keys(devices)) {
        const otks = this.#devices.get(user)?.get(deviceId)?.otks;
        const first = otks?.keys().next();
        if (!otks || !first || first.done) continue;
        (one_time_keys[user] ??= {})[deviceId] = { [first.value]: otks.get(first.value) };
        otks.delete(first.value);
      }
    }
    return { one_time_keys, failures: {} };
  }

  /** Hands a to-device message (`messages[user][device]`) to each recipient machine. */
  async deliver(sender: string, type: string, body: JsonObject): Promise<void> {
    const messages = body.messages as Record<string, Record<string, JsonObject>>;
    for (const [user, devices] of Object.entries(messages)) {
      for (const [deviceId, content] of Object.entries(devices)) {
        const olm = this.#machines.get(`${user}|${deviceId}`);
        if (!olm) throw new Error(`to-device message for unknown device ${user} ${deviceId}`);
        const lists = new wasm.DeviceLists();
        const processed = await olm.receiveSyncChanges(
          JSON.stringify([{ type, sender, content }]),
          lists,
          new Map(),
          new Set(),
        );
        for (const p of processed) {
          const failed = p.type !== wasm.ProcessedToDeviceEventType.Decrypted;
          p.free();
          if (failed) throw new Error(`${user} ${deviceId} could not decrypt a ${type} message`);
        }
      }
    }
  }
}

/** A machine with its own in-memory store (no IndexedDB). */
export async function memoryMachine(userId: string, deviceId: string): Promise<Olm> {
  await wasm.initAsync();
  return wasm.OlmMachine.initialize(new wasm.UserId(userId), new wasm.DeviceId(deviceId));
}

/** Room ids of the bench's encrypted rooms. */
export function roomIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `!encrypted${i}:bench.example`);
}

/**
 * The sender encrypts `perRoom` messages into each of `rooms`, sharing each new room key (every
 * 100 messages) with every device of {@link RECEIVER} the directory knows. Returns the events
 * as `/sync` would deliver them, by room, in order.
 */
export async function encryptHistory(
  dir: KeyDirectory,
  sender: Olm,
  rooms: readonly string[],
  perRoom: number,
): Promise<Map<string, RawEvent[]>> {
  const rng = new Rng(8);
  const out = new Map<string, RawEvent[]>();
  const receiver = () => [new wasm.UserId(RECEIVER)];
  let ts = Date.UTC(2026, 0, 1);
  for (const roomId of rooms) {
    const room = new wasm.RoomId(roomId);
    const events: RawEvent[] = [];
    for (const [i, msg] of plainMessages(rng, [SENDER], perRoom).entries()) {
      const claim = await sender.getMissingSessions(receiver());
      if (claim) await dir.send(sender, SENDER, claim);
      const settings = new wasm.EncryptionSettings(); // the product's defaults: 100 messages
      for (const r of await sender.shareRoomKey(room, receiver(), settings)) {
        await dir.send(sender, SENDER, r);
      }
      settings.free();
      const content = await sender.encryptRoomEvent(room, msg.type, JSON.stringify(msg.content));
      events.push({
        event_id: `$${roomId.slice(1, 12)}-${i}`,
        type: 'm.room.encrypted',
        sender: SENDER,
        origin_server_ts: (ts += 1000),
        content: JSON.parse(content) as JsonObject,
        unsigned: { age: 1000 },
      });
    }
    room.free();
    out.set(roomId, events);
  }
  return out;
}
