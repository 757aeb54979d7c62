import { toIpcError } from '../net/errors';
import type { CommandName, CommandRequest, CommandResponse, IpcResult } from '../ipc/contract';
import { parseEnvelope } from '../ipc/envelope';

/** One handler per command in the contract; adding a command without a handler fails to compile. */
export type Handlers = {
  [C in CommandName]: (req: CommandRequest<C>) => CommandResponse<C> | Promise<CommandResponse<C>>;
};

/**
 * Runs the command named in `envelope` and wraps the outcome as data. Never throws: malformed
 * envelopes, unknown commands and handler failures all come back as `{ ok: false, error }`.
 */
export async function dispatch(handlers: Handlers, envelope: unknown): Promise<IpcResult<unknown>> {
  const parsed = parseEnvelope(envelope);
  if ('ok' in parsed) return parsed;
  try {
    const handler = handlers[parsed.command] as (req: unknown) => unknown;
    return { ok: true, value: await handler(parsed.data) };
  } catch (err) {
    const error = toIpcError(err);
    // Our own errors may name their code (e.g. `not_signed_in`).
    const own = (err as { code?: unknown } | null)?.code;
    if (error.code === 'internal' && typeof own === 'string') error.code = own;
    return { ok: false, error };
  }
}
