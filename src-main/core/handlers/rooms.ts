import { roomSummaries } from '../../sync/timeline-items';
import type { Core } from '../core';
import type { Handlers } from '../dispatch';

type RoomCommands =
  | 'rooms.list'
  | 'rooms.search'
  | 'rooms.create'
  | 'rooms.join'
  | 'rooms.leave'
  | 'rooms.forget'
  | 'rooms.invite'
  | 'rooms.setName'
  | 'rooms.setTopic'
  | 'rooms.members';

/** The room list and room operations of the active account. */
export function roomHandlers(core: Core): Pick<Handlers, RoomCommands> {
  const rooms = () => core.session.rooms;
  return {
    'rooms.list': () => ({ rooms: roomSummaries(core.session.stores) }),
    'rooms.search': ({ query }) => ({
      roomIds: core.session.stores.roomSearch.match(query, core.session.userId),
    }),
    'rooms.create': async (r) => ({ roomId: await rooms().create(r) }),
    'rooms.join': async ({ roomIdOrAlias }) => ({ roomId: await rooms().join(roomIdOrAlias) }),
    'rooms.leave': async ({ roomId }) => (await rooms().leave(roomId), {}),
    'rooms.forget': async ({ roomId }) => (await rooms().forget(roomId), {}),
    'rooms.invite': async ({ roomId, userId }) => (await rooms().invite(roomId, userId), {}),
    'rooms.setName': async ({ roomId, name }) => (await rooms().setName(roomId, name), {}),
    'rooms.setTopic': async ({ roomId, topic }) => (await rooms().setTopic(roomId, topic), {}),
    'rooms.members': async ({ roomId }) => ({ members: await rooms().members(roomId) }),
  };
}
