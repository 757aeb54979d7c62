// A worker entry for tests only: serves a test double of the core, so the worker plumbing
// (CoreClient ↔ serveCore) is tested without the real core. Never shipped.
import { parentPort, workerData } from 'node:worker_threads';
import type { IpcResult } from '../ipc/contract';
import type { CoreApi, CoreOptions } from '../ipc/core-api';
import { EventLog } from '../services/event-log';
import type { CoreWorkerData } from '../worker/worker-messages';
import { serveCore } from '../worker/serve-core';

/** What the double's commands do; only what the tests need. */
async function createDoubleCore(options: CoreOptions): Promise<CoreApi> {
  if (options.dataDir === 'fail-to-start') throw new Error('cannot open the data directory');
  const events = new EventLog();
  const ok = (value: unknown): IpcResult<unknown> => ({ ok: true, value });
  return {
    handle: async (command, data) => {
      const req = data as Record<string, unknown>;
      switch (command) {
        case 'app.version':
          return ok({ version: options.appVersion });
        case 'typing.set':
          events.push('typing.changed', {
            roomId: String(req['roomId']),
            userIds: req['typing'] ? ['@me:hs'] : [],
          });
          return ok({});
        case 'events.since':
          return ok(events.since(req['afterSeq'] as number));
        case 'rooms.members':
          return ok({ members: [], callback: () => 1 });
        case 'rooms.join':
          return misbehave(String(req['roomIdOrAlias']));
        case 'test.secrets':
          return ok(await roundTrip(options, req['bytes'] as number[]));
        default:
          return { ok: false, error: { code: 'unknown_command', message: command } };
      }
    },
    onEvent: (cb) => events.subscribe(cb),
    close: async () => {},
  };
}

/** Wraps and unwraps `bytes` with the core's secret wrapper, as the secret store would. */
async function roundTrip(options: CoreOptions, bytes: number[]) {
  const wrapper = options.secretWrapper;
  if (!wrapper) return { protection: 'none' };
  const wrapped = await wrapper.wrap(new Uint8Array(bytes));
  const unwrapped = await wrapper.unwrap(wrapped);
  return { protection: wrapper.protection, wrapped: [...wrapped], unwrapped: [...unwrapped] };
}

/** `rooms.join` of a magic name makes the worker hang, crash or exit. */
function misbehave(how: string): Promise<IpcResult<unknown>> {
  if (how === 'crash') {
    setTimeout(() => {
      throw new Error('simulated crash');
    });
  } else if (how === 'exit') {
    setTimeout(() => process.exit(7));
  }
  return new Promise(() => {});
}

serveCore(parentPort!, createDoubleCore, workerData as CoreWorkerData);
