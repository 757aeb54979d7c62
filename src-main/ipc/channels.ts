import type { BridgeKey } from './contract';

// Runtime names for the Electron transport. The contract itself stays types only, so the
// renderer can import it with `import type` and nothing of main ends up in its bundle.

/** The global name under which the preload exposes the bridge. */
export const BRIDGE_KEY: BridgeKey = 'lightmatrix';

/** The IPC channels the bridge uses: one for all commands, one for all events. */
export const IPC_CHANNELS = {
  /** Carries command envelopes from the renderer, answered with `IpcResult`s. */
  invoke: 'lightmatrix:invoke',
  /** Carries `AppEvent`s from main to the renderer. */
  event: 'lightmatrix:event',
} as const;
