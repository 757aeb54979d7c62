/**
 * matrix-js-sdk's own copy of the crypto wasm (14.x), kept apart from the app's (18.9.0 at the
 * top level): the interop peers must run the crypto js-sdk ships with, and its module instance
 * (the one js-sdk imported) is the one whose tracing we quiet.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type JsSdkWasm = typeof import('@matrix-org/matrix-sdk-crypto-wasm');

const jsSdkDir = dirname(createRequire(import.meta.url).resolve('matrix-js-sdk/package.json'));
const wasmDir = dirname(
  createRequire(join(jsSdkDir, 'package.json')).resolve('@matrix-org/matrix-sdk-crypto-wasm'),
);

/** js-sdk's crypto wasm, as js-sdk itself imports it (the ESM entry for Node). */
export const jsSdkWasm = (await import(pathToFileURL(join(wasmDir, 'node.mjs')).href)) as JsSdkWasm;
