import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BRIDGE_KEY, IPC_CHANNELS } from '../ipc/channels';
import type { AppEvent, Bridge } from '../ipc/contract';

// Built as CommonJS so it runs in the sandbox; it may import only `electron` and the contract.
const bridge: Bridge = {
  invoke: (command, req) => ipcRenderer.invoke(IPC_CHANNELS.invoke, { command, data: req }),
  on: (type, cb) => {
    const listener = (_event: IpcRendererEvent, appEvent: AppEvent): void => {
      if (appEvent.type === type) cb(appEvent as Parameters<typeof cb>[0]);
    };
    ipcRenderer.on(IPC_CHANNELS.event, listener);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, listener);
    };
  },
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
