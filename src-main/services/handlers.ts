import type { TimelineItem } from '../ipc/contract';
import type { Handlers } from './dispatch';
import { editContent, messageContent } from '../protocol/message-content';
import { roomSummaries } from '../storage/timeline-items';
import type { AccountSession } from './account-session';
import type { Core } from './core';
import { localEcho, queueItem } from './send-queue';

const KIND_OF_MSGTYPE: Record<string, 'text' | 'notice' | 'emote'> = {
  'm.text': 'text',
  'm.notice': 'notice',
  'm.emote': 'emote',
};

/**
 * Never send plaintext into an encrypted room: until the crypto layer lands (issue 5) such a
 * send is refused with a clear error instead.
 */
function refusePlaintextInEncrypted(session: AccountSession, roomId: string): void {
  if (session.stores.rooms.get(roomId)?.isEncrypted) {
    throw Object.assign(
      new Error('This room is encrypted; sending encrypted messages is not supported yet'),
      {
        code: 'encryption_unavailable',
      },
    );
  }
}

/** The command handlers: thin, each one delegating to a service of the active account. */
export function coreHandlers(core: Core): Handlers {
  const s = () => core.session;
  return {
    'app.version': () => ({ version: core.appVersion }),

    'account.discover': ({ server }) => core.accounts.discover(server),
    'account.login': async (req) => {
      const info = await core.accounts.login(req);
      await core.activate(info.userId);
      return info;
    },
    'account.relogin': async ({ userId, password }) => {
      const info = await core.accounts.relogin(userId, password);
      if (core.accounts.active === userId) await core.activate(userId, true);
      return info;
    },
    'account.list': () => core.accounts.list(),
    'account.switch': async ({ userId }) => {
      const info = core.accounts.switch(userId);
      await core.activate(userId);
      return info;
    },
    'account.logout': async ({ userId }) => {
      const who = userId ?? core.accounts.active;
      if (who) await core.accounts.logout(who);
      return {};
    },

    'account.setDisplayName': async ({ displayName }) => {
      const { api, userId } = s();
      await api.setDisplayName(userId, displayName);
      core.accounts.setProfile(userId, displayName);
      return {};
    },
    'devices.list': async () => {
      const { api, stores } = s();
      const own = stores.session.get()?.deviceId;
      const devices = await api.devices();
      return { devices: devices.map((d) => ({ ...d, current: d.deviceId === own })) };
    },
    'devices.rename': async ({ deviceId, displayName }) => {
      await s().api.renameDevice(deviceId, displayName);
      return {};
    },
    'devices.signOut': async ({ deviceIds, password }) => {
      const { api, userId, stores } = s();
      const own = stores.session.get()?.deviceId;
      if (own && deviceIds.includes(own)) throw new Error('Use Sign out for this session');
      await api.deleteDevices(userId, deviceIds, password);
      return {};
    },

    'sync.status': () => core.syncStatus,

    'rooms.list': () => ({ rooms: roomSummaries(s().stores) }),
    'rooms.create': async (r) => ({ roomId: await s().rooms.create(r) }),
    'rooms.join': async ({ roomIdOrAlias }) => ({ roomId: await s().rooms.join(roomIdOrAlias) }),
    'rooms.leave': async ({ roomId }) => (await s().rooms.leave(roomId), {}),
    'rooms.forget': async ({ roomId }) => (await s().rooms.forget(roomId), {}),
    'rooms.invite': async ({ roomId, userId }) => (await s().rooms.invite(roomId, userId), {}),
    'rooms.setName': async ({ roomId, name }) => (await s().rooms.setName(roomId, name), {}),
    'rooms.setTopic': async ({ roomId, topic }) => (await s().rooms.setTopic(roomId, topic), {}),
    'rooms.members': async ({ roomId }) => ({ members: await s().rooms.members(roomId) }),

    // Opening a timeline subscribes it to live deltas (see AccountSession.watch).
    'timeline.open': ({ roomId, limit }) => s().watch(roomId).timeline.open(roomId, limit),
    'timeline.paginate': ({ roomId, before, limit }) =>
      s().watch(roomId).timeline.paginate(roomId, before, limit),
    'timeline.jumpTo': ({ roomId, eventId, limit }) =>
      s().watch(roomId).timeline.jumpTo(roomId, eventId, limit),

    'message.send': (m) => {
      const session = s();
      refusePlaintextInEncrypted(session, m.roomId);
      const replyTo = m.replyTo ? session.stores.events.get(m.replyTo) : undefined;
      const content = messageContent({
        kind: m.kind,
        body: m.body,
        replyTo: replyTo ? { eventId: replyTo.eventId, sender: replyTo.sender } : undefined,
        mentions: m.mentions,
        mentionsRoom: m.mentionsRoom,
      });
      const row = session.queue.enqueue({
        roomId: m.roomId,
        kind: 'message',
        eventType: 'm.room.message',
        content,
      });
      const echo: TimelineItem = localEcho(row, session.userId);
      core.events.push('timeline.appended', { roomId: m.roomId, items: [echo], limited: false });
      return { localId: row.localId };
    },
    'message.edit': ({ roomId, eventId, body }) => {
      const session = s();
      refusePlaintextInEncrypted(session, roomId);
      const original = session.stores.events.get(eventId);
      if (!original || original.sender !== session.userId)
        throw new Error('Only your own messages can be edited');
      const kind = KIND_OF_MSGTYPE[String(original.content.msgtype)] ?? 'text';
      const content = editContent(eventId, { kind, body });
      const row = session.queue.enqueue({
        roomId,
        kind: 'edit',
        eventType: 'm.room.message',
        content,
        targetEventId: eventId,
      });
      return { localId: row.localId };
    },
    'message.react': ({ roomId, eventId, key }) => {
      const session = s();
      refusePlaintextInEncrypted(session, roomId);
      const mine = session.stores.relations
        .reactions([eventId], session.userId)
        .get(eventId)
        ?.find((r) => r.key === key)?.mine;
      const row = mine
        ? session.queue.enqueue({
            roomId,
            kind: 'redaction',
            eventType: 'm.room.redaction',
            content: {},
            targetEventId: mine,
          })
        : session.queue.enqueue({
            roomId,
            kind: 'reaction',
            eventType: 'm.reaction',
            content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: eventId, key } },
            targetEventId: eventId,
          });
      return { localId: row.localId };
    },
    'message.redact': ({ roomId, eventId, reason }) => {
      const content = reason ? { reason } : {};
      const row = s().queue.enqueue({
        roomId,
        kind: 'redaction',
        eventType: 'm.room.redaction',
        content,
        targetEventId: eventId,
      });
      return { localId: row.localId };
    },
    'queue.retry': ({ localId }) => (s().queue.retry(localId), {}),
    'queue.cancel': ({ localId }) => (s().queue.cancel(localId), {}),
    'queue.list': () => ({ items: s().queue.list().map(queueItem) }),

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

    'events.since': ({ afterSeq }) => core.events.since(afterSeq),
  };
}
