import type { BridgeKey, HarnessNames } from './contract';

// Runtime names for the two transports, Electron IPC and the browser harness's WebSocket. The
// contract itself stays types only, so the renderer can import it with `import type` and
// nothing of main ends up in its bundle; the renderer's twins of these constants
// (src-renderer/lib/bridge.ts) are typed from the same contract types, so neither can drift.

/** The global name under which the preload exposes the bridge. */
export const BRIDGE_KEY: BridgeKey = 'lightmatrix';

/** The browser harness's names: its WebSocket path and subprotocols, the secret's parameter. */
export const HARNESS: HarnessNames = {
  secretParam: 'secret',
  wsPath: '/api/ws',
  wsProtocol: 'lightmatrix',
  wsSecretPrefix: 'lightmatrix.secret.',
};

/** The IPC channels the bridge uses: one for all commands, one for all events. */
export const IPC_CHANNELS = {
  /** Carries command envelopes from the renderer, answered with `IpcResult`s. */
  invoke: 'lightmatrix:invoke',
  /** Carries `AppEvent`s from main to the renderer. */
  event: 'lightmatrix:event',
} as const;
