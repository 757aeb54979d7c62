/**
 * The demo's peer bot, Ada: our own core signed in as her, in this process, so she reads and
 * writes end-to-end encrypted rooms as well as plain ones. Her core keeps its data in a folder
 * of its own (the demo's `ada/`): her device and keys stay the same across runs.
 *
 * She accepts invites and answers whenever someone writes to her in a direct chat or mentions
 * her in a room: a read receipt, a typing notification, then a friendly reply. She learns of
 * news from `rooms.changed` (pushed after every committed sync, and when a message is decrypted
 * late) and reads the room's latest page from her core's cache.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Core } from '../../src-main/core/core';
import type { RoomSummary, TimelineItem } from '../../src-main/ipc/contract';
import { replyTo } from './bot-replies';
import { call, signIn, synced, until, type Credentials } from './core-calls';

/** How to start a {@link PeerBot}. */
export type PeerBotOptions = Omit<Credentials, 'deviceName'> & {
  /** Her display name, which a message names her by ("Ada, are you there?"). */
  name: string;
  /** Her core's folder: account, cache and crypto store. */
  dataDir: string;
  /** The version her core reports. */
  appVersion: string;
  /** How long she shows as typing before she answers (default 1,200 ms). */
  typingMs?: number;
  /** Where she reports what she does and what failed (default: nowhere). */
  log?: (line: string) => void;
};

/** How many of a changed room's latest items she reads for messages to answer. */
const PAGE = 20;

/** A running peer bot; {@link PeerBot.start} starts her core and signs her in. */
export class PeerBot {
  readonly userId: string;
  /** Her core's device, the same across runs. */
  readonly deviceId: string;
  readonly #core: Core;
  readonly #opts: PeerBotOptions;
  /** Messages from before she started are history, not questions. */
  readonly #since: number;
  readonly #rooms = new Map<string, RoomSummary>();
  /** Messages she answers (or is answering), so no news is answered twice. */
  readonly #taken = new Set<string>();
  readonly #stopping = new AbortController();
  readonly #work = new Set<Promise<void>>();
  #answered = 0;
  #off: () => void = () => undefined;

  private constructor(
    core: Core,
    account: { userId: string; deviceId: string },
    since: number,
    o: PeerBotOptions,
  ) {
    this.#core = core;
    this.#since = since;
    this.userId = account.userId;
    this.deviceId = account.deviceId;
    this.#opts = o;
  }

  /** Starts her core (signing her in the first time), waits for its sync, starts answering. */
  static async start(opts: PeerBotOptions): Promise<PeerBot> {
    const since = Date.now();
    const core = new Core(opts.dataDir, opts.appVersion);
    try {
      await core.start();
      const { accounts } = await call(core, 'account.list', {});
      const account = await signIn(core, { ...opts, deviceName: 'Demo peer bot' });
      // Signed in just now: her rooms arrive with the first sync. (Later runs read the cache,
      // and the first sync is a long-poll that may well wait for news.)
      if (!accounts.some((a) => a.userId === account.userId)) await synced(core);
      const bot = new PeerBot(core, account, since, opts);
      bot.#off = core.onEvent((e) => {
        if (e.type === 'rooms.changed') bot.#roomsChanged(e.data.rooms, e.data.removed);
      });
      bot.#roomsChanged((await call(core, 'rooms.list', {})).rooms, []);
      return bot;
    } catch (err) {
      await core.close();
      throw err;
    }
  }

  /** How many messages she has answered. */
  get answered(): number {
    return this.#answered;
  }

  /**
   * Sends `lines` into a room she is in, one message each, and waits until the server has
   * them all (encrypted first in an encrypted room).
   */
  async say(roomId: string, lines: readonly string[]): Promise<void> {
    for (const body of lines) {
      const { localId } = await call(this.#core, 'message.send', { roomId, kind: 'text', body });
      await until(
        this.#core,
        ['queue.changed'],
        async () => {
          const { items } = await call(this.#core, 'queue.list', {});
          const item = items.find((i) => i.localId === localId);
          if (item?.state === 'failed') throw new Error(`could not send: ${item.error}`);
          return item ? undefined : true;
        },
        `${this.#opts.name}'s message to be sent`,
      );
    }
  }

  /** Stops answering, waits for answers in progress to end, and closes her core. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#off();
    await Promise.allSettled([...this.#work]);
    await this.#core.close();
  }

  #log(line: string): void {
    this.#opts.log?.(`peer bot: ${line}`);
  }

  #roomsChanged(rooms: readonly RoomSummary[], removed: readonly string[]): void {
    if (this.#stopping.signal.aborted) return;
    for (const roomId of removed) this.#rooms.delete(roomId);
    for (const room of rooms) {
      this.#rooms.set(room.roomId, room);
      if (room.membership === 'invite') this.#track(this.#accept(room));
      else if (room.membership === 'join') this.#track(this.#read(room.roomId));
    }
  }

  async #accept(room: RoomSummary): Promise<void> {
    try {
      await call(this.#core, 'rooms.join', { roomIdOrAlias: room.roomId });
      this.#log(`joined ${room.roomId}${room.isDirect ? ' (direct chat)' : ''}`);
    } catch (err) {
      if (!this.#stopping.signal.aborted) {
        this.#log(`could not join ${room.roomId}: ${messageOf(err)}`);
      }
    }
  }

  /** Reads the room's latest items and answers those that ask for it. */
  async #read(roomId: string): Promise<void> {
    let items: TimelineItem[];
    try {
      items = (await call(this.#core, 'timeline.open', { roomId, limit: PAGE })).items;
    } catch (err) {
      if (!this.#stopping.signal.aborted) this.#log(`could not read ${roomId}: ${messageOf(err)}`);
      return;
    }
    for (const item of items) {
      if (this.#stopping.signal.aborted || !this.#shouldAnswer(roomId, item)) continue;
      this.#taken.add(item.eventId);
      this.#track(this.#answer(roomId, item));
    }
  }

  #isDirect(roomId: string): boolean {
    const room = this.#rooms.get(roomId);
    return room !== undefined && (room.isDirect || room.joinedMembers <= 2);
  }

  #shouldAnswer(roomId: string, item: TimelineItem): boolean {
    if (item.local || item.sender === this.userId || item.ts < this.#since) return false;
    if (item.type !== 'm.room.message' || item.redacted || this.#taken.has(item.eventId)) {
      return false; // an undecryptable message comes again once it decrypts
    }
    const { msgtype, body } = item.content;
    if (typeof body !== 'string') return false;
    if (msgtype !== 'm.text' && msgtype !== 'm.emote') return false; // never answer notices
    if (this.#isDirect(roomId)) return true;
    const mentions = item.content['m.mentions'] as { user_ids?: unknown } | undefined;
    const mentioned = Array.isArray(mentions?.user_ids) && mentions.user_ids.includes(this.userId);
    return mentioned || namePattern(this.#opts.name).test(body);
  }

  /** Read receipt, typing, a pause, the reply, typing off. */
  async #answer(roomId: string, item: TimelineItem): Promise<void> {
    const signal = this.#stopping.signal;
    const core = this.#core;
    const direct = this.#isDirect(roomId);
    const senderName = (item.senderName ?? item.sender.replace(/^@|:.*$/g, '')).split(' ')[0]!;
    const incoming = {
      body: String(item.content.body),
      senderName,
      direct,
      botName: this.#opts.name,
    };
    const body = replyTo(incoming, this.#answered);
    try {
      await call(core, 'receipt.send', { roomId, eventId: item.eventId });
      await call(core, 'typing.set', { roomId, typing: true });
      await sleep(this.#opts.typingMs ?? 1_200, undefined, { signal });
      const replyToId = direct ? undefined : item.eventId;
      await call(core, 'message.send', { roomId, kind: 'text', body, replyTo: replyToId });
      this.#answered++;
      await call(core, 'typing.set', { roomId, typing: false });
      this.#log(`answered ${item.sender} in ${roomId}`);
    } catch (err) {
      if (!signal.aborted) this.#log(`could not answer in ${roomId}: ${messageOf(err)}`);
    }
  }

  #track(work: Promise<void>): void {
    this.#work.add(work);
    void work.finally(() => this.#work.delete(work));
  }
}

/** The bot's name as a whole word, any case. */
export function namePattern(name: string): RegExp {
  return new RegExp(`(^|\\W)${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\W|$)`, 'i');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
