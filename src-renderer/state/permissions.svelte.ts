/* eslint-disable svelte/prefer-svelte-reactivity -- the map is never mutated: each change
   builds a new Map into a $state.raw field. */
import type { Bridge, RoomId, RoomPermissions } from '../../src-main/ipc/contract';
import { getBridge } from '../lib/bridge';

/** The types whose change can change what we may do. */
const RELEVANT = new Set(['m.room.power_levels', 'm.room.create', 'm.room.member']);

/**
 * What the account may do in the rooms someone looked at (`rooms.permissions`), read when a
 * component first watches a room and again when a power levels (or membership) event of it
 * arrives. Controls are offered only when allowed; until known, nothing is offered.
 */
export class PermissionsState {
  readonly #bridge: Bridge | undefined;
  #byRoom = $state.raw<ReadonlyMap<RoomId, RoomPermissions>>(new Map());
  readonly #watched = new Set<RoomId>();
  readonly #reads = new Map<RoomId, number>();

  constructor(bridge: Bridge | undefined) {
    this.#bridge = bridge;
    bridge?.on('timeline.appended', ({ data }) => {
      if (!this.#watched.has(data.roomId)) return;
      if (data.items.some((i) => RELEVANT.has(i.type))) void this.refresh(data.roomId);
    });
    bridge?.on('account.changed', () => {
      this.#watched.clear();
      this.#byRoom = new Map();
    });
  }

  /** What we may do in `roomId`, once read. */
  of(roomId: RoomId): RoomPermissions | undefined {
    return this.#byRoom.get(roomId);
  }

  /**
   * Reads the room's permissions (again: they may have changed while the room was closed, when
   * no timeline events came for it), and keeps them current while its timeline is live.
   */
  watch(roomId: RoomId): void {
    this.#watched.add(roomId);
    void this.refresh(roomId);
  }

  /** Reads them again (after we changed power levels, say). */
  async refresh(roomId: RoomId): Promise<void> {
    const bridge = this.#bridge;
    if (!bridge) return;
    const read = (this.#reads.get(roomId) ?? 0) + 1;
    this.#reads.set(roomId, read);
    const result = await bridge.invoke('rooms.permissions', { roomId });
    if (read !== this.#reads.get(roomId) || !result.ok) return;
    this.#byRoom = new Map(this.#byRoom).set(roomId, result.value);
  }
}

/** The app's one permissions cache. */
export const permissions = new PermissionsState(getBridge());
