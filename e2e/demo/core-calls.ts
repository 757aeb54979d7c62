/**
 * Driving a core through its command API, as the demo does with the app's core (in its worker)
 * and with the cores of its other clients (in this process): a command that throws on error,
 * waiting on pushed state, signing in once.
 */
import type {
  AccountInfo,
  AppEventType,
  CommandName,
  CommandRequest,
  CommandResponse,
} from '../../src-main/ipc/contract';
import type { CoreApi } from '../../src-main/ipc/core-api';

/** Runs a command; throws with the core's message when it failed. */
export async function call<C extends CommandName>(
  core: CoreApi,
  command: C,
  req: CommandRequest<C>,
): Promise<CommandResponse<C>> {
  const result = await core.handle(command, req);
  if (!result.ok) throw new Error(`${command}: ${result.error.message}`);
  return result.value as CommandResponse<C>;
}

/**
 * Resolves with the first result of `check` that is not undefined: checked at once, then again
 * whenever the core pushes an event of one of `types`. Rejects when `check` throws, or when
 * `timeoutMs` passes first (a deadline, not a pause), naming `what` it waited for.
 */
export function until<T>(
  core: CoreApi,
  types: readonly AppEventType[],
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let running = false;
    let again = false;
    let done = false;
    const finish = (err: unknown, value?: T) => {
      done = true;
      off();
      clearTimeout(timer);
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve(value as T);
    };
    const run = (): void => {
      if (done) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      check().then(
        (value) => {
          running = false;
          if (value !== undefined) finish(undefined, value);
          else if (again) {
            again = false;
            run();
          }
        },
        (err: unknown) => finish(err),
      );
    };
    const off = core.onEvent((e) => {
      if (types.includes(e.type)) run();
    });
    const timer = setTimeout(
      () => finish(new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    run();
  });
}

/** Waits until the core's active account has synced (its sync status is `ok`). */
export function synced(core: CoreApi): Promise<true> {
  return until(
    core,
    ['sync.status'],
    async () => ((await call(core, 'sync.status', {})).state === 'ok' ? true : undefined),
    'the first sync',
  );
}

/** Who signs in, where, and with what name for a new device. */
export type Credentials = {
  homeserver: string;
  userId: string;
  username: string;
  password: string;
  deviceName: string;
};

/**
 * Signs `who` in, unless the core already is (then signs in again after a soft logout, and
 * makes the account active): a core that keeps its data keeps its device.
 */
export async function signIn(core: CoreApi, who: Credentials): Promise<AccountInfo> {
  const { accounts, active } = await call(core, 'account.list', {});
  const known = accounts.find((a) => a.userId === who.userId);
  if (!known) {
    return call(core, 'account.login', {
      server: who.homeserver,
      username: who.username,
      password: who.password,
      deviceName: who.deviceName,
    });
  }
  if (known.state === 'soft-logged-out') {
    return call(core, 'account.relogin', { userId: who.userId, password: who.password });
  }
  return active === who.userId ? known : call(core, 'account.switch', { userId: who.userId });
}
