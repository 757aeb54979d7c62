import type { Bridge, BridgeKey } from '../../src-main/ipc/contract';

const BRIDGE_KEY: BridgeKey = 'lightmatrix';

/**
 * The bridge the preload exposed, or `undefined` when the renderer runs outside Electron
 * (in a plain browser, as the Playwright harness does).
 */
export function getBridge(): Bridge | undefined {
  return (window as unknown as Partial<Record<typeof BRIDGE_KEY, Bridge>>)[BRIDGE_KEY];
}
