import { MatrixError, forbidden, notFound } from '../errors';
import type { Homeserver } from '../hs';
import { devKey } from '../model/accounts';
import { clientEvent } from '../model/format';
import { contentOf } from '../model/rooms';
import type { Ctx, Route } from '../router';
import { objectBody, optBool, optInt, optString, type JsonObject } from '../validate';
import { toJson } from '../json-text';

type R = Route<Homeserver>;

function txnOf(ctx: Ctx<Homeserver>) {
  return { deviceKey: devKey(ctx.user.userId, ctx.user.deviceId), txnId: ctx.params.txnId! };
}

function sameJson(a: unknown, b: unknown): boolean {
  return toJson(a) === toJson(b);
}

const sending: R[] = [
  {
    method: 'PUT',
    path: '/client/v3/rooms/:roomId/send/:eventType/:txnId',
    auth: 'required',
    handler: (ctx) => {
      const room = ctx.hs.rooms.require(ctx.params.roomId!);
      const content = contentOf(ctx.body ?? {});
      const se = ctx.hs.rooms.send(
        room,
        ctx.user.userId,
        ctx.params.eventType!,
        content,
        undefined,
        txnOf(ctx),
      );
      return { event_id: se.pdu.event_id };
    },
  },
  {
    method: 'PUT',
    path: '/client/v3/rooms/:roomId/state/:eventType/:stateKey?',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      const room = hs.rooms.require(params.roomId!);
      const content = contentOf(body ?? {});
      const current = room.stateEvent(params.eventType!, params.stateKey!);
      if (current && current.sender === user.userId && sameJson(current.content, content)) {
        return { event_id: current.event_id };
      }
      const se = hs.rooms.send(room, user.userId, params.eventType!, content, params.stateKey!);
      return { event_id: se.pdu.event_id };
    },
  },
  {
    method: 'PUT',
    path: '/client/v3/rooms/:roomId/redact/:eventId/:txnId',
    auth: 'required',
    handler: (ctx) => {
      const { hs, params, user } = ctx;
      const room = hs.rooms.require(params.roomId!);
      const b = objectBody(ctx.body);
      const reason = optString(b, 'reason');
      const content: JsonObject = reason !== undefined ? { reason } : {};
      const v11 = Number(room.version) >= 11;
      if (v11) content.redacts = params.eventId;
      const extra = v11 ? {} : { redacts: params.eventId };
      const se = hs.rooms.send(
        room,
        user.userId,
        'm.room.redaction',
        content,
        undefined,
        txnOf(ctx),
        extra,
      );
      return { event_id: se.pdu.event_id };
    },
  },
];

const stateReads: R[] = [
  {
    method: 'GET',
    path: '/client/v3/rooms/:roomId/state',
    auth: 'required',
    handler: ({ hs, user, params }) => {
      const room = hs.rooms.require(params.roomId!);
      hs.rooms.requireReader(room, user.userId);
      const at =
        room.membership(user.userId) === 'join' ? Infinity : room.membershipPos(user.userId);
      const reader = { userId: user.userId, now: hs.now() };
      return [...room.stateAt(at).values()].map((id) => clientEvent(room, room.event(id)!, reader));
    },
  },
  {
    method: 'GET',
    path: '/client/v3/rooms/:roomId/state/:eventType/:stateKey?',
    auth: 'required',
    handler: ({ hs, user, params, query }) => {
      const room = hs.rooms.require(params.roomId!);
      hs.rooms.requireReader(room, user.userId);
      const at =
        room.membership(user.userId) === 'join' ? Infinity : room.membershipPos(user.userId);
      const id = room.stateId(params.eventType!, params.stateKey!, at);
      if (!id) throw notFound('Event not found');
      const se = room.event(id)!;
      if (query.get('format') === 'event')
        return clientEvent(room, se, { userId: user.userId, now: hs.now() });
      return se.pdu.content;
    },
  },
];

const ephemeral: R[] = [
  {
    method: 'PUT',
    path: '/client/v3/rooms/:roomId/typing/:userId',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      if (params.userId !== user.userId) throw forbidden('Cannot set typing for another user');
      const room = hs.rooms.require(params.roomId!);
      if (room.membership(user.userId) !== 'join') throw forbidden('You are not in the room');
      const b = objectBody(body);
      const typing = optBool(b, 'typing');
      if (typing === undefined)
        throw new MatrixError(400, 'M_MISSING_PARAM', "'typing' is required");
      const timeout = Math.min(Math.max(optInt(b, 'timeout') ?? 30000, 0), 120000);
      const wasTyping = room.typingUsers(hs.now()).includes(user.userId);
      if (typing) room.typing.set(user.userId, hs.now() + timeout);
      else room.typing.delete(user.userId);
      if (typing !== wasTyping) room.typingPos = hs.notifier.next();
      if (typing) {
        hs.later(timeout + 5, () => {
          const until = room.typing.get(user.userId);
          if (until !== undefined && until <= hs.now()) {
            room.typing.delete(user.userId);
            room.typingPos = hs.notifier.next();
          }
        });
      }
      return {};
    },
  },
  {
    method: 'POST',
    path: '/client/v3/rooms/:roomId/receipt/:receiptType/:eventId',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      const b = objectBody(body);
      putReceipt(
        hs,
        user.userId,
        params.roomId!,
        params.receiptType!,
        params.eventId!,
        optString(b, 'thread_id'),
      );
      return {};
    },
  },
  {
    method: 'POST',
    path: '/client/v3/rooms/:roomId/read_markers',
    auth: 'required',
    handler: ({ hs, user, params, body }) => {
      const b = objectBody(body);
      for (const type of ['m.fully_read', 'm.read', 'm.read.private']) {
        const id = optString(b, type);
        if (id) putReceipt(hs, user.userId, params.roomId!, type, id, undefined);
      }
      return {};
    },
  },
];

function putReceipt(
  hs: Homeserver,
  userId: string,
  roomId: string,
  type: string,
  eventId: string,
  threadId?: string,
) {
  if (!['m.read', 'm.read.private', 'm.fully_read'].includes(type)) {
    throw new MatrixError(400, 'M_INVALID_PARAM', `Unknown receipt type ${type}`);
  }
  const room = hs.rooms.require(roomId);
  if (room.membership(userId) !== 'join') throw forbidden('You are not in the room');
  const se = room.event(eventId);
  if (!se || !hs.rooms.canSee(room, userId, se)) throw notFound('Unknown event');
  if (type === 'm.fully_read') {
    if (threadId !== undefined)
      throw new MatrixError(400, 'M_INVALID_PARAM', 'm.fully_read cannot be threaded');
    hs.accountData.set(userId, roomId, 'm.fully_read', { event_id: eventId });
    return;
  }
  hs.receipts.put({
    room_id: roomId,
    type,
    user_id: userId,
    event_id: eventId,
    event_pos: se.pos,
    ts: hs.now(),
    ...(threadId !== undefined ? { thread_id: threadId } : {}),
  });
}

/** Sending events and state, redactions, typing, receipts and read markers. */
export function eventRoutes(): R[] {
  return [...sending, ...stateReads, ...ephemeral];
}
