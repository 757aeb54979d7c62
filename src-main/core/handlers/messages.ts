import { queueItem } from '../../services/send-queue';
import type { Core } from '../core';
import type { Handlers } from '../dispatch';

type MessageCommands =
  | 'message.send'
  | 'message.edit'
  | 'message.react'
  | 'message.redact'
  | 'queue.retry'
  | 'queue.cancel'
  | 'queue.list'
  | 'drafts.get'
  | 'drafts.set';

/** What the user sends, and the outgoing queue it waits in. */
export function messageHandlers(core: Core): Pick<Handlers, MessageCommands> {
  const messages = () => core.session.messages;
  const queue = () => core.session.queue;
  return {
    'message.send': (m) => ({ localId: messages().send(m).localId }),
    'message.edit': ({ roomId, eventId, body }) => ({
      localId: messages().edit(roomId, eventId, body).localId,
    }),
    'message.react': ({ roomId, eventId, key }) => ({
      localId: messages().react(roomId, eventId, key).localId,
    }),
    'message.redact': ({ roomId, eventId, reason }) => ({
      localId: messages().redact(roomId, eventId, reason).localId,
    }),
    'queue.retry': ({ localId }) => (queue().retry(localId), {}),
    'queue.cancel': ({ localId }) => (queue().cancel(localId), {}),
    'queue.list': () => ({ items: queue().list().map(queueItem) }),
    'drafts.get': ({ roomId }) => {
      const draft = core.session.stores.drafts.get(roomId);
      return draft ? { draft } : {};
    },
    'drafts.set': ({ roomId, draft }) => (core.session.stores.drafts.set(roomId, draft), {}),
  };
}
