/**
 * Interactive verification of one account: requests to our other sessions (to-device) and to
 * other users (in a direct chat), emoji SAS, and every change pushed as `verification.changed`.
 *
 * The wasm runs the protocol. Incoming events reach it first (to-device ones during sync,
 * in-room ones here), then the flow they belong to is looked up and tracked: its request and
 * SAS report changes through callbacks, each one turned into the contract's `Verification`.
 * What the wasm asks to send goes out through {@link VerificationSender}, encrypted in
 * encrypted rooms. A SAS the other side starts is accepted on its own (the person compares the
 * emoji next); one that completes tells the renderer the user's devices changed.
 *
 * @packageDocumentation
 */
import type { CryptoMachine } from '../crypto/machine';
import {
  flowIdOf,
  emojiOf,
  OUR_METHODS,
  REQUEST,
  snapshotOf,
  type Flow,
} from '../crypto/verification';
import {
  deviceOf,
  requestDevice,
  requestInRoom,
  requestOwnSessions,
  type Started,
} from '../crypto/verification-start';
import {
  describe,
  VerificationSender,
  type RoomEncrypt,
  type VerificationOutgoing,
} from '../crypto/verification-sender';
import { wasm } from '../crypto/wasm';
import type { SasEmoji } from '../model/e2ee';
import type { RawEvent } from '../protocol/events';
import type { ToDeviceEvent } from '../protocol/sync';
import type { EventLog } from './event-log';

export type VerificationServiceDeps = {
  machine: CryptoMachine;
  /** Encrypts for a room (undefined when it is not encrypted). */
  encrypt: RoomEncrypt;
  /** Our direct chat with a user, created when there is none. */
  directChat: (userId: string) => Promise<string>;
  events: EventLog;
  log: (msg: string) => void;
};

type Tracked = Flow & {
  flowId: string;
  /** The emoji once shown (the wasm stops giving them when the flow ends). */
  emoji?: SasEmoji[];
  /** The last pushed state, to push changes only. */
  last?: string;
  finished?: boolean;
  /** Sending what "They match" made (the signatures among it). */
  confirming?: Promise<void>;
};

/** Finished flows kept for their last state (commands on them get a clear answer). */
const KEEP_FINISHED = 20;
/** In-room events older than this cannot belong to a live flow (requests last 10 minutes). */
const STALE_MS = 15 * 60_000;
const SEEN_MAX = 500;

const USER_ID = /^@[^:\s]+:\S+$/;

function fail(code: string, message: string): never {
  throw Object.assign(new Error(message), { code });
}

/** Runs a command; what the wasm throws (not always an `Error`) becomes a clear error. */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error) throw err;
    throw Object.assign(new Error(describe(err)), { code: 'crypto_error' });
  }
}

/** Verification of one account (see the module comment). */
export class VerificationService {
  readonly #d: VerificationServiceDeps;
  readonly #sender: VerificationSender;
  readonly #flows = new Map<string, Tracked>();
  /** In-room events already handed to the machine (sync, history and retries may repeat). */
  readonly #seen = new Set<string>();
  #incoming: Promise<void> = Promise.resolve();
  #updates: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(d: VerificationServiceDeps) {
    this.#d = d;
    this.#sender = new VerificationSender(d.machine, d.encrypt, d.log);
    d.machine.sendRoomMessagesWith((m) => this.#sender.enqueue(m));
  }

  get #olm(): wasm.OlmMachine {
    return this.#d.machine.olm;
  }

  /**
   * A verification event after decryption: to-device (the machine has processed it) or in-room
   * with its room. Handled in order, never throwing: what cannot be used is logged and dropped.
   */
  receive(ev: ToDeviceEvent | RawEvent, roomId?: string): void {
    this.#incoming = this.#incoming
      .then(() => this.#receive(ev, roomId))
      .catch((err: unknown) => this.#d.log(`verification: ${ev.type} failed: ${describe(err)}`));
  }

  async #receive(ev: ToDeviceEvent | RawEvent, roomId?: string): Promise<void> {
    if (this.#closed) return;
    const room = roomId === undefined ? undefined : (ev as RawEvent);
    const flowId = flowIdOf(ev.type, ev.content, room?.event_id);
    const what = `${ev.type} from ${ev.sender}`;
    if (!flowId) return this.#d.log(`verification: ignored ${what}: it names no verification`);
    if (room && roomId) {
      const fed = await this.#feedRoomEvent(room, roomId);
      if (fed === 'skip' || (fed === 'own' && !this.#flows.has(flowId))) return;
    }
    if (this.#flows.has(flowId)) return this.#refresh(flowId);
    const request = this.#olm.getVerificationRequest(new wasm.UserId(ev.sender), flowId);
    if (!request) return this.#d.log(`verification: ignored ${what}: no verification ${flowId}`);
    this.#track(request);
  }

  /**
   * Hands an in-room event to the machine, once. Our own (this session's echoes, or another
   * session of ours answering) are `own`: the machine keys in-room flows by the other user and
   * would drop them.
   */
  async #feedRoomEvent(ev: RawEvent, roomId: string): Promise<'fed' | 'own' | 'skip'> {
    if (this.#seen.has(ev.event_id)) return 'skip';
    this.#seen.add(ev.event_id);
    if (this.#seen.size > SEEN_MAX) this.#seen.delete(this.#seen.values().next().value!);
    if (Date.now() - ev.origin_server_ts > STALE_MS) return 'skip';
    if (ev.sender === this.#d.machine.userId) return 'own';
    if (ev.content.msgtype === REQUEST) await this.#knowSender(ev);
    const wire: Record<string, unknown> = {
      event_id: ev.event_id,
      type: ev.type,
      sender: ev.sender,
      origin_server_ts: ev.origin_server_ts,
      content: ev.content,
      room_id: roomId,
    };
    if (ev.unsigned) wire.unsigned = ev.unsigned;
    try {
      await this.#olm.receiveVerificationEvent(JSON.stringify(wire), new wasm.RoomId(roomId));
    } catch (err) {
      const what = `${ev.type} from ${ev.sender} (${ev.event_id})`;
      this.#d.log(`verification: ignored ${what}: ${describe(err)}`);
      return 'skip';
    }
    void this.#d.machine.flush(); // what the machine answers
    return 'fed';
  }

  /** The machine drops a request from a device it does not know: fetch its keys first. */
  async #knowSender(ev: RawEvent): Promise<void> {
    const device = ev.content.from_device;
    if (typeof device !== 'string') return;
    try {
      (await deviceOf(this.#d.machine, ev.sender, device))?.free();
    } catch (err) {
      this.#d.log(`verification: fetching the keys of ${ev.sender} failed: ${describe(err)}`);
    }
  }

  #track(request: wasm.VerificationRequest): Tracked {
    const t: Tracked = { flowId: request.flowId, request };
    this.#flows.get(t.flowId)?.request.free();
    this.#flows.set(t.flowId, t);
    request.registerChangesCallback(async () => void this.#refresh(t.flowId));
    void this.#refresh(t.flowId);
    this.#prune();
    return t;
  }

  #prune(): void {
    const finished = [...this.#flows.values()].filter((t) => t.finished);
    for (const t of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
      this.#flows.delete(t.flowId);
      t.sas?.free();
      t.request.free();
    }
  }

  /** Pushes the flow's state if it changed (one update at a time, in order). */
  #refresh(flowId: string): Promise<void> {
    const run = this.#updates
      .then(() => this.#update(flowId))
      .catch((err: unknown) => this.#d.log(`verification: ${flowId}: ${describe(err)}`));
    this.#updates = run;
    return run;
  }

  async #update(flowId: string): Promise<void> {
    const t = this.#flows.get(flowId);
    if (!t || this.#closed) return;
    if (t.request.phase() === wasm.VerificationRequestPhase.Transitioned) this.#adoptSas(t);
    t.emoji ??= emojiOf(t.sas);
    const v = snapshotOf(t, t.emoji);
    const json = JSON.stringify(v);
    if (json === t.last) return;
    t.last = json;
    this.#d.events.push('verification.changed', v);
    if (t.finished || (v.phase !== 'done' && v.phase !== 'cancelled')) return;
    t.finished = true;
    if (v.phase === 'done') void this.#afterDone(t, v.userId);
  }

  /**
   * Verified: the signatures it made go out, and the renderer re-reads the user's devices.
   * (Another user's identity shows verified once our signature comes back from the server; the
   * machine reports that as a trust change of its own.)
   */
  async #afterDone(t: Tracked, userId: string): Promise<void> {
    try {
      await t.confirming?.catch(() => {});
      await this.#d.machine.flush();
    } catch (err) {
      this.#d.log(`verification: sending the signatures failed: ${describe(err)}`);
    }
    if (!this.#closed) this.#d.events.push('crypto.devicesChanged', { userIds: [userId] });
  }

  /**
   * The request moved on to a SAS: track it, and accept it when the other side started it
   * (`accept` answers only then, and also when they won a race of two starts).
   */
  #adoptSas(t: Tracked): void {
    const v = t.request.getVerification();
    if (!(v instanceof wasm.Sas)) return void v?.free();
    const accept = v.accept();
    if (!accept && t.sas) return v.free();
    this.#useSas(t, v);
    if (accept) this.#sendLater(accept, t.flowId);
  }

  #useSas(t: Tracked, sas: wasm.Sas): void {
    t.sas?.free();
    t.sas = sas;
    sas.registerChangesCallback(async () => void this.#refresh(t.flowId));
  }

  #sendLater(r: VerificationOutgoing, flowId: string): void {
    this.#sender
      .send(r)
      .catch((err: unknown) => this.#d.log(`verification: ${flowId}: ${describe(err)}`));
  }

  #flow(flowId: string): Tracked {
    return this.#flows.get(flowId) ?? fail('unknown_flow', 'There is no such verification');
  }

  /** Starts verifying one of our sessions, all of them, or another user; returns the flow id. */
  request(userId: string, deviceId?: string): Promise<string> {
    return guard(async () => {
      if (!USER_ID.test(userId)) fail('bad_request', `Not a user id: ${userId}`);
      const m = this.#d.machine;
      let started: Started;
      if (deviceId) started = await requestDevice(m, userId, deviceId);
      else if (userId === m.userId) started = await requestOwnSessions(m);
      else {
        const room = () => this.#d.directChat(userId);
        const send = this.#sender.sendEvent.bind(this.#sender);
        started = await requestInRoom(m, userId, room, send);
      }
      const t = this.#track(started.request);
      if (started.outgoing) {
        try {
          await this.#sender.send(started.outgoing);
        } catch (err) {
          t.request.cancel()?.free();
          await this.#refresh(t.flowId);
          fail('send_failed', `The request could not be sent: ${describe(err)}`);
        }
      }
      return t.flowId;
    });
  }

  /** Accepts a request the other side made. */
  accept(flowId: string): Promise<void> {
    return guard(async () => {
      const t = this.#flow(flowId);
      const r = t.request;
      if (r.weStarted() || r.phase() !== wasm.VerificationRequestPhase.Requested)
        fail('bad_state', 'This request is not waiting for you to accept it');
      const out = r.acceptWithMethods(OUR_METHODS);
      if (out) await this.#sender.send(out);
      await this.#refresh(flowId);
    });
  }

  /** Starts the emoji comparison once both sides are ready. */
  startSas(flowId: string): Promise<void> {
    return guard(async () => {
      const t = this.#flow(flowId);
      if (t.sas) fail('bad_state', 'The emoji comparison has already started');
      const started = await t.request.startSas();
      if (!started) fail('bad_state', 'Both sides must be ready before comparing emoji');
      const [sas, out] = started;
      this.#useSas(t, sas);
      await this.#sender.send(out);
      await this.#refresh(flowId);
    });
  }

  /** "They match" (the SAS completes once both said so) or "They don't match" (cancels). */
  confirm(flowId: string, match: boolean): Promise<void> {
    return guard(async () => {
      const t = this.#flow(flowId);
      const sas = t.sas;
      if (!sas?.canBePresented()) fail('bad_state', 'There are no emoji to compare yet');
      if (match) {
        t.confirming = (async () => {
          for (const r of await sas.confirm()) await this.#sender.send(r);
        })();
        await t.confirming;
      } else {
        const out = sas.cancelWithCode('m.mismatched_sas');
        if (out) await this.#sender.send(out);
      }
      await this.#refresh(flowId);
    });
  }

  /** Declines or cancels (nothing to do once it ended). */
  cancel(flowId: string): Promise<void> {
    return guard(async () => {
      const t = this.#flow(flowId);
      const out = t.request.cancel() ?? t.sas?.cancel();
      if (out) await this.#sender.send(out);
      await this.#refresh(flowId);
    });
  }

  /** Stops tracking (the session is closing); the machine closes after. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#incoming;
    await this.#updates;
    for (const t of this.#flows.values()) {
      t.sas?.free();
      t.request.free();
    }
    this.#flows.clear();
  }
}
