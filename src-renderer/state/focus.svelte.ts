import type { RoomId } from '../../src-main/ipc/contract';

/**
 * Where the keyboard goes after a navigation: the quick switcher, Alt+Up/Down, joining,
 * creating or accepting a room each ask for the new room's message box. The composer of that
 * room takes the request when it is (or once it is) on screen, which may be after the room
 * arrives with a `rooms.changed` (a room just created or joined).
 */
export class FocusRequests {
  #composer = $state<RoomId | undefined>();

  /** The room whose composer should take the focus, if any. */
  get composer(): RoomId | undefined {
    return this.#composer;
  }

  /** Asks for `roomId`'s composer to take the focus once it is shown. */
  focusComposer(roomId: RoomId): void {
    this.#composer = roomId;
  }

  /** Called by `roomId`'s composer: whether it should take the focus (the request ends). */
  take(roomId: RoomId): boolean {
    if (this.#composer !== roomId) return false;
    this.#composer = undefined;
    return true;
  }
}

/** The app's one set of focus requests. */
export const focusRequests = new FocusRequests();
