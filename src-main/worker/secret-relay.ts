/**
 * The core's secrets are wrapped by the OS keychain, which only the main thread can reach
 * (Electron's `safeStorage`): the worker asks it with `secret` messages and the main thread
 * answers with its wrapper. Both sides of that exchange are here; neither imports Electron.
 */
import { errorMessage } from '../ipc/relay';
import type { SecretWrapper } from '../storage/secret-store';
import type { FromWorker, SecretRequest, SecretResult } from './worker-messages';

type Waiting = { resolve: (result: SecretResult) => void };

/** The worker's side: sends requests, matches the answers to them by id. */
export class SecretRelay {
  readonly #post: (message: FromWorker) => void;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;

  constructor(post: (message: FromWorker) => void) {
    this.#post = post;
  }

  /**
   * A wrapper that does its work in the main thread, once that says how it protects secrets
   * (the Electron app knows only when it is ready). Rejects if the main thread cannot say.
   */
  async wrapper(): Promise<SecretWrapper> {
    const { protection } = await this.#ask({ op: 'protection' });
    const bytes = async (request: SecretRequest): Promise<Uint8Array> => {
      const { data } = await this.#ask(request);
      if (!(data instanceof Uint8Array)) throw new Error(`Secret ${request.op}: no bytes back`);
      return data;
    };
    return {
      protection,
      wrap: (plain) => bytes({ op: 'wrap', data: plain }),
      unwrap: (wrapped) => bytes({ op: 'unwrap', data: wrapped }),
    };
  }

  /** Takes the main thread's answer to one request. */
  receive(id: number, result: SecretResult): void {
    const waiting = this.#waiting.get(id);
    this.#waiting.delete(id);
    waiting?.resolve(result);
  }

  async #ask(request: SecretRequest): Promise<SecretResult & { ok: true }> {
    const id = this.#nextId++;
    const result = await new Promise<SecretResult>((resolve) => {
      this.#waiting.set(id, { resolve });
      this.#post({ kind: 'secret', id, request });
    });
    if (!result.ok) throw new Error(result.message);
    return result;
  }
}

/**
 * The main thread's side: answers one request with `wrapper` (which may still be coming: the
 * answer waits for it). Failures become `{ ok: false, message }`.
 */
export async function answerSecretRequest(
  wrapper: SecretWrapper | Promise<SecretWrapper> | undefined,
  request: SecretRequest,
): Promise<SecretResult> {
  try {
    if (!wrapper) throw new Error('This process has no secret wrapper');
    const w = await wrapper;
    if (request.op === 'protection') return { ok: true, protection: w.protection };
    const data = await (request.op === 'wrap' ? w.wrap(request.data) : w.unwrap(request.data));
    return { ok: true, protection: w.protection, data };
  } catch (err) {
    return { ok: false, message: `Secret ${request.op} failed: ${errorMessage(err)}` };
  }
}
