/**
 * The one typed contract between the main process and the renderer.
 *
 * Every command and every pushed event is named here once. The preload exposes `invoke` and
 * `on` typed from these maps, so no other file restates the API or uses raw channel strings.
 *
 * @packageDocumentation
 */

/**
 * Every command the renderer can invoke, keyed `domain.verb`, with its request and response.
 */
export type Commands = {
  /** The application's version, as declared in `package.json`. */
  'app.version': { req: Record<string, never>; res: { version: string } };
};

/** The name of a command in {@link Commands}. */
export type CommandName = keyof Commands;

/** The request payload of command `C`. */
export type CommandRequest<C extends CommandName> = Commands[C]['req'];

/** The response payload of command `C`. */
export type CommandResponse<C extends CommandName> = Commands[C]['res'];

/** The envelope the renderer sends for every command. */
export type CommandEnvelope<C extends CommandName = CommandName> = {
  /** Which command to run. */
  command: C;
  /** The command's request payload. */
  data: CommandRequest<C>;
};

/** An error crossing the process boundary: data only, never a stack. */
export type IpcError = {
  /** Machine-readable code, e.g. `unknown_command` or `internal`. */
  code: string;
  /** Human-readable description. */
  message: string;
};

/** The outcome of a command: its response, or an {@link IpcError}. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/**
 * Whether the core (sync, storage, crypto) is running. The renderer shows this; it learns of
 * changes only through {@link AppEvent}s, never by polling.
 */
export type CoreStatus = 'not-connected' | 'starting' | 'ready' | 'failed';

/** Every event the main process pushes to the renderer, keyed on `type`. */
export type AppEvent = {
  /** The core's status changed. */
  type: 'core.status';
  /** The new status. */
  data: { status: CoreStatus };
};

/** The `type` of an {@link AppEvent}. */
export type AppEventType = AppEvent['type'];

/** The {@link AppEvent} whose `type` is `T`. */
export type AppEventOf<T extends AppEventType> = Extract<AppEvent, { type: T }>;

/** The API the preload exposes to the renderer as `window[BridgeKey]`. */
export type Bridge = {
  /** Runs `command` in the main process; resolves with its result, never rejects for it. */
  invoke<C extends CommandName>(
    command: C,
    req: CommandRequest<C>,
  ): Promise<IpcResult<CommandResponse<C>>>;
  /** Calls `cb` for every event of type `type`; returns a function that unsubscribes. */
  on<T extends AppEventType>(type: T, cb: (event: AppEventOf<T>) => void): () => void;
};

/** The global name under which the preload exposes the {@link Bridge}. */
export type BridgeKey = 'lightmatrix';
