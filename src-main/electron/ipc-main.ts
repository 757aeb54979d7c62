import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { IPC_CHANNELS } from '../ipc/channels';
import type { IpcResult } from '../ipc/contract';
import { dispatch, type Handlers } from '../ipc/dispatch';

/**
 * Answers the renderer's commands on the single invoke channel. Only frames showing our own
 * renderer (the built files, or the dev server in development) may call in.
 */
export function serveCommands(handlers: Handlers, devServerUrl: string | undefined): void {
  const devOrigin = devServerUrl ? new URL(devServerUrl).origin : undefined;
  const isTrusted = (event: IpcMainInvokeEvent): boolean => {
    const url = event.senderFrame?.url;
    if (!url) return false;
    const { protocol, origin } = new URL(url);
    return protocol === 'file:' || (devOrigin !== undefined && origin === devOrigin);
  };

  ipcMain.handle(IPC_CHANNELS.invoke, (event, envelope: unknown): Promise<IpcResult<unknown>> => {
    if (!isTrusted(event)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'forbidden', message: 'Untrusted sender' },
      });
    }
    return dispatch(handlers, envelope);
  });
}
