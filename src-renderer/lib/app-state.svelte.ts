import type { Bridge, CoreStatus } from '../../src-main/ipc/contract';

/** App-wide renderer state, fed only by answers and events from the main process. */
export class AppState {
  #version = $state<string | null>(null);
  #coreStatus = $state<CoreStatus>('not-connected');
  #unsubscribe: () => void = () => {};

  constructor(bridge: Bridge | undefined) {
    if (!bridge) return;
    this.#unsubscribe = bridge.on('core.status', (event) => {
      this.#coreStatus = event.data.status;
    });
    void bridge.invoke('app.version', {}).then((result) => {
      if (result.ok) this.#version = result.value.version;
    });
  }

  /** The app version, once main has answered. */
  get version(): string | null {
    return this.#version;
  }

  /** The core's last pushed status. */
  get coreStatus(): CoreStatus {
    return this.#coreStatus;
  }

  /** Stops listening to main. */
  dispose(): void {
    this.#unsubscribe();
  }
}
