import type { IpcResult } from './contract';
import type { CoreApi } from './core-api';
import { parseEnvelope } from './envelope';

/**
 * Hands a command envelope from a renderer (Electron IPC or the WebSocket) to the core. Checks
 * the envelope's shape and the command's name first, so garbage never reaches the worker.
 * Never throws.
 */
export async function relayCommand(core: CoreApi, envelope: unknown): Promise<IpcResult<unknown>> {
  const parsed = parseEnvelope(envelope);
  if ('ok' in parsed) return parsed;
  try {
    return await core.handle(parsed.command, parsed.data);
  } catch (err) {
    // CoreApi.handle must not throw; if it does anyway, the renderer still gets data.
    return { ok: false, error: { code: 'internal', message: errorMessage(err) } };
  }
}

/** The message of anything thrown, without a stack. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
