import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_CHANNELS } from '../ipc/channels';
import type { IpcResult } from '../ipc/contract';
import type { HostedCore } from '../ipc/core-api';
import { relayCommand } from '../ipc/relay';

/**
 * Answers the renderer's commands on the single invoke channel by relaying them to the core.
 * Only frames showing our own renderer (the built files, or the dev server in development) may
 * call in.
 */
export function serveCommands(core: HostedCore, devServerUrl: string | undefined): void {
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
    return relayCommand(core, envelope);
  });
}

/**
 * Pushes the core's events to `win` on the event channel until the window closes. Each time the
 * page (re)loads it first gets the current `core.status`, which it may have missed while loading.
 */
export function relayEvents(core: HostedCore, win: BrowserWindow): void {
  const { webContents } = win;
  const unsubscribe = core.onEvent((event) => {
    if (!webContents.isDestroyed()) webContents.send(IPC_CHANNELS.event, event);
  });
  webContents.on('did-finish-load', () => {
    webContents.send(IPC_CHANNELS.event, core.statusEvent());
  });
  win.on('closed', unsubscribe);
}
