/**
 * Encrypting for a room: the room key is shared with every device of the members who may read
 * the message (as `m.room.encryption` and the history visibility say) before the event is
 * encrypted with it.
 *
 * @packageDocumentation
 */
import type { JsonObject } from '../protocol/events';
import type { CryptoMachine } from './machine';
import { wasm } from './wasm';

/** What encrypting for a room depends on, read from its state. */
export type RoomEncryptionState = {
  /** The `m.room.encryption` content. */
  encryption: JsonObject;
  /** `m.room.history_visibility` (default `shared`). */
  historyVisibility: string;
  /** Joined members, and invited ones (who get keys unless visibility is `joined`). */
  joined: readonly string[];
  invited: readonly string[];
};

const MEGOLM = 'm.megolm.v1.aes-sha2';
const WEEK_MS = 7 * 24 * 3600 * 1000;

function visibilityOf(v: string): wasm.HistoryVisibility {
  const H = wasm.HistoryVisibility;
  switch (v) {
    case 'invited':
      return H.Invited;
    case 'joined':
      return H.Joined;
    case 'world_readable':
      return H.WorldReadable;
    default:
      return H.Shared;
  }
}

/** The users whose devices get the room key. */
export function recipientsOf(s: RoomEncryptionState): string[] {
  const users = new Set(s.joined);
  if (s.historyVisibility !== 'joined') for (const u of s.invited) users.add(u);
  return [...users];
}

function settingsOf(s: RoomEncryptionState): wasm.EncryptionSettings {
  const e = new wasm.EncryptionSettings();
  e.algorithm = wasm.EncryptionAlgorithm.MegolmV1AesSha2;
  e.historyVisibility = visibilityOf(s.historyVisibility);
  const ms = s.encryption.rotation_period_ms;
  const msgs = s.encryption.rotation_period_msgs;
  // The spec's defaults (a week, 100 messages); the wasm wants microseconds as a BigInt.
  const periodMs = typeof ms === 'number' && ms > 0 && ms <= 10 * WEEK_MS ? ms : WEEK_MS;
  e.rotationPeriod = BigInt(Math.round(periodMs)) * 1000n;
  e.rotationPeriodMessages = BigInt(
    typeof msgs === 'number' && msgs > 0 && msgs <= 10_000 ? Math.round(msgs) : 100,
  );
  return e;
}

/**
 * Encrypts events for rooms, one room at a time per room (two sends into one room never share
 * a key twice), after making sure every recipient device holds the current room key.
 */
export class RoomEncryptor {
  readonly #machine: CryptoMachine;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(machine: CryptoMachine) {
    this.#machine = machine;
  }

  /** Encrypts `content` of `type` for the room; returns the `m.room.encrypted` content. */
  encrypt(
    roomId: string,
    state: RoomEncryptionState,
    type: string,
    content: JsonObject,
  ): Promise<JsonObject> {
    if (state.encryption.algorithm !== MEGOLM) {
      const algo = String(state.encryption.algorithm);
      return Promise.reject(new Error(`This room uses an unknown encryption algorithm (${algo})`));
    }
    return this.#serial(roomId, async () => {
      await this.#shareKey(roomId, state);
      const room = new wasm.RoomId(roomId);
      try {
        const out = await this.#machine.olm.encryptRoomEvent(room, type, JSON.stringify(content));
        return JSON.parse(out) as JsonObject;
      } finally {
        room.free();
      }
    });
  }

  /** Makes sure every recipient device has the room's current outbound session key. */
  async #shareKey(roomId: string, state: RoomEncryptionState): Promise<void> {
    const m = this.#machine;
    const users = () => recipientsOf(state).map((u) => new wasm.UserId(u));
    await m.olm.updateTrackedUsers(users());
    await m.flush(); // device keys of new users
    const claim = await m.olm.getMissingSessions(users());
    if (claim) await m.send(claim);
    const room = new wasm.RoomId(roomId);
    const settings = settingsOf(state);
    try {
      const requests = await m.olm.shareRoomKey(room, users(), settings);
      for (const r of requests) await m.send(r);
    } finally {
      room.free();
      settings.free();
    }
  }

  async #serial<T>(roomId: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(roomId) ?? Promise.resolve();
    const run = before.catch(() => {}).then(fn);
    this.#locks.set(roomId, run);
    try {
      return await run;
    } finally {
      if (this.#locks.get(roomId) === run) this.#locks.delete(roomId);
    }
  }
}
