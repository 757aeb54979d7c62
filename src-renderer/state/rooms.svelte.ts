/* eslint-disable svelte/prefer-svelte-reactivity -- the rooms map is never mutated: each
   change builds a new Map into a $state.raw field, one signal for the whole list. */
import type {
  AppEventData,
  Bridge,
  RoomId,
  RoomSummary,
  UserId,
} from '../../src-main/ipc/contract';
import { getBridge } from '../lib/bridge';
import { DeltaBuffer } from '../lib/delta-buffer';
import { buildSections, filterSections, sectionOf, type RoomSection } from '../lib/room-sections';

type RoomsDelta = AppEventData['rooms.changed'];

const LAST_ROOM_KEY = 'lightmatrix.lastRoom.';

/**
 * The active account's rooms: the cached list loaded once per sign-in with `rooms.list`, then
 * kept current by `rooms.changed` deltas (full summaries, upserted, or removed). Also which
 * room is selected, and the room list's filter.
 */
export class RoomsState {
  readonly #bridge: Bridge | undefined;
  #byId = $state.raw(new Map<RoomId, RoomSummary>());
  #selectedId = $state<RoomId | undefined>();
  #filter = $state('');
  /** Rooms the core found for a filter by address or member (names match here). */
  #filterHits = $state.raw<{ query: string; ids: ReadonlySet<RoomId> }>({
    query: '',
    ids: new Set(),
  });
  #filterSeq = 0;
  #userId: UserId | undefined;
  #loaded = $state(false);
  /** Deltas heard while `rooms.list` is in flight, applied again on top of its answer. */
  readonly #deltas = new DeltaBuffer<RoomsDelta>();

  #all = $derived([...this.#byId.values()]);
  #sections = $derived(buildSections(this.#byId.values()));
  #filtered = $derived(
    filterSections(
      this.#sections,
      this.#filter,
      this.#filterHits.query === this.#filter ? this.#filterHits.ids : undefined,
    ),
  );
  /** The rooms in the order the (filtered) list shows them, for moving between rooms. */
  #order = $derived(this.#filtered.flatMap((s) => s.rooms));

  constructor(bridge: Bridge | undefined) {
    this.#bridge = bridge;
    bridge?.on('rooms.changed', ({ data }) => {
      this.#deltas.hold(data);
      this.#applyDelta(data);
    });
  }

  /** Every room, in no particular order. */
  get all(): RoomSummary[] {
    return this.#all;
  }

  /** Invites, Favourites, People, Rooms, Low priority; each sorted by latest activity. */
  get sections(): RoomSection[] {
    return this.#sections;
  }

  /** {@link sections} with only the rooms matching {@link filter}. */
  get filteredSections(): RoomSection[] {
    return this.#filtered;
  }

  /** Whether the list for the current account has arrived. */
  get loaded(): boolean {
    return this.#loaded;
  }

  get filter(): string {
    return this.#filter;
  }
  set filter(value: string) {
    this.#filter = value;
    void this.#search(value);
  }

  /** Asks the core which rooms match `query` by address or member; the latest answer wins. */
  async #search(query: string): Promise<void> {
    const seq = ++this.#filterSeq;
    if (!query.trim() || !this.#bridge) return;
    const result = await this.#bridge.invoke('rooms.search', { query });
    if (seq !== this.#filterSeq) return;
    if (!result.ok) {
      console.error('rooms: cannot search rooms', result.error);
      return;
    }
    this.#filterHits = { query, ids: new Set(result.value.roomIds) };
  }

  get selectedId(): RoomId | undefined {
    return this.#selectedId;
  }

  /** The selected room, once its summary is known. */
  get selected(): RoomSummary | undefined {
    return this.#selectedId ? this.#byId.get(this.#selectedId) : undefined;
  }

  get(roomId: RoomId): RoomSummary | undefined {
    return this.#byId.get(roomId);
  }

  /** Selects a room (or nothing) and remembers it for the next start. */
  select(roomId: RoomId | undefined): void {
    this.#selectedId = roomId;
    if (!this.#userId) return;
    try {
      if (roomId) localStorage.setItem(LAST_ROOM_KEY + this.#userId, roomId);
      else localStorage.removeItem(LAST_ROOM_KEY + this.#userId);
    } catch {
      // Not remembering the room is fine.
    }
  }

  /** Selects the room `delta` places after (or before) the selected one in the list's order. */
  selectRelative(delta: number): void {
    const order = this.#order;
    if (order.length === 0) return;
    const i = order.findIndex((r) => r.roomId === this.#selectedId);
    const next = i < 0 ? (delta > 0 ? 0 : order.length - 1) : i + delta;
    const room = order[Math.max(0, Math.min(order.length - 1, next))];
    if (room) this.select(room.roomId);
  }

  /**
   * Loads the rooms of `userId` from the core's cache (after sign-in, or a switch), and
   * selects the room that was open last time. `undefined` clears everything (signed out).
   */
  async load(userId: UserId | undefined): Promise<void> {
    if (userId !== this.#userId) {
      this.#byId = new Map();
      this.#selectedId = undefined;
      this.#loaded = false;
      this.#deltas.cancel();
    }
    this.#userId = userId;
    const bridge = this.#bridge;
    if (!userId || !bridge) return;
    const loaded = await this.#deltas.load(() => bridge.invoke('rooms.list', {}));
    // Superseded by a newer load, or signed out or switched meanwhile.
    if (!loaded || userId !== this.#userId) return;
    const { result, held } = loaded;
    if (!result.ok) {
      console.error('rooms: cannot list rooms', result.error);
      return;
    }
    this.#byId = new Map(result.value.rooms.map((r) => [r.roomId, r]));
    for (const delta of held) this.#applyDelta(delta);
    this.#loaded = true;
    if (this.#selectedId === undefined) this.#restoreSelection(userId);
  }

  #restoreSelection(userId: UserId): void {
    let last: string | null;
    try {
      last = localStorage.getItem(LAST_ROOM_KEY + userId);
    } catch {
      return;
    }
    const room = last ? this.#byId.get(last) : undefined;
    if (room && sectionOf(room)) this.#selectedId = room.roomId;
  }

  #applyDelta({ rooms, removed }: RoomsDelta): void {
    if (rooms.length === 0 && removed.length === 0) return;
    const next = new Map(this.#byId);
    for (const room of rooms) next.set(room.roomId, room);
    for (const roomId of removed) next.delete(roomId);
    this.#byId = next;
    const selected = this.#selectedId ? next.get(this.#selectedId) : undefined;
    if (
      this.#selectedId &&
      (removed.includes(this.#selectedId) || (selected && !sectionOf(selected)))
    ) {
      this.select(undefined);
    }
  }
}

/** The app's one room list. */
export const rooms = new RoomsState(getBridge());
