import type {
  AppEventData,
  Bridge,
  IpcResult,
  Member,
  OutgoingMessage,
  TimelineItem,
  TimelinePage,
} from '../../src-main/ipc/contract';
import { getBridge } from '../lib/bridge';
import { DeltaBuffer } from '../lib/delta-buffer';
import { displayName } from '../lib/format';
import {
  indexBy,
  mergeAppended,
  olderThan,
  removeIds,
  replaceUpdated,
} from '../lib/timeline-merge';
import { session } from './session.svelte';

/** Items per page: what `timeline.open` and each back-pagination ask for. */
export const PAGE_SIZE = 50;

type Receipt = { eventId: string; ts: number };

/**
 * Typing users and read receipts of every room, heard since the app started (the core pushes
 * them for all rooms; a room opened later still knows who is typing and who read what).
 */
class RoomSignals {
  #typing = $state.raw<Record<string, string[]>>({});
  #receipts = $state.raw<Record<string, Record<string, Receipt>>>({});
  #listening = false;

  listen(bridge: Bridge | undefined): void {
    if (this.#listening || !bridge) return;
    this.#listening = true;
    bridge.on('typing.changed', ({ data }) => {
      this.#typing = { ...this.#typing, [data.roomId]: data.userIds };
    });
    bridge.on('receipts.changed', ({ data }) => this.addReceipts(data.roomId, data.receipts));
  }

  /** Merges receipts (pushed ones, or the cached ones read when a room opens), newest wins. */
  addReceipts(roomId: string, receipts: readonly ({ userId: string } & Receipt)[]): void {
    const room = { ...this.#receipts[roomId] };
    for (const r of receipts) {
      const old = room[r.userId];
      if (!old || old.ts <= r.ts) room[r.userId] = { eventId: r.eventId, ts: r.ts };
    }
    this.#receipts = { ...this.#receipts, [roomId]: room };
  }

  typing(roomId: string): string[] {
    return this.#typing[roomId] ?? [];
  }

  receipts(roomId: string): Record<string, Receipt> {
    return this.#receipts[roomId] ?? {};
  }
}

const signals = new RoomSignals();

type Delta =
  | { kind: 'appended'; data: AppEventData['timeline.appended'] }
  | { kind: 'updated'; data: AppEventData['timeline.updated'] }
  | { kind: 'removed'; data: AppEventData['timeline.removed'] };

/** Options of {@link TimelineState.send}. */
export type SendOptions = Pick<OutgoingMessage, 'replyTo' | 'mentions' | 'format' | 'pills'> & {
  /** An `m.emote` (`/me`). */
  emote?: boolean;
};

/**
 * One room's timeline as the renderer shows it: the loaded window of items (oldest first),
 * kept current by the core's `timeline.*` deltas, plus back-pagination, jumps and the actions
 * the composer and message menus use. Create one per shown room; `dispose()` when leaving.
 */
export class TimelineState {
  readonly roomId: string;
  #bridge: Bridge | undefined;
  #items = $state.raw<TimelineItem[]>([]);
  #byId = $derived(indexBy(this.#items, (i) => i.eventId));
  #loadingBefore = $state(false);
  #hasMoreBefore = $state(false);
  #hasMoreAfter = $state(false);
  #opened = $state(false);
  #error = $state<string | undefined>();
  #members = $state.raw<ReadonlyMap<string, Member>>(indexBy<Member>([], (m) => m.userId));
  #unsubscribe: (() => void)[] = [];
  /** Deltas heard while a page request is in flight, applied once it lands. */
  readonly #deltas = new DeltaBuffer<Delta>();
  /** Bumped by each page replacing the window: an older page asked for before is dropped. */
  #generation = 0;
  #lastReadSent: string | undefined;
  #disposed = false;

  constructor(roomId: string, bridge: Bridge | undefined = getBridge()) {
    this.roomId = roomId;
    this.#bridge = bridge;
    signals.listen(bridge);
    if (!bridge) return;
    const mine = (r: { roomId: string }) => r.roomId === roomId;
    this.#unsubscribe.push(
      bridge.on('timeline.appended', ({ data }) => {
        if (mine(data)) this.#delta({ kind: 'appended', data });
      }),
      bridge.on('timeline.updated', ({ data }) => {
        if (mine(data)) this.#delta({ kind: 'updated', data });
      }),
      bridge.on('timeline.removed', ({ data }) => {
        if (mine(data)) this.#delta({ kind: 'removed', data });
      }),
    );
  }

  /** The loaded items, oldest first; local echoes last. */
  get items(): TimelineItem[] {
    return this.#items;
  }
  get loadingBefore(): boolean {
    return this.#loadingBefore;
  }
  get hasMoreBefore(): boolean {
    return this.#hasMoreBefore;
  }
  /** Showing a window in the past (after a jump): newer events exist and live ones wait. */
  get hasMoreAfter(): boolean {
    return this.#hasMoreAfter;
  }
  /** The first page has arrived. */
  get opened(): boolean {
    return this.#opened;
  }
  /** Why the last page could not be loaded, for people. */
  get error(): string | undefined {
    return this.#error;
  }
  get ownUserId(): string | undefined {
    return session.account?.userId;
  }
  /** Members by user id (loaded after opening). */
  get members(): ReadonlyMap<string, Member> {
    return this.#members;
  }
  /** Other people typing now. */
  get typing(): string[] {
    return signals.typing(this.roomId).filter((u) => u !== this.ownUserId);
  }
  /** Latest public read receipt per user. */
  get receipts(): Record<string, Receipt> {
    return signals.receipts(this.roomId);
  }

  /** A loaded item by event id. */
  get(eventId: string): TimelineItem | undefined {
    return this.#byId.get(eventId);
  }

  /** A person's name in this room. */
  nameOf(userId: string): string {
    return displayName(userId, this.#members.get(userId)?.displayName);
  }

  /** Loads the latest page (again: also "jump to latest"). */
  async open(): Promise<void> {
    const bridge = this.#bridge;
    if (!bridge) return;
    if (this.#members.size === 0) void this.loadMembers();
    void bridge.invoke('receipts.list', { roomId: this.roomId }).then((r) => {
      if (r.ok) signals.addReceipts(this.roomId, r.value.receipts);
    });
    await this.#page(() =>
      bridge.invoke('timeline.open', { roomId: this.roomId, limit: PAGE_SIZE }),
    );
  }

  /** Loads the page around `eventId` (fetched from the server when not cached). */
  async jumpTo(eventId: string): Promise<boolean> {
    const bridge = this.#bridge;
    if (!bridge) return false;
    if (this.#byId.has(eventId)) return true;
    const req = { roomId: this.roomId, eventId, limit: PAGE_SIZE };
    return this.#page(() => bridge.invoke('timeline.jumpTo', req));
  }

  /**
   * Loads older items before the first loaded one (no-op while loading or at the start).
   * `beforePrepend` runs just before they are added, in the same update (to keep the list's
   * scroll position anchored).
   */
  async loadOlder(beforePrepend?: () => void): Promise<void> {
    const first = this.#items.find((i) => !i.local);
    if (!this.#bridge || this.#loadingBefore || !this.#hasMoreBefore || !first) return;
    const generation = this.#generation;
    this.#loadingBefore = true;
    const req = { roomId: this.roomId, before: first.eventId, limit: PAGE_SIZE };
    const result = await this.#bridge.invoke('timeline.paginate', req);
    if (generation !== this.#generation || this.#disposed) return;
    this.#loadingBefore = false;
    if (!result.ok) {
      this.#error = result.error.message;
      return;
    }
    this.#error = undefined;
    const older = olderThan(this.#items, result.value.items);
    if (older.length) {
      beforePrepend?.();
      this.#items = [...older, ...this.#items];
    }
    this.#hasMoreBefore = result.value.hasMoreBefore;
  }

  async loadMembers(): Promise<void> {
    const result = await this.#bridge?.invoke('rooms.members', { roomId: this.roomId });
    if (result?.ok) this.#members = indexBy(result.value.members, (m) => m.userId);
  }

  /** Sends a message; resolves to an error message, or undefined. */
  async send(text: string, options: SendOptions = {}): Promise<string | undefined> {
    const msg: OutgoingMessage = {
      roomId: this.roomId,
      kind: options.emote ? 'emote' : 'text',
      body: text,
    };
    if (options.format) msg.format = options.format;
    if (options.pills?.length) msg.pills = options.pills;
    if (options.replyTo) msg.replyTo = options.replyTo;
    if (options.mentions?.length) msg.mentions = options.mentions;
    return this.#outcome(this.#bridge?.invoke('message.send', msg));
  }
  edit(eventId: string, body: string): Promise<string | undefined> {
    return this.#outcome(
      this.#bridge?.invoke('message.edit', { roomId: this.roomId, eventId, body }),
    );
  }
  /** Adds our reaction `key`, or removes it when we already reacted so. */
  react(eventId: string, key: string): Promise<string | undefined> {
    return this.#outcome(
      this.#bridge?.invoke('message.react', { roomId: this.roomId, eventId, key }),
    );
  }
  redact(eventId: string): Promise<string | undefined> {
    return this.#outcome(this.#bridge?.invoke('message.redact', { roomId: this.roomId, eventId }));
  }
  /** Sends a failed message again. */
  retry(localId: string): Promise<string | undefined> {
    return this.#outcome(this.#bridge?.invoke('queue.retry', { localId }));
  }
  /** Drops a failed or pending message. */
  cancel(localId: string): Promise<string | undefined> {
    return this.#outcome(this.#bridge?.invoke('queue.cancel', { localId }));
  }
  setTyping(typing: boolean): void {
    void this.#bridge?.invoke('typing.set', { roomId: this.roomId, typing });
  }

  /** Our last message that can still be edited (for Up in an empty composer). */
  lastOwnMessage(): TimelineItem | undefined {
    for (let i = this.#items.length - 1; i >= 0; i--) {
      const it = this.#items[i]!;
      if (it.sender !== this.ownUserId || it.local || it.redacted) continue;
      if (it.type === 'm.room.message' && typeof it.content.body === 'string') return it;
    }
    return undefined;
  }

  /** Marks the newest loaded event read (receipt and fully-read marker), once per event. */
  markRead(): void {
    if (!this.#bridge || this.#hasMoreAfter) return;
    const last = this.#items.findLast((i) => !i.local);
    if (!last || last.eventId === this.#lastReadSent) return;
    this.#lastReadSent = last.eventId;
    const req = { roomId: this.roomId, eventId: last.eventId };
    void this.#bridge.invoke('receipt.send', req);
    void this.#bridge.invoke('readMarker.set', req);
  }

  dispose(): void {
    this.#disposed = true;
    this.#deltas.cancel();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  async #outcome(pending: Promise<IpcResult<unknown>> | undefined): Promise<string | undefined> {
    if (!pending) return 'Not connected to the core';
    const result = await pending;
    return result.ok ? undefined : result.error.message;
  }

  /** Replaces the window with a page; deltas heard meanwhile are applied after it. */
  async #page(request: () => Promise<IpcResult<TimelinePage>>): Promise<boolean> {
    this.#generation++;
    this.#loadingBefore = false;
    const loaded = await this.#deltas.load(request);
    if (!loaded || this.#disposed) return false; // superseded by a newer page, or left
    const { result, held } = loaded;
    if (!result.ok) {
      this.#error = result.error.message;
      for (const d of held) this.#apply(d);
      return false;
    }
    this.#error = undefined;
    this.#items = result.value.items;
    this.#hasMoreBefore = result.value.hasMoreBefore;
    this.#hasMoreAfter = result.value.hasMoreAfter;
    this.#opened = true;
    for (const d of held) this.#apply(d);
    return true;
  }

  #delta(d: Delta): void {
    if (!this.#deltas.hold(d)) this.#apply(d);
  }

  #apply(d: Delta): void {
    if (d.kind === 'appended') {
      if (this.#hasMoreAfter) return; // a window in the past: newer items arrive on "latest"
      if (d.data.limited && this.#opened) {
        void this.open(); // a gap before the new events: show the latest page
        return;
      }
      this.#items = mergeAppended(this.#items, d.data.items);
    } else if (d.kind === 'updated') {
      this.#items = replaceUpdated(this.#items, d.data.items);
    } else {
      this.#items = removeIds(this.#items, d.data.eventIds);
    }
  }
}
