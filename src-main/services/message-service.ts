import type { OutgoingMessage, TimelineItem } from '../model/timeline';
import { editContent, messageContent } from '../protocol/message-content';
import type { QueueRow } from '../storage/queue-store';
import type { Stores } from '../storage/stores';
import { localEcho, type SendQueue } from './send-queue';

const KIND_OF_MSGTYPE: Record<string, 'text' | 'notice' | 'emote'> = {
  'm.text': 'text',
  'm.notice': 'notice',
  'm.emote': 'emote',
};

export type MessageDeps = {
  stores: Stores;
  queue: SendQueue;
  userId: string;
  /** A new message's local echo, to show at the end of its timeline at once. */
  onEcho: (roomId: string, echo: TimelineItem) => void;
  /** Whether this device can encrypt (its crypto machine runs). */
  canEncrypt: () => boolean;
};

/**
 * Composes what the user sends (messages, edits, reactions, redactions) into event content and
 * queues it. Never sends plaintext into an encrypted room: without a crypto machine such a send
 * is refused at once with a clear error (and the queue refuses it again when sending).
 */
export class MessageService {
  #d: MessageDeps;

  constructor(deps: MessageDeps) {
    this.#d = deps;
  }

  /** Queues a message; its local echo is reported through `onEcho`. */
  send(m: OutgoingMessage): QueueRow {
    this.#refusePlaintextInEncrypted(m.roomId);
    const replyTo = m.replyTo ? this.#d.stores.events.get(m.replyTo) : undefined;
    const content = messageContent({
      kind: m.kind,
      body: m.body,
      format: m.format,
      pills: m.pills,
      replyTo: replyTo ? { eventId: replyTo.eventId, sender: replyTo.sender } : undefined,
      mentions: m.mentions,
      mentionsRoom: m.mentionsRoom,
      sender: this.#d.userId,
    });
    const row = this.#d.queue.enqueue({
      roomId: m.roomId,
      kind: 'message',
      eventType: 'm.room.message',
      content,
    });
    this.#d.onEcho(m.roomId, localEcho(row, this.#d.userId));
    return row;
  }

  /** Queues an edit (`m.replace`) of one of our own messages. */
  edit(roomId: string, eventId: string, body: string): QueueRow {
    this.#refusePlaintextInEncrypted(roomId);
    const original = this.#d.stores.events.get(eventId);
    if (!original || original.sender !== this.#d.userId)
      throw new Error('Only your own messages can be edited');
    const kind = KIND_OF_MSGTYPE[String(original.content.msgtype)] ?? 'text';
    return this.#d.queue.enqueue({
      roomId,
      kind: 'edit',
      eventType: 'm.room.message',
      content: editContent(eventId, { kind, body }),
      targetEventId: eventId,
    });
  }

  /** Queues a reaction, or the redaction of ours with the same key if there is one. */
  react(roomId: string, eventId: string, key: string): QueueRow {
    this.#refusePlaintextInEncrypted(roomId);
    const { stores, userId, queue } = this.#d;
    const mine = stores.relations
      .reactions([eventId], userId)
      .get(eventId)
      ?.find((r) => r.key === key)?.mine;
    if (mine) return this.redact(roomId, mine);
    return queue.enqueue({
      roomId,
      kind: 'reaction',
      eventType: 'm.reaction',
      content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: eventId, key } },
      targetEventId: eventId,
    });
  }

  /** Queues a redaction, with a reason if given. */
  redact(roomId: string, eventId: string, reason?: string): QueueRow {
    return this.#d.queue.enqueue({
      roomId,
      kind: 'redaction',
      eventType: 'm.room.redaction',
      content: reason ? { reason } : {},
      targetEventId: eventId,
    });
  }

  #refusePlaintextInEncrypted(roomId: string): void {
    if (!this.#d.canEncrypt() && this.#d.stores.rooms.get(roomId)?.isEncrypted) {
      throw Object.assign(
        new Error('This room is encrypted, and encryption is not available on this device'),
        { code: 'encryption_unavailable' },
      );
    }
  }
}
