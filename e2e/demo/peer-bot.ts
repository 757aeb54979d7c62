/**
 * The demo's peer bot: a small Matrix client of its own (the core's `net/` client, long-polling
 * `/sync`) that accepts invites and answers whenever someone writes to it in a direct chat or
 * mentions it in a room: a read receipt, a typing notification, then a friendly reply.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MatrixApi } from '../../src-main/net/api';
import { HomeserverClient } from '../../src-main/net/http';
import { isObject, strings, type JsonObject, type RawEvent } from '../../src-main/protocol/events';
import { messageContent } from '../../src-main/protocol/message-content';
import { relationOf } from '../../src-main/protocol/relations';
import { parseSync, type RoomChanges, type SyncChanges } from '../../src-main/protocol/sync';
import { replyTo } from './bot-replies';

/** How to start a {@link PeerBot}. */
export type PeerBotOptions = {
  /** The homeserver's base URL. */
  homeserver: string;
  username: string;
  password: string;
  /** How long the bot shows as typing before it answers (default 1,200 ms). */
  typingMs?: number;
  /** The `/sync` long-poll timeout (default 30 s). */
  pollTimeoutMs?: number;
  /** Where the bot reports what it does and what failed (default: nowhere). */
  log?: (line: string) => void;
};

/** Full member state, a modest timeline, only the account data the bot reads. */
const FILTER: JsonObject = {
  room: {
    timeline: { limit: 30 },
    state: { lazy_load_members: false },
    ephemeral: { types: [] },
    account_data: { types: [] },
  },
  presence: { types: [] },
  account_data: { types: ['m.direct'] },
};

/** One device for the bot across runs, so restarts do not pile up devices. */
const DEVICE_ID = 'DEMOPEERBOT';

type RoomInfo = { names: Map<string, string>; joined: Set<string>; direct: boolean };

/** A running peer bot; {@link PeerBot.start} signs it in and starts its sync loop. */
export class PeerBot {
  readonly userId: string;
  readonly #api: MatrixApi;
  readonly #opts: PeerBotOptions;
  /** Its display name, which a message names it by ("Ada, are you there?"). */
  readonly #name: string;
  readonly #rooms = new Map<string, RoomInfo>();
  /** Rooms listed in the bot's `m.direct`. */
  #direct = new Set<string>();
  readonly #stopping = new AbortController();
  readonly #work = new Set<Promise<void>>();
  #since: string;
  #answered = 0;
  #txn = 0;
  #loop: Promise<void> = Promise.resolve();

  private constructor(
    api: MatrixApi,
    user: { userId: string; name: string },
    since: string,
    opts: PeerBotOptions,
  ) {
    this.#api = api;
    this.userId = user.userId;
    this.#name = user.name;
    this.#since = since;
    this.#opts = opts;
  }

  /** Signs the bot in, reads where it is (answering nothing from before), and starts syncing. */
  static async start(opts: PeerBotOptions): Promise<PeerBot> {
    const client = new HomeserverClient({ baseUrl: opts.homeserver });
    const api = new MatrixApi(client);
    api.setVersions((await api.versions()).versions);
    const login = await api.loginPassword({
      user: opts.username,
      password: opts.password,
      deviceId: DEVICE_ID,
      deviceName: 'Demo peer bot',
    });
    client.setAccessToken(login.accessToken);
    const name = (await api.profile(login.userId)).displayName ?? opts.username;
    const first = parseSync(await api.sync({ timeoutMs: 0, filter: FILTER }));
    const bot = new PeerBot(api, { userId: login.userId, name }, first.nextBatch, opts);
    bot.#absorb(first, false);
    bot.#loop = bot.#run();
    return bot;
  }

  /** How many messages the bot has answered. */
  get answered(): number {
    return this.#answered;
  }

  /** Stops syncing and waits for answers in progress to end. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#api.client.close();
    await Promise.allSettled([this.#loop, ...this.#work]);
  }

  #log(line: string): void {
    this.#opts.log?.(`peer bot: ${line}`);
  }

  async #run(): Promise<void> {
    const signal = this.#stopping.signal;
    let backoffMs = 1_000;
    while (!signal.aborted) {
      try {
        const timeoutMs = this.#opts.pollTimeoutMs ?? 30_000;
        const json = await this.#api.sync(
          { since: this.#since, timeoutMs, filter: FILTER },
          signal,
        );
        const changes = parseSync(json);
        this.#since = changes.nextBatch;
        this.#absorb(changes, true);
        backoffMs = 1_000;
      } catch (err) {
        if (signal.aborted) return;
        this.#log(`sync failed (${messageOf(err)}), again in ${backoffMs / 1000} s`);
        await sleep(backoffMs, undefined, { signal }).catch(() => undefined);
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  }

  /** Takes in one sync response; `live` ones are answered, the first one only read. */
  #absorb(changes: SyncChanges, live: boolean): void {
    const direct = changes.accountData.find((a) => a.type === 'm.direct');
    if (direct) {
      this.#direct = new Set(Object.values(direct.content).flatMap((v) => strings(v)));
    }
    for (const room of changes.rooms) {
      if (room.membership === 'invite') this.#track(this.#accept(room));
      else if (room.membership === 'join') this.#joined(room, live);
      else this.#rooms.delete(room.roomId);
    }
  }

  /** Joins a room it was invited to, remembering whether the invite was for a direct chat. */
  async #accept(room: RoomChanges): Promise<void> {
    const own = room.strippedState?.find(
      (e) => e.type === 'm.room.member' && e.state_key === this.userId,
    );
    const info = this.#room(room.roomId);
    info.direct = own?.content.is_direct === true;
    try {
      await this.#api.join(room.roomId, {}, { signal: this.#stopping.signal });
      this.#log(`joined ${room.roomId}${info.direct ? ' (direct chat)' : ''}`);
    } catch (err) {
      this.#log(`could not join ${room.roomId}: ${messageOf(err)}`);
    }
  }

  #joined(room: RoomChanges, live: boolean): void {
    const info = this.#room(room.roomId);
    for (const e of [...room.state, ...(room.stateAfter ?? []), ...room.timeline.events]) {
      if (e.type === 'm.room.member' && e.state_key !== undefined) member(info, e);
    }
    if (!live) return;
    for (const e of room.timeline.events) {
      if (this.#shouldAnswer(room.roomId, info, e)) this.#track(this.#answer(room.roomId, info, e));
    }
  }

  #room(roomId: string): RoomInfo {
    let info = this.#rooms.get(roomId);
    if (!info) {
      info = { names: new Map(), joined: new Set(), direct: false };
      this.#rooms.set(roomId, info);
    }
    return info;
  }

  #isDirect(roomId: string, info: RoomInfo): boolean {
    return info.direct || this.#direct.has(roomId) || info.joined.size <= 2;
  }

  #shouldAnswer(roomId: string, info: RoomInfo, e: RawEvent): boolean {
    const { msgtype, body } = e.content;
    if (e.type !== 'm.room.message' || e.sender === this.userId || typeof body !== 'string') {
      return false;
    }
    if (msgtype !== 'm.text' && msgtype !== 'm.emote') return false; // never answer notices
    if (relationOf(e)?.relType === 'm.replace') return false; // nor edits
    if (this.#isDirect(roomId, info)) return true;
    const mentions = e.content['m.mentions'];
    const mentioned = isObject(mentions) && strings(mentions.user_ids).includes(this.userId);
    return mentioned || namePattern(this.#name).test(body);
  }

  /** Read receipt, typing, a pause, the reply, typing off. */
  async #answer(roomId: string, info: RoomInfo, e: RawEvent): Promise<void> {
    const signal = this.#stopping.signal;
    const direct = this.#isDirect(roomId, info);
    const senderName = (info.names.get(e.sender) ?? e.sender.replace(/^@|:.*$/g, '')).split(
      ' ',
    )[0]!;
    const incoming = { body: String(e.content.body), senderName, direct, botName: this.#name };
    const body = replyTo(incoming, this.#answered);
    try {
      await this.#api.receipt(roomId, 'm.read', e.event_id, undefined, { signal });
      await this.#api.typing(roomId, this.userId, true, 10_000, { signal });
      await sleep(this.#opts.typingMs ?? 1_200, undefined, { signal });
      const content = messageContent({
        kind: 'text',
        body,
        replyTo: direct ? undefined : { eventId: e.event_id, sender: e.sender },
      });
      const txnId = `peer-bot-${Date.now()}-${this.#txn++}`;
      await this.#api.sendEvent(roomId, 'm.room.message', txnId, content, { signal });
      this.#answered++;
      await this.#api.typing(roomId, this.userId, false, undefined, { signal });
      this.#log(`answered ${e.sender} in ${roomId}`);
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

function member(info: RoomInfo, e: RawEvent): void {
  const userId = e.state_key!;
  const name = e.content.displayname;
  if (typeof name === 'string' && name) info.names.set(userId, name);
  if (e.content.membership === 'join') info.joined.add(userId);
  else info.joined.delete(userId);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
