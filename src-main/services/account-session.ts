import type { SyncStatus } from '../model/sync-status';
import type { EventLog } from './event-log';
import type { MatrixApi } from '../net/api';
import type { IngestResult } from '../sync/ingest';
import { createStores, type Stores } from '../storage/stores';
import { roomSummaries } from '../sync/timeline-items';
import type { Db } from '../storage/db';
import type { SecretStore } from '../storage/secret-store';
import { RoomService } from './room-service';
import { MessageService } from './message-service';
import { localEcho, SendQueue } from './send-queue';
import { SyncService, type SyncDeps } from './sync-service';
import { TimelineService } from './timeline-service';
import type { CryptoMachine } from '../crypto/machine';
import { CryptoService, type ChangedEvents } from './crypto-service';
import { BackupService } from './backup-service';
import type { RawEvent } from '../protocol/events';
import type { ToDeviceEvent } from '../protocol/sync';
import { VerificationService } from './verification-service';
import { directChat } from './direct-chat';

/** How many recently opened timelines keep receiving live deltas. */
const MAX_WATCHED = 16;

export type AccountSessionDeps = {
  userId: string;
  db: Db;
  api: MatrixApi;
  events: EventLog;
  /**
   * The secrets of this computer's accounts: the crypto layer takes the key of its store from
   * here (`cryptoStoreKey(secrets, userId, deviceId)`).
   */
  secrets: SecretStore;
  /** The server ended our session (`soft`: the device survives). */
  onLoggedOut: (soft: boolean) => void;
  log: (msg: string) => void;
  /** Long-poll and timeout of the sync loop (tests shorten them). */
  syncTiming?: Pick<SyncDeps, 'longPollMs' | 'syncTimeoutMs'>;
  /** The account's crypto machine, opened (absent: nothing is encrypted or decrypted). */
  crypto?: CryptoMachine;
  /** Verification events after decryption (for the verification service). */
  onVerificationEvent?: (ev: ToDeviceEvent | RawEvent, roomId?: string) => void;
};

/**
 * The services of one signed-in account over its database: sync, send queue, timelines and room
 * operations. Turns committed changes into the deltas the renderer receives.
 */
export class AccountSession {
  readonly userId: string;
  readonly stores: Stores;
  readonly api: MatrixApi;
  /** Where this account's secrets are kept (see {@link AccountSessionDeps.secrets}). */
  readonly secrets: SecretStore;
  readonly sync: SyncService;
  readonly queue: SendQueue;
  readonly timeline: TimelineService;
  readonly rooms: RoomService;
  readonly messages: MessageService;
  /** End-to-end encryption, when the account's crypto machine runs. */
  readonly crypto: CryptoService | undefined;
  /** Cross-signing and secure backup, when the account's crypto machine runs. */
  readonly backup: BackupService | undefined;
  /** Interactive verification, when the account's crypto machine runs. */
  readonly verification: VerificationService | undefined;
  #events: EventLog;
  /**
   * Set (to why, for people) when the disk refused writes at start: the services serve the
   * cache only, and `start` is not called.
   */
  readOnly: string | undefined;
  /** Rooms whose timeline the renderer opened recently: only they get timeline deltas. */
  #watched = new Set<string>();

  constructor(d: AccountSessionDeps) {
    this.userId = d.userId;
    this.api = d.api;
    this.secrets = d.secrets;
    this.#events = d.events;
    this.stores = createStores(d.db);
    const base = { api: d.api, stores: this.stores, userId: d.userId, log: d.log };
    this.rooms = new RoomService({ ...base, onRoomsChanged: (c, r) => this.pushRooms(c, r) });
    this.crypto = d.crypto
      ? new CryptoService({
          machine: d.crypto,
          stores: this.stores,
          userId: d.userId,
          members: (roomId) => this.#membership(roomId),
          onChanged: (changed) => this.#pushChanged(changed),
          onDevicesChanged: (userIds) => this.#events.push('crypto.devicesChanged', { userIds }),
          onVerificationEvent: (ev, roomId) => {
            this.verification?.receive(ev, roomId);
            d.onVerificationEvent?.(ev, roomId);
          },
          log: d.log,
        })
      : undefined;
    const crypto = this.crypto;
    this.backup = crypto
      ? new BackupService({
          machine: crypto.machine,
          api: d.api,
          stores: this.stores,
          userId: d.userId,
          retryAll: () => crypto.retryAll(),
          onStatus: (status) => this.#events.push('crypto.status', status),
          log: d.log,
        })
      : undefined;
    this.verification = crypto
      ? new VerificationService({
          machine: crypto.machine,
          encrypt: (roomId, type, content) => crypto.encrypt(roomId, type, content),
          directChat: (userId) =>
            directChat({ stores: this.stores, rooms: this.rooms, events: d.events }, userId),
          events: d.events,
          log: d.log,
        })
      : undefined;
    this.timeline = new TimelineService({
      ...base,
      decrypt: crypto ? (roomId, events) => crypto.decryptEvents(roomId, events) : undefined,
    });
    this.queue = new SendQueue({
      ...base,
      encrypt: crypto
        ? (roomId, type, content) => crypto.encrypt(roomId, type, content)
        : undefined,
      onChange: (item, removed) => {
        this.#events.push('queue.changed', removed ? { item, removed } : { item });
        if (item.kind !== 'message') return;
        const echoId = `local:${item.localId}`;
        if (removed) {
          this.#events.push('timeline.removed', { roomId: item.roomId, eventIds: [echoId] });
          return;
        }
        const row = this.stores.queue.get(item.localId);
        if (row)
          this.#events.push('timeline.updated', {
            roomId: item.roomId,
            items: [localEcho(row, d.userId)],
          });
      },
    });
    this.messages = new MessageService({
      stores: this.stores,
      queue: this.queue,
      userId: d.userId,
      onEcho: (roomId, echo) =>
        this.#events.push('timeline.appended', { roomId, items: [echo], limited: false }),
      canEncrypt: () => crypto !== undefined,
    });
    this.sync = new SyncService({
      ...base,
      ...d.syncTiming,
      decrypt: crypto ? (changes) => crypto.beforeIngest(changes) : undefined,
      onIngested: (result) => this.#pushIngested(result),
      onStatus: (s) => this.#onStatus(s),
      onLoggedOut: d.onLoggedOut,
    });
  }

  start(): void {
    this.sync.start();
    this.queue.kick();
    this.backup?.kick();
    void this.crypto?.retryAtStart(); // keys stored just before the last stop
  }

  async stop(): Promise<void> {
    await Promise.all([this.queue.close(), this.sync.stop()]);
    await this.backup?.close();
    await this.verification?.close();
    await this.crypto?.close();
  }

  /** Joined and invited members of a room, complete (who gets the room key). */
  async #membership(roomId: string): Promise<{ joined: string[]; invited: string[] }> {
    const members = await this.rooms.members(roomId);
    const of = (m: string) => members.filter((x) => x.membership === m).map((x) => x.userId);
    return { joined: of('join'), invited: of('invite') };
  }

  /** Held events changed outside a sync response (decrypted late): push them. */
  #pushChanged(changed: ChangedEvents): void {
    this.pushRooms([...changed.keys()], []);
    for (const [roomId, ids] of changed) {
      if (!this.#watched.has(roomId)) continue;
      const items = this.timeline.items([...ids]);
      if (items.length) this.#events.push('timeline.updated', { roomId, items });
      // Decrypted into something that is not an item of its own (a reaction, an edit).
      const shown = new Set(items.map((i) => i.eventId));
      const gone = [...ids].filter((id) => !shown.has(id));
      if (gone.length) this.#events.push('timeline.removed', { roomId, eventIds: gone });
    }
  }

  /**
   * Marks a room's timeline as shown, so live events reach it as `timeline.*` deltas. Other
   * rooms only get their summary (`rooms.changed`) and read the cache when opened, which keeps
   * the initial sync of a thousand rooms from building items nobody looks at.
   */
  watch(roomId: string): this {
    this.#watched.delete(roomId);
    this.#watched.add(roomId);
    if (this.#watched.size > MAX_WATCHED)
      this.#watched.delete(this.#watched.values().next().value!);
    return this;
  }

  /** Our direct chat with `userId`: the existing one, or a new encrypted one once synced. */
  directChat(userId: string): Promise<string> {
    return directChat({ stores: this.stores, rooms: this.rooms, events: this.#events }, userId);
  }

  pushRooms(changed: readonly string[], removed: readonly string[]): void {
    if (changed.length === 0 && removed.length === 0) return;
    const rooms = changed.length ? roomSummaries(this.stores, changed) : [];
    this.#events.push('rooms.changed', { rooms, removed: [...removed] });
  }

  #onStatus(s: SyncStatus): void {
    this.#events.push('sync.status', s);
    if (s.state === 'ok') this.queue.kick(); // back online: send what waited
  }

  /** After a sync response committed: push what changed, entries it retired included. */
  #pushIngested(result: IngestResult): void {
    this.queue.retired(result.retired);
    this.backup?.kick(); // room keys that came with the response
    this.pushRooms(result.changedRooms, result.removedRooms);
    for (const [roomId, { eventIds, limited }] of result.appended) {
      if (!this.#watched.has(roomId)) continue;
      const items = this.timeline.items(eventIds);
      if (items.length || limited)
        this.#events.push('timeline.appended', { roomId, items, limited });
    }
    for (const [roomId, ids] of result.updated) {
      if (!this.#watched.has(roomId)) continue;
      const items = this.timeline.items(ids);
      if (items.length) this.#events.push('timeline.updated', { roomId, items });
    }
    for (const [roomId, receipts] of result.receipts) {
      this.#events.push('receipts.changed', { roomId, receipts });
    }
    for (const [roomId, userIds] of result.typing)
      this.#events.push('typing.changed', { roomId, userIds });
  }
}
