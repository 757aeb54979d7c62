/**
 * Our core as an interop peer: started with `createCore` on a fresh data dir and driven only
 * through its public interface (`handle()` and pushed events), as the renderer drives it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../src-main/core/core';
import type {
  AppEvent,
  AppEventOf,
  AppEventType,
  CommandName,
  CommandRequest,
  CommandResponse,
  CryptoStatus,
  TimelineItem,
} from '../../src-main/ipc/contract';
import type { CoreApi } from '../../src-main/ipc/core-api';

const WAIT_MS = 30_000;

/** One device of ours: a core signed in to one account. */
export class OurDevice {
  readonly #core: CoreApi;
  readonly #dir: string;
  /** Every event pushed since the core started, in order. */
  readonly #events: AppEvent[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(core: CoreApi, dir: string) {
    this.#core = core;
    this.#dir = dir;
    core.onEvent((e) => {
      this.#events.push(e);
      for (const w of this.#waiters) w();
    });
  }

  /** A new device of `username` (signs in with the password), after its first sync. */
  static async signIn(url: string, username: string, password: string): Promise<OurDevice> {
    const dir = mkdtempSync(join(tmpdir(), 'interop-core-'));
    const d = new OurDevice(await createCore({ dataDir: dir, appVersion: '0.0.0' }), dir);
    const mark = d.mark();
    await d.call('account.login', { server: url, username, password });
    await d.event('sync.status', (e) => e.data.state === 'ok', mark);
    return d;
  }

  /** Runs a command; throws with the error when it failed. */
  async call<C extends CommandName>(
    command: C,
    req: CommandRequest<C>,
  ): Promise<CommandResponse<C>> {
    const r = await this.#core.handle(command, req);
    if (!r.ok) throw Object.assign(new Error(`${command}: ${r.error.message}`), r.error);
    return r.value as CommandResponse<C>;
  }

  /** A position in the event log, for {@link event}. */
  mark(): number {
    return this.#events.length;
  }

  /** The first event of `type` after `mark` matching `pred` (waits for it if need be). */
  event<T extends AppEventType>(
    type: T,
    pred: (e: AppEventOf<T>) => boolean,
    mark = 0,
  ): Promise<AppEventOf<T>> {
    const find = () =>
      this.#events
        .slice(mark)
        .find((e): e is AppEventOf<T> => e.type === type && pred(e as AppEventOf<T>));
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = find();
        if (!e) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no matching ${type} event`));
      }, WAIT_MS);
      this.#waiters.add(check);
      check();
    });
  }

  /** `crypto.status` once `pred` holds (now, or pushed later). */
  async statusWhere(pred: (s: CryptoStatus) => boolean): Promise<CryptoStatus> {
    const mark = this.mark();
    const now = await this.call('crypto.status', {});
    if (pred(now)) return now;
    return (await this.event('crypto.status', (e) => pred(e.data), mark)).data;
  }

  /** The room's cached timeline (the room is watched from then on). */
  async items(roomId: string): Promise<TimelineItem[]> {
    return (await this.call('timeline.open', { roomId, limit: 50 })).items;
  }

  async close(): Promise<void> {
    await this.#core.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
