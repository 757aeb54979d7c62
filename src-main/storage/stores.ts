import { AccountDataStore } from './account-data-store';
import { CryptoInboxStore } from './crypto-inbox-store';
import { openDb, type Db } from './db';
import { DraftStore } from './draft-store';
import { EventStore } from './event-store';
import { QueueStore } from './queue-store';
import { ReceiptStore } from './receipt-store';
import { RelationStore } from './relation-store';
import { RoomSearch } from './room-search';
import { RoomStore } from './room-store';
import { SessionStore } from './session-store';
import { StateStore } from './state-store';
import { TimelineStore } from './timeline-store';

/** Every store of one account's database, sharing one connection. */
export type Stores = {
  db: Db;
  session: SessionStore;
  rooms: RoomStore;
  /** Rooms by address and members, for the room list's filter. */
  roomSearch: RoomSearch;
  events: EventStore;
  state: StateStore;
  timeline: TimelineStore;
  relations: RelationStore;
  receipts: ReceiptStore;
  accountData: AccountDataStore;
  cryptoInbox: CryptoInboxStore;
  queue: QueueStore;
  drafts: DraftStore;
  /** Closes the database. */
  close(): void;
};

/** Builds every store over an open (migrated) database. */
export function createStores(db: Db): Stores {
  const events = new EventStore(db);
  return {
    db,
    session: new SessionStore(db),
    rooms: new RoomStore(db),
    roomSearch: new RoomSearch(db),
    events,
    state: new StateStore(db, events),
    timeline: new TimelineStore(db, events),
    relations: new RelationStore(db),
    receipts: new ReceiptStore(db),
    accountData: new AccountDataStore(db),
    cryptoInbox: new CryptoInboxStore(db),
    queue: new QueueStore(db),
    drafts: new DraftStore(db),
    close: () => db.close(),
  };
}

/**
 * Opens (creating and migrating if needed) the account database at `path` (`:memory:` for
 * tests) and builds its stores.
 */
export function openAccountStores(path: string): Stores {
  return createStores(openDb(path));
}

/** Removes everything cached about a room (forget, rejected invite). */
export function deleteRoomData(stores: Stores, roomId: string): void {
  stores.timeline.deleteRoom(roomId);
  stores.relations.deleteRoom(roomId);
  stores.receipts.deleteRoom(roomId);
  stores.state.deleteRoom(roomId);
  stores.events.deleteRoom(roomId);
  stores.accountData.deleteRoom(roomId);
  stores.drafts.deleteRoom(roomId);
  stores.rooms.delete(roomId);
}
