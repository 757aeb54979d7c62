/**
 * Sending what a verification produces: to-device messages and signature uploads through the
 * machine, in-room events into the room, encrypted when the room is (the machine hands over its
 * room messages in plaintext). Room events go out one at a time, in the order they were made.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../protocol/events';
import { roomMessageOf, type CryptoMachine, type RoomMessage } from './machine';
import { wasm } from './wasm';

/** Encrypts an event for a room; undefined when the room is not encrypted. */
export type RoomEncrypt = (
  roomId: string,
  type: string,
  content: JsonObject,
) => Promise<JsonObject | undefined>;

/** A request a verification call returned (or a signature upload `confirm` adds). */
export type VerificationOutgoing = { type: wasm.RequestType; id?: string; body: string };

/** Sends a verification's messages (see the module comment). */
export class VerificationSender {
  readonly #machine: CryptoMachine;
  readonly #encrypt: RoomEncrypt;
  readonly #log: (msg: string) => void;
  readonly #inFlight = new Set<string>();
  #chain: Promise<unknown> = Promise.resolve();

  constructor(machine: CryptoMachine, encrypt: RoomEncrypt, log: (msg: string) => void) {
    this.#machine = machine;
    this.#encrypt = encrypt;
    this.#log = log;
  }

  /**
   * A room message from the machine's request loop: queued, not awaited. A failure is logged;
   * the machine offers the message again on a later loop.
   */
  enqueue(m: RoomMessage): void {
    this.#sendRoomMessage(m).catch((err: unknown) =>
      this.#log(`verification: sending ${m.type} into ${m.roomId} failed: ${describe(err)}`),
    );
  }

  /** Sends what a verification call returned; throws when it could not be sent. */
  async send(r: VerificationOutgoing): Promise<void> {
    try {
      if (r.type === wasm.RequestType.RoomMessage)
        await this.#sendRoomMessage(roomMessageOf(r as wasm.RoomMessageRequest));
      else await this.#machine.send(r as wasm.OutgoingRequest);
    } finally {
      (r as { free?: () => void }).free?.();
    }
    void this.#machine.flush();
  }

  /** Sends an event into a room (encrypted when the room is) and returns its event id. */
  sendEvent(roomId: string, type: string, content: JsonObject): Promise<string> {
    return this.#serial(async () => {
      const reply = await this.#put(roomId, type, `lmv-${randomUUID()}`, content);
      if (typeof reply.event_id !== 'string') throw new Error('The server gave no event id');
      return reply.event_id;
    });
  }

  /** One room message, once: sent in order, then reported to the machine. */
  async #sendRoomMessage(m: RoomMessage): Promise<void> {
    if (this.#inFlight.has(m.id)) return;
    this.#inFlight.add(m.id);
    try {
      await this.#serial(async () => {
        const reply = await this.#put(m.roomId, m.type, m.txnId, m.content);
        await this.#machine.olm.markRequestAsSent(
          m.id,
          wasm.RequestType.RoomMessage,
          JSON.stringify(reply),
        );
      });
    } finally {
      this.#inFlight.delete(m.id);
    }
  }

  async #put(roomId: string, type: string, txnId: string, content: JsonObject) {
    const api = this.#machine.api;
    const encrypted = await this.#encrypt(roomId, type, content);
    if (encrypted) return api.roomSend(roomId, 'm.room.encrypted', txnId, encrypted);
    return api.roomSend(roomId, type, txnId, content);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.catch(() => {}).then(fn);
    this.#chain = run;
    return run;
  }
}

/** An error's message (the wasm throws non-`Error` values). */
export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String(err.message);
  return String(err);
}
