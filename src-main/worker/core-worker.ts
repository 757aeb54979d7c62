// The core's worker thread (built as out/main/core-worker.js; run from source under tsx).
import { parentPort, workerData } from 'node:worker_threads';
import { createCore } from '../core/core';
import type { CoreWorkerData } from './worker-messages';
import { serveCore } from './serve-core';

if (!parentPort) throw new Error('core-worker.ts must run in a worker thread');
serveCore(parentPort, createCore, workerData as CoreWorkerData);
