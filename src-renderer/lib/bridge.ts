import type {
  AppEvent,
  AppEventOf,
  AppEventType,
  Bridge,
  BridgeKey,
  CommandName,
  CommandRequest,
  CommandResponse,
  HarnessNames,
  IpcError,
  IpcResult,
  SocketRequest,
} from '../../src-main/ipc/contract';
import { DeltaBuffer } from './delta-buffer';

// The renderer may import only types from src-main, so these repeat src-main/ipc/channels.ts;
// both are typed with the contract's literal types, so the compiler fails if either drifts.
const BRIDGE_KEY: BridgeKey = 'lightmatrix';
const HARNESS: HarnessNames = {
  secretParam: 'secret',
  wsPath: '/api/ws',
  wsProtocol: 'lightmatrix',
  wsSecretPrefix: 'lightmatrix.secret.',
};

/** What the bridge hears from its socket. */
export type SocketHandlers = { open(): void; message(text: string): void; close(): void };
/** Opens a WebSocket (the browser's, or `ws` in tests) and reports to `on`. */
export type Connect = (
  url: string,
  protocols: string[],
  on: SocketHandlers,
) => { send(text: string): void; close(): void };

/** How a {@link WebSocketBridge} reaches the harness. */
export type WebSocketBridgeOptions = {
  /** `ws://host:port/api/ws`. */
  url: string;
  /** The harness's secret, from the page URL. */
  secret: string;
  connect: Connect;
  /** Called when missed events can no longer be caught up; the page must reload its state. */
  onReset: () => void;
  /** Reconnect delays: doubling from `min` up to `max` ms. */
  retryMs?: { min: number; max: number };
};

type Pending = { frame: string; sent: boolean; resolve: (result: IpcResult<unknown>) => void };

const DISCONNECTED: IpcError = {
  code: 'disconnected',
  message: 'Lost the connection to the core before it answered',
};

/**
 * The {@link Bridge} over the browser harness's WebSocket. Commands sent while disconnected
 * wait for the connection; commands in flight when it drops resolve to `disconnected`. After a
 * reconnect it asks `events.since` the last `seq` it saw and delivers what it missed, in order
 * and once each, before newer live events; if they are gone it calls `onReset`.
 */
export class WebSocketBridge implements Bridge {
  readonly #options: WebSocketBridgeOptions;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<AppEventType, Set<(event: AppEvent) => void>>();
  #socket: { send(text: string): void; close(): void } | undefined;
  #open = false;
  #connectedBefore = false;
  #nextId = 1;
  /** The last numbered event delivered; set by the first connection's status event. */
  #lastSeq: number | undefined;
  /** Live events held back while `events.since` is in flight. */
  readonly #deltas = new DeltaBuffer<AppEvent>();
  #retryMs: number;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #disposed = false;

  constructor(options: WebSocketBridgeOptions) {
    this.#options = options;
    this.#retryMs = options.retryMs?.min ?? 250;
    this.#connect();
  }

  invoke<C extends CommandName>(
    command: C,
    req: CommandRequest<C>,
  ): Promise<IpcResult<CommandResponse<C>>> {
    return this.#call(command, req) as Promise<IpcResult<CommandResponse<C>>>;
  }

  on<T extends AppEventType>(type: T, cb: (event: AppEventOf<T>) => void): () => void {
    const listener = (event: AppEvent): void => cb(event as AppEventOf<T>);
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Closes the connection for good; waiting commands resolve to `disconnected`. */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#retryTimer);
    this.#socket?.close();
    this.#socket = undefined;
    for (const pending of this.#pending.values())
      pending.resolve({ ok: false, error: DISCONNECTED });
    this.#pending.clear();
  }

  #call(command: string, data: unknown): Promise<IpcResult<unknown>> {
    if (this.#disposed) return Promise.resolve({ ok: false, error: DISCONNECTED });
    const id = this.#nextId++;
    const frame = JSON.stringify({ id, command, data } satisfies SocketRequest);
    return new Promise((resolve) => {
      const pending: Pending = { frame, sent: false, resolve };
      this.#pending.set(id, pending);
      if (this.#open) this.#send(pending);
    });
  }

  #send(pending: Pending): void {
    pending.sent = true;
    this.#socket?.send(pending.frame);
  }

  #connect(): void {
    const protocols = [HARNESS.wsProtocol, HARNESS.wsSecretPrefix + this.#options.secret];
    this.#socket = this.#options.connect(this.#options.url, protocols, {
      open: () => this.#onOpen(),
      message: (text) => this.#onMessage(text),
      close: () => this.#onClose(),
    });
  }

  #onOpen(): void {
    this.#open = true;
    this.#retryMs = this.#options.retryMs?.min ?? 250;
    const reconnected = this.#connectedBefore;
    this.#connectedBefore = true;
    if (reconnected && this.#lastSeq !== undefined) void this.#catchUp(this.#lastSeq);
    for (const pending of this.#pending.values()) if (!pending.sent) this.#send(pending);
  }

  #onClose(): void {
    if (this.#disposed) return;
    const wasOpen = this.#open;
    this.#open = false;
    this.#socket = undefined;
    this.#deltas.cancel();
    for (const [id, pending] of this.#pending) {
      if (!pending.sent) continue;
      this.#pending.delete(id);
      pending.resolve({ ok: false, error: DISCONNECTED });
    }
    if (wasOpen) {
      const status = { status: 'not-connected' as const };
      this.#deliver({ type: 'core.status', seq: this.#lastSeq ?? 0, data: status });
    }
    this.#retryTimer = setTimeout(() => this.#connect(), this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, this.#options.retryMs?.max ?? 5_000);
  }

  #onMessage(text: string): void {
    let message: { id?: unknown; result?: IpcResult<unknown>; event?: AppEvent };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      console.error('bridge: ignoring a message that is not JSON');
      return;
    }
    if (typeof message.id === 'number' && message.result) {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      pending?.resolve(message.result);
    } else if (message.event) {
      this.#onEvent(message.event);
    }
  }

  #onEvent(event: AppEvent): void {
    if (event.type === 'core.status') {
      // State from the harness, outside the numbered log; the first one says where we start.
      this.#lastSeq ??= event.seq;
      this.#deliver(event);
    } else if (!this.#deltas.hold(event)) {
      this.#apply(event);
    }
  }

  /** Fetches what was missed while disconnected, then releases the events held meanwhile. */
  async #catchUp(afterSeq: number): Promise<void> {
    const loaded = await this.#deltas.load(() => this.invoke('events.since', { afterSeq }));
    if (!loaded) return; // dropped again: the next connection retries
    const { result, held } = loaded;
    if (!result.ok || result.value.reset) {
      if (!result.ok) console.error('bridge: cannot catch up on events', result.error);
      this.#options.onReset();
      return;
    }
    for (const event of result.value.events) this.#apply(event);
    for (const event of held) this.#apply(event);
  }

  /** Delivers a numbered event unless it was delivered before. */
  #apply(event: AppEvent): void {
    if (this.#lastSeq !== undefined && event.seq <= this.#lastSeq) return;
    this.#lastSeq = event.seq;
    this.#deliver(event);
  }

  #deliver(event: AppEvent): void {
    for (const listener of [...(this.#listeners.get(event.type) ?? [])]) {
      try {
        listener(event);
      } catch (err) {
        console.error(`bridge: a ${event.type} listener threw`, err);
      }
    }
  }
}

const browserConnect: Connect = (url, protocols, on) => {
  const socket = new WebSocket(url, protocols);
  socket.onopen = () => on.open();
  socket.onmessage = (ev: MessageEvent) => {
    if (typeof ev.data === 'string') on.message(ev.data);
  };
  socket.onclose = () => on.close();
  return { send: (text) => socket.send(text), close: () => socket.close() };
};

let webBridge: WebSocketBridge | undefined;

/**
 * The bridge to the main process: the one the preload exposed (Electron), else one over the
 * browser harness's WebSocket when the page URL carries its `secret`, else `undefined` (a plain
 * static page, as the renderer-only Playwright spec serves it).
 */
export function getBridge(): Bridge | undefined {
  const exposed = (window as unknown as Partial<Record<typeof BRIDGE_KEY, Bridge>>)[BRIDGE_KEY];
  if (exposed) return exposed;
  const secret = new URLSearchParams(location.search).get(HARNESS.secretParam);
  if (!secret) return undefined;
  webBridge ??= new WebSocketBridge({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${HARNESS.wsPath}`,
    secret,
    connect: browserConnect,
    onReset: () => location.reload(),
  });
  return webBridge;
}
