/**
 * The parent's side of `crypto-crash-child.ts`: a real core in a child process, driven over its
 * stdin and stdout (commands, pushed events, the requests it makes), and killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CommandName, CommandRequest, CommandResponse, IpcResult } from '../ipc/contract';
import type { AppEventOf, AppEventType } from '../model/events';
import type { TimelineItem } from '../model/timeline';

const CHILD = fileURLToPath(new URL('./crypto-crash-child.ts', import.meta.url));

/** How long a wait on the child lasts before it fails with what the child said. */
const WAIT_MS = 60_000;

type Waiter = { from: number; pred: (line: string) => boolean; resolve: (line: string) => void };

/** A core in a child process (see the module comment). */
export class ChildCore {
  readonly #proc: ChildProcess;
  /** Every line the child printed, in order. */
  readonly lines: string[] = [];
  #waiters: Waiter[] = [];
  #stderr = '';
  #buffered = '';
  #nextId = 1;
  #exit: Promise<void>;

  /** Starts the child on `dataDir`; `hold`: keep the answer of the first such request from it. */
  constructor(dataDir: string, url: string, user: string, hold?: { method: string; path: string }) {
    const args = ['--import', 'tsx', CHILD, dataDir, url, user];
    if (hold) args.push('--hold', hold.method, hold.path);
    this.#proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#proc.stderr!.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    this.#proc.stdout!.on('data', (d: Buffer) => this.#read(d.toString()));
    this.#exit = new Promise((resolve) => this.#proc.once('exit', () => resolve()));
  }

  #read(text: string): void {
    const lines = (this.#buffered + text).split('\n');
    this.#buffered = lines.pop()!;
    for (const line of lines) {
      this.lines.push(line);
      const index = this.lines.length - 1;
      for (const w of this.#waiters.filter((x) => index >= x.from && x.pred(line))) {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        w.resolve(line);
      }
    }
  }

  get exited(): boolean {
    return this.#proc.exitCode !== null || this.#proc.signalCode !== null;
  }

  /** Where the next line will be: waits `from` it see only what comes after now. */
  mark(): number {
    return this.lines.length;
  }

  /** The first line from `from` on matching `pred` (now, or when printed). */
  waitLine(pred: (line: string) => boolean, what: string, from = 0): Promise<string> {
    const seen = this.lines.slice(from).find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w: Waiter = { from, pred, resolve };
      const fail = (why: string) => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((x) => x !== w);
        reject(new Error(`child: no ${what} (${why}); stderr: ${this.#stderr.slice(-2000)}`));
      };
      const timer = setTimeout(() => fail(`${WAIT_MS} ms`), WAIT_MS);
      w.resolve = (line) => (clearTimeout(timer), resolve(line));
      this.#waiters.push(w);
      void this.#exit.then(() => this.#waiters.includes(w) && fail('it exited'));
    });
  }

  /** The first pushed event of `type` from line `from` on matching `pred`. */
  async event<T extends AppEventType>(
    type: T,
    pred: (e: AppEventOf<T>) => boolean,
    from = 0,
  ): Promise<AppEventOf<T>> {
    const prefix = `event {"type":"${type}"`;
    const line = await this.waitLine(
      (l) => l.startsWith(prefix) && pred(JSON.parse(l.slice(6)) as AppEventOf<T>),
      `${type} event`,
      from,
    );
    return JSON.parse(line.slice(6)) as AppEventOf<T>;
  }

  /** Sends a command (a contract command, or the child's `import`); resolves with its result. */
  async send(command: string, data: unknown): Promise<IpcResult<unknown>> {
    const id = this.#nextId++;
    this.#proc.stdin!.write(`${JSON.stringify({ id, command, data })}\n`);
    const line = await this.waitLine((l) => l.startsWith(`reply ${id} `), `reply to ${command}`);
    return JSON.parse(line.slice(`reply ${id} `.length)) as IpcResult<unknown>;
  }

  /** Runs a contract command; throws with its error when it failed. */
  async call<C extends CommandName>(command: C, req: CommandRequest<C>) {
    const r = await this.send(command, req);
    if (!r.ok) throw new Error(`${command} failed: ${JSON.stringify(r.error)}`);
    return r.value as CommandResponse<C>;
  }

  /** The room's item matching `pred`, once the child's cache has it (the room is watched). */
  async item(roomId: string, pred: (i: TimelineItem) => boolean): Promise<TimelineItem> {
    const from = this.mark();
    const page = await this.call('timeline.open', { roomId, limit: 50 });
    const found = page.items.find(pred);
    if (found) return found;
    const hit = (items: TimelineItem[]) => items.some(pred);
    const line = await this.waitLine(
      (l) => {
        if (!l.startsWith('event {"type":"timeline.')) return false;
        const e = JSON.parse(l.slice(6)) as { data: { roomId?: string; items?: TimelineItem[] } };
        return e.data.roomId === roomId && hit(e.data.items ?? []);
      },
      `item in ${roomId}`,
      from,
    );
    return (JSON.parse(line.slice(6)) as { data: { items: TimelineItem[] } }).data.items.find(
      pred,
    )!;
  }

  /** Kills the child with SIGKILL and waits until it is gone. */
  async kill(): Promise<void> {
    if (!this.exited) this.#proc.kill('SIGKILL');
    await this.#exit;
  }
}
