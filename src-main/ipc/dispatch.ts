import type { CommandName, CommandRequest, CommandResponse, Commands, IpcResult } from './contract';

/** One handler per command in the contract; adding a command without a handler fails to compile. */
export type Handlers = {
  [C in CommandName]: (req: CommandRequest<C>) => CommandResponse<C> | Promise<CommandResponse<C>>;
};

// Runtime list of the contract's commands; `satisfies` keeps it in step with the type.
const commandNames = { 'app.version': true } satisfies Record<keyof Commands, true>;

function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commandNames, name);
}

/**
 * Runs the command named in `envelope` and wraps the outcome as data. Never throws: malformed
 * envelopes, unknown commands and handler failures all come back as `{ ok: false, error }`.
 */
export async function dispatch(handlers: Handlers, envelope: unknown): Promise<IpcResult<unknown>> {
  if (typeof envelope !== 'object' || envelope === null) {
    return { ok: false, error: { code: 'bad_request', message: 'Envelope must be an object' } };
  }
  const { command, data } = envelope as { command?: unknown; data?: unknown };
  if (!isCommandName(command)) {
    return {
      ok: false,
      error: { code: 'unknown_command', message: `Unknown command: ${String(command)}` },
    };
  }
  try {
    const handler = handlers[command] as (req: unknown) => unknown;
    return { ok: true, value: await handler(data ?? {}) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { code: 'internal', message } };
  }
}
