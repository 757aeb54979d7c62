import type { IpcResult } from './contract';
import type { CoreApi } from './core-api';
import { isCommandName } from '../services/dispatch';

/**
 * Hands a command envelope from a renderer (Electron IPC or the WebSocket) to the core. Checks
 * the envelope's shape and the command's name first, so garbage never reaches the worker.
 * Never throws.
 */
export async function relayCommand(core: CoreApi, envelope: unknown): Promise<IpcResult<unknown>> {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
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
    return await core.handle(command, data ?? {});
  } catch (err) {
    // CoreApi.handle must not throw; if it does anyway, the renderer still gets data.
    return { ok: false, error: { code: 'internal', message: errorMessage(err) } };
  }
}

/** The message of anything thrown, without a stack. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
