import type { MessagePort } from 'node:worker_threads';
import type { IpcResult } from '../ipc/contract';
import type { CoreApi, CreateCore } from '../ipc/core-api';
import { errorMessage } from '../ipc/relay';
import { SecretRelay } from './secret-relay';
import type { CoreWorkerData, FromWorker, ToWorker } from './worker-messages';

/**
 * Runs inside the worker: starts the core with `createCore`, answers the main thread's calls on
 * `port` and forwards the core's events. Calls that arrive while the core starts wait for it.
 * With `wrapSecrets`, the core's secrets are wrapped by the main thread, and the core starts
 * once that says how it protects them.
 */
export function serveCore(port: MessagePort, createCore: CreateCore, data: CoreWorkerData): void {
  const post = (message: FromWorker): void => port.postMessage(message);
  const secrets = data.wrapSecrets ? new SecretRelay(post) : undefined;
  const start = async (): Promise<CoreApi> => {
    if (!secrets) return createCore(data.options);
    return createCore({ ...data.options, secretWrapper: await secrets.wrapper() });
  };
  const started: Promise<CoreApi> = start();
  started.then(
    (core) => {
      core.onEvent((event) => post({ kind: 'event', event }));
      post({ kind: 'ready' });
    },
    (err: unknown) => {
      console.error('core: failed to start', err);
      post({ kind: 'failed', error: { code: 'core_failed', message: errorMessage(err) } });
    },
  );

  port.on('message', (message: ToWorker) => {
    if (message.kind === 'call') {
      void answer(started, message.command, message.data).then((result) =>
        postResult(port, message.id, result),
      );
    } else if (message.kind === 'secret-result') {
      secrets?.receive(message.id, message.result);
    } else if (message.kind === 'close') {
      void started
        .then((core) => core.close())
        .catch((err: unknown) => console.error('core: close failed', err))
        .finally(() => post({ kind: 'closed' }));
    }
  });
}

async function answer(
  started: Promise<CoreApi>,
  command: string,
  data: unknown,
): Promise<IpcResult<unknown>> {
  let core: CoreApi;
  try {
    core = await started;
  } catch (err) {
    return { ok: false, error: { code: 'core_failed', message: errorMessage(err) } };
  }
  try {
    return await core.handle(command, data);
  } catch (err) {
    return { ok: false, error: { code: 'internal', message: errorMessage(err) } };
  }
}

/** Posts a result; one that cannot cross threads (a function, say) becomes an error instead. */
function postResult(port: MessagePort, id: number, result: IpcResult<unknown>): void {
  try {
    port.postMessage({ kind: 'result', id, result } satisfies FromWorker);
  } catch (err) {
    const error = { code: 'internal', message: `Unserializable result: ${errorMessage(err)}` };
    port.postMessage({ kind: 'result', id, result: { ok: false, error } } satisfies FromWorker);
  }
}
