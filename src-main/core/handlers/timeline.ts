import type { Core } from '../core';
import type { Handlers } from '../dispatch';

type TimelineCommands =
  | 'timeline.open'
  | 'timeline.paginate'
  | 'timeline.jumpTo'
  | 'receipts.list'
  | 'receipt.send'
  | 'readMarker.set'
  | 'typing.set';

/** Timelines, read receipts, the read marker and typing notices of the active account. */
export function timelineHandlers(core: Core): Pick<Handlers, TimelineCommands> {
  const s = () => core.session;
  return {
    // Opening a timeline subscribes it to live deltas (see AccountSession.watch).
    'timeline.open': ({ roomId, limit }) => s().watch(roomId).timeline.open(roomId, limit),
    'timeline.paginate': ({ roomId, before, limit }) =>
      s().watch(roomId).timeline.paginate(roomId, before, limit),
    'timeline.jumpTo': ({ roomId, eventId, limit }) =>
      s().watch(roomId).timeline.jumpTo(roomId, eventId, limit),

    'receipts.list': ({ roomId }) => ({
      receipts: s()
        .stores.receipts.forRoom(roomId, 'm.read')
        .map((r) => ({ userId: r.userId, eventId: r.eventId, ts: r.ts })),
    }),
    'receipt.send': async ({ roomId, eventId, private: priv }) => {
      await s().api.receipt(roomId, priv ? 'm.read.private' : 'm.read', eventId);
      return {};
    },
    'readMarker.set': async ({ roomId, eventId }) => {
      await s().api.receipt(roomId, 'm.fully_read', eventId);
      return {};
    },
    'typing.set': async ({ roomId, typing }) => {
      await s().api.typing(roomId, s().userId, typing);
      return {};
    },
  };
}
