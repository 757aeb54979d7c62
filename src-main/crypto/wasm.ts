/**
 * The app's crypto wasm (`@matrix-org/matrix-sdk-crypto-wasm` 18.9.0), initialised once per
 * thread. Everything else in `crypto/` imports it from here.
 */
import * as wasm from '@matrix-org/matrix-sdk-crypto-wasm';

let ready: Promise<typeof wasm> | undefined;

/** The wasm module, once `initAsync` has run (once per thread). */
export function loadWasm(): Promise<typeof wasm> {
  ready ??= wasm.initAsync().then(() => wasm);
  return ready;
}

export { wasm };
