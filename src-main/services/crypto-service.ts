/**
 * End-to-end encryption for one account: the sync pipeline's decrypt phase (to-device first,
 * then room events), decryption of history pages, encryption of what the send queue sends, and
 * undecryptable events retried when their keys arrive.
 *
 * @packageDocumentation
 */
import { decryptInPlace, decryptEvent, type DecryptContext } from '../crypto/decrypt';
import { RoomEncryptor, type RoomEncryptionState } from '../crypto/encrypt';
import type { CryptoMachine, RoomKeyNote } from '../crypto/machine';
import type { UtdReason } from '../model/e2ee';
import type { E2eeRecord, JsonObject, RawEvent } from '../protocol/events';
import type { SyncChanges, ToDeviceEvent } from '../protocol/sync';
import type { EventRow } from '../storage/event-store';
import { megolmHash, toRawEvent } from '../storage/event-store';
import type { Stores } from '../storage/stores';
import { applyTimelineEvents } from '../sync/apply-events';
import { refreshPreview } from '../sync/summary';

/** Room ids and the held events of each whose display changed. */
export type ChangedEvents = Map<string, Set<string>>;

export type CryptoServiceDeps = {
  machine: CryptoMachine;
  stores: Stores;
  userId: string;
  /** Joined and invited members of a room, complete (fetched when the cache is lazy). */
  members: (roomId: string) => Promise<{ joined: string[]; invited: string[] }>;
  /** Held events changed outside a sync response (decrypted late, reason changed). */
  onChanged: (changed: ChangedEvents) => void;
  /** The devices or the identity of these users changed (or our trust in them). */
  onDevicesChanged?: (userIds: string[]) => void;
  /**
   * Verification events, after decryption: to-device ones (no room), and in-room ones with
   * their room (the whole event, as `receiveVerificationEvent` wants it).
   */
  onVerificationEvent?: (ev: ToDeviceEvent | RawEvent, roomId?: string) => void;
  log: (msg: string) => void;
  now?: () => number;
};

const RETRY_PAGE = 200;
/** Longest stretch of decrypting before the event loop gets a turn (IPC, timers, sockets). */
const SLICE_MS = 8;

/** Yields to the event loop once `SLICE_MS` of work has passed since the last yield. */
class Slicer {
  #since = performance.now();

  async maybeYield(): Promise<void> {
    if (performance.now() - this.#since < SLICE_MS) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.#since = performance.now();
  }
}
/** The reasons of an undecryptable event whose session's key this device does not have. */
const KEY_MISSING = new Set<UtdReason>(['missing_key', 'before_device', 'withheld']);
const VERIFICATION = /^m\.key\.verification\./;

/** Why a held event did not decrypt (undefined once it did). */
function utdReason(record: E2eeRecord | undefined): string | undefined {
  return record?.info.state === 'undecryptable' ? record.info.reason : undefined;
}

/** True for an in-room event that belongs to a verification. */
function isVerificationEvent(ev: RawEvent): boolean {
  if (VERIFICATION.test(ev.type)) return true;
  return ev.type === 'm.room.message' && ev.content.msgtype === 'm.key.verification.request';
}

/** The record of a replayed megolm message: refused, as a damaged one. */
function replayRecord(ciphertext: JsonObject): E2eeRecord {
  const record: E2eeRecord = { info: { state: 'undecryptable', reason: 'malformed' }, ciphertext };
  if (typeof ciphertext.session_id === 'string') record.sessionId = ciphertext.session_id;
  return record;
}

/** End-to-end encryption of one account (see the module comment). */
export class CryptoService {
  readonly machine: CryptoMachine;
  readonly #d: CryptoServiceDeps;
  readonly #encryptor: RoomEncryptor;
  readonly #ctx: DecryptContext;
  #firstSync = true;
  /** The legacy to-device inbox was found empty (see `#legacyInbox`). */
  #inboxEmpty = false;
  #startRetry: Promise<void> | undefined;
  #closing = false;

  constructor(d: CryptoServiceDeps) {
    this.#d = d;
    this.machine = d.machine;
    this.#encryptor = new RoomEncryptor(d.machine);
    const now = (d.now ?? Date.now)();
    this.#ctx = { deviceCreatedTs: d.stores.session.cryptoSince(now) };
    d.machine.listen({
      onRoomKeys: (keys) => void this.#retrySessions(keys),
      onWithheld: (keys) => this.#withheld(keys),
      onDevicesChanged: (userIds) => d.onDevicesChanged?.(userIds),
      onIdentityChanged: (userId) => d.onDevicesChanged?.([userId]),
    });
  }

  /**
   * The decrypt phase of a sync response, before its write transaction: to-device messages (the
   * inbox left from before first, then the response's), device lists and key counts go to the
   * machine, then every encrypted timeline event is decrypted in place. What the machine took
   * is removed from `changes`, so the write stores none of it.
   */
  async beforeIngest(changes: SyncChanges): Promise<void> {
    if (this.#firstSync) {
      // The device's keys go up before the first sync's changes reach the machine: it makes
      // its fallback key only once its keys are on the server.
      this.#firstSync = false;
      await this.machine.flush();
    }
    const legacy = this.#legacyInbox();
    const processed = await this.machine.receiveSync({
      toDevice: [...legacy.toDevice, ...changes.toDevice],
      deviceLists: {
        changed: [...legacy.lists.changed, ...changes.deviceLists.changed],
        left: [...legacy.lists.left, ...changes.deviceLists.left],
      },
      oneTimeKeyCounts: changes.otkCounts,
      unusedFallbackKeyTypes: changes.unusedFallbackKeyTypes,
    });
    legacy.ack();
    changes.toDevice = [];
    changes.deviceLists = { changed: [], left: [] };
    changes.otkCounts = {};
    delete changes.unusedFallbackKeyTypes;
    for (const ev of processed) {
      if (VERIFICATION.test(ev.type)) this.#d.onVerificationEvent?.(ev);
    }
    for (const room of changes.rooms) await this.decryptEvents(room.roomId, room.timeline.events);
  }

  /**
   * What the to-device inbox holds from a time without a crypto machine (an older version, or
   * a session whose store could not open), to hand over first; `ack` empties what was taken.
   * Nothing fills the inbox while the machine runs, so once it reads empty it is not read again.
   */
  #legacyInbox(): {
    toDevice: ToDeviceEvent[];
    lists: { changed: string[]; left: string[] };
    ack: () => void;
  } {
    const inbox = this.#d.stores.cryptoInbox;
    const none = { toDevice: [], lists: { changed: [], left: [] }, ack: () => {} };
    if (this.#inboxEmpty) return none;
    const held = inbox.toDevice();
    const lists = inbox.deviceListChanges();
    if (held.length === 0 && lists.changed.length === 0 && lists.left.length === 0) {
      this.#inboxEmpty = true;
      return none;
    }
    return {
      toDevice: held.map((m) => ({ type: m.type, sender: m.sender, content: m.content })),
      lists,
      ack: () => {
        if (held.length) inbox.ackToDevice(held[held.length - 1]!.id);
        if (lists.changed.length || lists.left.length) inbox.clearDeviceListChanges();
      },
    };
  }

  /** Decrypts the encrypted events among `events` in place (history pages, sync timelines). */
  async decryptEvents(roomId: string, events: readonly RawEvent[]): Promise<void> {
    const seen = new Map<string, string>(); // this batch's messages, as in megolm_messages
    const slicer = new Slicer();
    for (const ev of events) {
      if (ev.state_key !== undefined || ev.e2ee) continue;
      if (ev.type !== 'm.room.encrypted') {
        // Verification events may come in plaintext even in encrypted rooms (js-sdk sends so).
        if (isVerificationEvent(ev)) this.#d.onVerificationEvent?.(ev, roomId);
        continue;
      }
      if (!ev.content.ciphertext) continue; // redacted: nothing to decrypt
      await slicer.maybeYield();
      if (this.#isReplay(ev.event_id, ev.content, seen)) {
        ev.e2ee = replayRecord(ev.content);
        continue;
      }
      await decryptInPlace(this.machine.olm, roomId, ev, this.#ctx);
      if (isVerificationEvent(ev)) this.#d.onVerificationEvent?.(ev, roomId);
    }
  }

  /**
   * Whether this ciphertext was already decrypted as another event: a replay (the spec asks
   * clients to refuse a message index seen under a different event id).
   */
  #isReplay(eventId: string, content: JsonObject, seen: Map<string, string>): boolean {
    const sessionId = content.session_id;
    const hash = megolmHash(content);
    if (typeof sessionId !== 'string' || !hash) return false;
    const key = `${sessionId}|${hash}`;
    const first = seen.get(key) ?? this.#d.stores.events.megolmEvent(sessionId, hash);
    if (first === undefined) seen.set(key, eventId);
    return first !== undefined && first !== eventId;
  }

  /**
   * The `m.room.encrypted` content for an event sent into an encrypted room, or undefined when
   * the room is not encrypted. Room keys are shared with every device that should read it first.
   */
  async encrypt(
    roomId: string,
    type: string,
    content: JsonObject,
  ): Promise<JsonObject | undefined> {
    const state = await this.#roomState(roomId);
    if (!state) return undefined;
    return this.#encryptor.encrypt(roomId, state, type, content);
  }

  async #roomState(roomId: string): Promise<RoomEncryptionState | undefined> {
    const { stores } = this.#d;
    const encryption = stores.state.content(roomId, 'm.room.encryption');
    if (!encryption) return undefined;
    const hv = stores.state.content(roomId, 'm.room.history_visibility')?.history_visibility;
    const { joined, invited } = await this.#d.members(roomId);
    return {
      encryption,
      historyVisibility: typeof hv === 'string' ? hv : 'shared',
      joined,
      invited,
    };
  }

  /** Tries every undecryptable event again (after a backup restore or a key import). */
  async retryAll(): Promise<number> {
    let after = '';
    let decrypted = 0;
    for (;;) {
      const rows = this.#d.stores.events.undecrypted(after, RETRY_PAGE);
      if (rows.length === 0) return decrypted;
      after = rows[rows.length - 1]!.eventId;
      decrypted += await this.#retry(rows);
    }
  }

  /**
   * At start: the held undecryptable events of every session whose key is here now are tried
   * again. A key stored just before the app stopped (killed after an import, a restore or a
   * sync, before the events waiting for it were retried) would otherwise leave them unreadable
   * for good. One event per session is tried first, so a session still missing costs one look-up.
   */
  retryAtStart(): Promise<void> {
    this.#startRetry ??= this.#retryArrived().catch((err: unknown) => {
      if (!this.#closing)
        this.#d.log(`crypto: retrying undecryptable events at start failed: ${String(err)}`);
    });
    return this.#startRetry;
  }

  async #retryArrived(): Promise<void> {
    const arrived: RoomKeyNote[] = [];
    const slicer = new Slicer();
    for (const { sessionId, event } of this.#d.stores.events.undecryptedPerSession()) {
      await slicer.maybeYield();
      if (this.#closing) return;
      const r = await decryptEvent(this.machine.olm, event.roomId, toRawEvent(event), this.#ctx);
      const info = r.record.info;
      const missing = info.state === 'undecryptable' && KEY_MISSING.has(info.reason);
      if (!missing) arrived.push({ roomId: event.roomId, sessionId });
    }
    if (!this.#closing) await this.#retrySessions(arrived);
  }

  async #retrySessions(keys: RoomKeyNote[]): Promise<void> {
    try {
      const rows = this.#d.stores.events.undecryptedBySession(keys.map((k) => k.sessionId));
      if (rows.length) await this.#retry(rows);
    } catch (err) {
      this.#d.log(`crypto: retrying undecryptable events failed: ${String(err)}`);
    }
  }

  /** Decrypts held events again; those that now decrypt are stored with what they change. */
  async #retry(rows: EventRow[]): Promise<number> {
    const done: { row: EventRow; type: string; content: JsonObject; record: E2eeRecord }[] = [];
    const seen = new Map<string, string>();
    const slicer = new Slicer();
    const restated: { row: EventRow; record: E2eeRecord }[] = [];
    for (const row of rows) {
      await slicer.maybeYield();
      if (this.#isReplay(row.eventId, row.content, seen)) continue;
      const r = await decryptEvent(this.machine.olm, row.roomId, toRawEvent(row), this.#ctx);
      if (r.ok) done.push({ row, type: r.type, content: r.content, record: r.record });
      else if (utdReason(r.record) !== utdReason(row.e2ee))
        restated.push({ row, record: r.record });
    }
    if (restated.length) this.#restate(restated);
    if (done.length === 0) return 0;
    const { stores } = this.#d;
    const changed: ChangedEvents = new Map();
    stores.db.transaction(() => {
      for (const { row, type, content, record } of done) {
        if (!stores.events.setDecrypted(row.eventId, type, content, record)) continue;
        const ev: RawEvent = { ...toRawEvent(row), type, content, e2ee: record };
        const fx = applyTimelineEvents(stores, row.roomId, [ev], { updateState: false });
        let set = changed.get(row.roomId);
        if (!set) changed.set(row.roomId, (set = new Set()));
        set.add(row.eventId);
        for (const id of fx.updated) set.add(id);
        if (isVerificationEvent(ev)) this.#d.onVerificationEvent?.(ev, row.roomId);
      }
      for (const roomId of changed.keys()) {
        const room = stores.rooms.get(roomId);
        if (!room) continue;
        refreshPreview(stores, room);
        stores.rooms.save(room);
      }
    })();
    this.#d.onChanged(changed);
    return done.length;
  }

  /**
   * Held events that still do not decrypt, now for another reason (their key came, but only
   * from a later message on): they say so instead of waiting for it.
   */
  #restate(rows: { row: EventRow; record: E2eeRecord }[]): void {
    const { stores } = this.#d;
    const changed: ChangedEvents = new Map();
    stores.db.transaction(() => {
      for (const { row, record } of rows) {
        stores.events.setUndecryptable(row.eventId, record);
        let set = changed.get(row.roomId);
        if (!set) changed.set(row.roomId, (set = new Set()));
        set.add(row.eventId);
      }
    })();
    this.#d.onChanged(changed);
  }

  /** A key was withheld: the events waiting for it say so. */
  #withheld(keys: RoomKeyNote[]): void {
    const { stores } = this.#d;
    const rows = stores.events.undecryptedBySession(keys.map((k) => k.sessionId));
    const codes = new Map(keys.map((k) => [k.sessionId, k.withheldCode]));
    const changed: ChangedEvents = new Map();
    for (const row of rows) {
      if (!row.e2ee || row.e2ee.info.state !== 'undecryptable') continue;
      const code = row.e2ee.sessionId ? codes.get(row.e2ee.sessionId) : undefined;
      const info = { state: 'undecryptable' as const, reason: 'withheld' as const };
      stores.events.setUndecryptable(row.eventId, {
        ...row.e2ee,
        info: code ? { ...info, withheldCode: code } : info,
      });
      let set = changed.get(row.roomId);
      if (!set) changed.set(row.roomId, (set = new Set()));
      set.add(row.eventId);
    }
    if (changed.size) this.#d.onChanged(changed);
  }

  /** Releases the machine (its request loop and the retry at start finish first). */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#startRetry;
    await this.machine.close();
  }
}
