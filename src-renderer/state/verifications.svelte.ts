import type { Bridge, UserId, Verification } from '../../src-main/ipc/contract';
import { getBridge } from '../lib/bridge';
import {
  flowChanged,
  flowClosed,
  flowStarted,
  isFinished,
  NO_FLOWS,
  shownFlow,
  type Flows,
} from '../lib/verification-flows';

/** A request of ours waiting for its `flowId`, or refused (`error`). */
export type PendingRequest = { userId: UserId; deviceId?: string; error?: string };

type Action = 'accept' | 'startSas' | 'confirm';

const FAILED: Record<Action, string> = {
  accept: 'Could not accept',
  startSas: 'Could not start the emoji comparison',
  confirm: 'Could not confirm',
};

/**
 * Verifications in progress, keyed by `flowId`, kept current by the core's
 * `verification.changed` events, and the one the dialog shows (see `lib/verification-flows`).
 * The dialog shows {@link pending} while our own request waits for its answer, else
 * {@link shown}.
 */
export class Verifications {
  readonly #bridge: Bridge | undefined;
  #flows = $state.raw<Flows>(NO_FLOWS);
  #pending = $state.raw<PendingRequest | undefined>();
  /** The last action on a flow that failed, in words. */
  #error = $state.raw<{ flowId: string; message: string } | undefined>();
  #busy = $state(false);
  /** Bumped by each request and reset, so a late answer to an abandoned one is cancelled. */
  #requestSeq = 0;

  constructor(bridge: Bridge | undefined) {
    this.#bridge = bridge;
    bridge?.on('verification.changed', ({ data }) => {
      this.#flows = flowChanged(this.#flows, data);
    });
  }

  /** The verification the dialog shows. */
  get shown(): Verification | undefined {
    return shownFlow(this.#flows);
  }

  /** Our request, until the core answers it (or with why it failed). */
  get pending(): PendingRequest | undefined {
    return this.#pending;
  }

  /** An action is in flight on the shown verification. */
  get busy(): boolean {
    return this.#busy;
  }

  /** Why the last action on `flowId` failed, if it did. */
  errorOf(flowId: string): string | undefined {
    return this.#error?.flowId === flowId ? this.#error.message : undefined;
  }

  /** Asks to verify another user, or another of our sessions (`deviceId`). */
  async request(userId: UserId, deviceId?: string): Promise<void> {
    const bridge = this.#bridge;
    const seq = ++this.#requestSeq;
    this.#pending = deviceId ? { userId, deviceId } : { userId };
    if (!bridge) {
      this.#pending = { ...this.#pending, error: 'Not connected to the core' };
      return;
    }
    const result = await bridge.invoke(
      'verification.request',
      deviceId ? { userId, deviceId } : { userId },
    );
    if (seq !== this.#requestSeq) {
      // Closed (or another request made) while this one was on its way: take it back.
      if (result.ok) void bridge.invoke('verification.cancel', { flowId: result.value.flowId });
      return;
    }
    if (!result.ok) {
      this.#pending = { ...this.#pending, error: `Could not ask: ${result.error.message}` };
      return;
    }
    this.#pending = undefined;
    const started: Verification = {
      flowId: result.value.flowId,
      userId,
      incoming: false,
      phase: 'requested',
    };
    if (deviceId) started.deviceId = deviceId;
    this.#flows = flowStarted(this.#flows, started);
  }

  accept(flowId: string): Promise<void> {
    return this.#act('accept', flowId, () =>
      this.#bridge?.invoke('verification.accept', { flowId }),
    );
  }

  startSas(flowId: string): Promise<void> {
    return this.#act('startSas', flowId, () =>
      this.#bridge?.invoke('verification.startSas', { flowId }),
    );
  }

  /** "They match" (`true`) or "They don't match" (`false`, which cancels it). */
  confirm(flowId: string, match: boolean): Promise<void> {
    return this.#act('confirm', flowId, () =>
      this.#bridge?.invoke('verification.confirm', { flowId, match }),
    );
  }

  /**
   * Closes the dialog on `flowId`: an unfinished verification is cancelled (Decline, Cancel,
   * Escape), a finished one just goes away (Done, Close).
   */
  close(flowId: string): void {
    const flow = this.#flows.byId.get(flowId);
    if (flow && !isFinished(flow)) {
      void this.#bridge?.invoke('verification.cancel', { flowId }).then((result) => {
        if (!result.ok) console.warn('verification: cancel failed', result.error);
      });
    }
    if (this.#error?.flowId === flowId) this.#error = undefined;
    this.#flows = flowClosed(this.#flows, flowId);
  }

  /** Closes our request before (or after) it failed; an answer still to come is cancelled. */
  closePending(): void {
    this.#requestSeq++;
    this.#pending = undefined;
  }

  /** Forgets everything (another account, or signed out). */
  reset(): void {
    this.#requestSeq++;
    this.#pending = undefined;
    this.#error = undefined;
    this.#flows = NO_FLOWS;
  }

  async #act(
    action: Action,
    flowId: string,
    call: () => Promise<{ ok: true } | { ok: false; error: { message: string } }> | undefined,
  ): Promise<void> {
    this.#busy = true;
    this.#error = undefined;
    const result = await call();
    this.#busy = false;
    const message = !result
      ? 'Not connected to the core'
      : result.ok
        ? undefined
        : result.error.message;
    if (message) this.#error = { flowId, message: `${FAILED[action]}: ${message}` };
  }
}

/** The app's verifications, heard from the start (an incoming request pops up the dialog). */
export const verifications = new Verifications(getBridge());
