// Worker bootstrap for running a TypeScript worker entry from source (unit tests, the web
// harness): registers tsx in this worker, then imports the entry named in workerData.
// Built apps never use it: their worker entry is plain JavaScript.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.tsEntry);
