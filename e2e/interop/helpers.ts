/**
 * Shared helpers for running real `matrix-js-sdk` clients against the test homeserver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import loglevel from 'loglevel';
import {
  ClientEvent,
  createClient,
  RoomEvent,
  SyncState,
  type AuthDict,
  type MatrixClient,
  type MatrixEvent,
  type Room,
  type UIAuthCallback,
} from 'matrix-js-sdk';
import type { CryptoCallbacks } from 'matrix-js-sdk/lib/crypto-api/index.js';
import { logger } from 'matrix-js-sdk/lib/logger.js';
import { jsSdkWasm } from './js-sdk-crypto';

export const PASSWORD = 'interop-secret-pw';

/**
 * Warnings js-sdk prints in normal operation, whatever the server: a room's state arriving in
 * the sync that creates the room (MatrixRTC looks the room up a moment too early), and push
 * rules it adds to every account's defaults.
 */
const ROUTINE = [/Got room state event for unknown room/, /^Adding default global \w+ push rule/];

/** True when a log line's text is one of the {@link ROUTINE} warnings. */
function routine(args: unknown[]): boolean {
  return args.some((a) => typeof a === 'string' && ROUTINE.some((r) => r.test(a)));
}

/**
 * Silences js-sdk and Rust crypto logging below `warn`, and js-sdk's routine warnings. Child
 * loggers copy their parent's method factory, so replacing it on every existing `matrix*`
 * logger also quiets those made later.
 */
export function quietLogs(): void {
  const all = { matrix: logger as unknown as loglevel.Logger, ...loglevel.getLoggers() };
  for (const [name, l] of Object.entries(all)) {
    if (!name.startsWith('matrix')) continue;
    const original = l.methodFactory;
    if ((original as { quiet?: boolean }).quiet) continue;
    const quiet: loglevel.MethodFactory = (method, level, loggerName) => {
      if (method !== 'warn' && method !== 'error') return () => {};
      const log = original(method, level, loggerName);
      // js-sdk's loggers read their prefix from `this`: keep it.
      return function (this: unknown, ...args: unknown[]) {
        if (!routine(args)) log.apply(this, args);
      };
    };
    (quiet as { quiet?: boolean }).quiet = true;
    l.methodFactory = quiet;
    l.rebuild();
  }
}
quietLogs();

let muted = 0;
const loud = { debug: console.debug, info: console.info, log: console.log };

/** Runs `fn` with console.debug/info/log silenced (nesting and overlapping calls allowed). */
async function withQuietConsole<T>(fn: () => Promise<T>): Promise<T> {
  if (muted++ === 0) console.debug = console.info = console.log = () => {};
  try {
    return await fn();
  } finally {
    if (--muted === 0) Object.assign(console, loud);
  }
}

/** Every request a js-sdk client made that the homeserver answered with `M_UNRECOGNIZED`. */
export const unrecognized = new Set<string>();

/** With `INTEROP_TRACE=1`, every request js-sdk makes is printed with its status. */
const TRACE = process.env.INTEROP_TRACE === '1';

/** `fetch` that records requests the server does not know (404/405 `M_UNRECOGNIZED`). */
const recordingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  const what = `${init?.method ?? 'GET'} ${url.pathname}`;
  if (res.status >= 400) {
    const body = (await res
      .clone()
      .json()
      .catch(() => ({}))) as { errcode?: string; error?: string };
    if (body.errcode === 'M_UNRECOGNIZED') unrecognized.add(`${what} -> ${res.status}`);
    if (TRACE) loud.log(`[interop] ${what}${url.search} -> ${res.status} ${JSON.stringify(body)}`);
  } else if (TRACE) loud.log(`[interop] ${what}${url.search} -> ${res.status}`);
  return res;
};

/** Registers `username` through the two-step `m.login.dummy` flow, as js-sdk does. */
export async function registerUser(baseUrl: string, username: string): Promise<string> {
  const anon = createClient({ baseUrl, fetchFn: recordingFetch });
  const first: unknown = await anon.registerRequest({ username, password: PASSWORD }).then(
    (res) => res,
    (err: unknown) => err,
  );
  const session = (first as { data?: { session?: string } }).data?.session;
  if (!session) throw new Error(`registration step 1 did not ask for auth: ${String(first)}`);
  const res = await anon.registerRequest({
    username,
    password: PASSWORD,
    auth: { type: 'm.login.dummy', session },
  });
  return res.user_id;
}

/** Logs `username` in with a password (a new device) and returns a client for that device. */
export async function login(
  baseUrl: string,
  username: string,
  opts: { crypto?: boolean; deviceName?: string; cryptoCallbacks?: CryptoCallbacks } = {},
): Promise<MatrixClient> {
  const anon = createClient({ baseUrl, fetchFn: recordingFetch });
  const res = await anon.loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: username },
    password: PASSWORD,
    initial_device_display_name: opts.deviceName ?? `${username} interop`,
  });
  const client = createClient({
    baseUrl,
    userId: res.user_id,
    deviceId: res.device_id,
    accessToken: res.access_token,
    fetchFn: recordingFetch,
    cryptoCallbacks: opts.cryptoCallbacks,
  });
  if (opts.crypto) {
    // initRustCrypto turns the Rust SDK's tracing on at debug level (logging to the console
    // while it initialises); keep warnings only.
    await withQuietConsole(() => client.initRustCrypto({ useIndexedDB: false }));
    new jsSdkWasm.Tracing(jsSdkWasm.LoggerLevel.Warn).turnOn();
  }
  quietLogs();
  return client;
}

/** Starts the client and resolves once its first sync is done (PREPARED or SYNCING). */
export async function startSynced(client: MatrixClient, initialSyncLimit = 20): Promise<void> {
  const ready = new Promise<void>((resolve, reject) => {
    const onSync = (state: SyncState, _prev: SyncState | null, data?: { error?: Error }) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) {
        client.off(ClientEvent.Sync, onSync);
        resolve();
      } else if (state === SyncState.Error) {
        client.off(ClientEvent.Sync, onSync);
        reject(data?.error ?? new Error('sync failed'));
      }
    };
    client.on(ClientEvent.Sync, onSync);
  });
  await client.startClient({ initialSyncLimit, lazyLoadMembers: true });
  await ready;
}

/** Polls `check` (which may be async) until it returns a truthy value. */
export async function until<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with the first live timeline event in `roomId` that `match` accepts. */
export function nextTimelineEvent(
  client: MatrixClient,
  roomId: string,
  match: (e: MatrixEvent) => boolean,
  timeoutMs = 20_000,
): Promise<MatrixEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(RoomEvent.Timeline, onEvent);
      reject(new Error(`no matching timeline event in ${roomId}`));
    }, timeoutMs);
    function onEvent(e: MatrixEvent, room: Room | undefined) {
      if (room?.roomId !== roomId || !match(e)) return;
      clearTimeout(timer);
      client.off(RoomEvent.Timeline, onEvent);
      resolve(e);
    }
    client.on(RoomEvent.Timeline, onEvent);
  });
}

/** Waits until `client` has joined (or been invited to) `roomId`. */
export function roomWithMembership(
  client: MatrixClient,
  roomId: string,
  membership: 'join' | 'invite',
): Promise<Room> {
  return until(`${client.getUserId()} ${membership} ${roomId}`, () => {
    const room = client.getRoom(roomId);
    return room?.getMyMembership() === membership ? room : undefined;
  });
}

/**
 * Waits until `event` is decrypted. A decryption failure may be transient (the room key arrives
 * by to-device a moment later and js-sdk retries), so only a failure that persists fails.
 */
export async function decrypted(event: MatrixEvent, timeoutMs = 20_000): Promise<MatrixEvent> {
  const done = () =>
    event.isEncrypted() &&
    !event.isBeingDecrypted() &&
    !event.isDecryptionFailure() &&
    event.getClearContent() !== null;
  try {
    return await until('decryption', () => done() && event, timeoutMs);
  } catch {
    throw new Error(
      `event ${event.getId()} not decrypted: ${event.decryptionFailureReason ?? 'no clear content'}`,
    );
  }
}

/** Stops clients (and their crypto), ignoring ones never started. */
export function stopAll(clients: (MatrixClient | undefined)[]): void {
  for (const c of clients) c?.stopClient();
}

/** A homeserver started as its own process by `npm run homeserver`. */
export type Standalone = { url: string; proc: ChildProcess; stop(): Promise<void> };

/**
 * Runs `npm run homeserver -- --port 0` in its own process group and waits for its single ready
 * line `homeserver listening on http://127.0.0.1:PORT` (port 0 picks a free port).
 */
export async function startStandalone(extraArgs: string[] = []): Promise<Standalone> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const proc = spawn('npm', ['run', '--silent', 'homeserver', '--', '--port', '0', ...extraArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const lines = createInterface({ input: proc.stdout! });
  const stop = async () => {
    lines.close();
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    // npm, its shell and tsx's node form one group: signal the group so no process is left.
    process.kill(-proc.pid!, 'SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), 30_000);
      lines.once('line', (line) => {
        clearTimeout(timer);
        const m = /^homeserver listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
        if (m) resolve(m[1]!);
        else reject(new Error(`unexpected first line: ${line}`));
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`homeserver exited with ${proc.exitCode}; stderr: ${stderr}`));
      });
    });
    return { url, proc, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Waits until `client` knows `deviceId` among `userId`'s devices (from /keys/query). */
export function knowsDevice(client: MatrixClient, userId: string, deviceId: string) {
  return until(`${client.getDeviceId()} to know ${userId} ${deviceId}`, async () => {
    const devices = await client.getCrypto()!.getUserDeviceInfo([userId], true);
    return devices.get(userId)?.has(deviceId) ?? false;
  });
}

/** `client`'s copy of event `eventId` in `roomId`, once it has arrived and been decrypted. */
export async function receivedDecrypted(
  client: MatrixClient,
  roomId: string,
  eventId: string,
): Promise<MatrixEvent> {
  const event = await until(`${client.getDeviceId()} to receive ${eventId}`, () =>
    client.getRoom(roomId)?.findEventById(eventId),
  );
  return decrypted(event);
}

/**
 * Sends `body` from `sender` in an encrypted room and waits until `receiver` has the event
 * decrypted; returns the receiver's copy.
 */
export async function sendEncrypted(
  sender: MatrixClient,
  receiver: MatrixClient,
  roomId: string,
  body: string,
): Promise<MatrixEvent> {
  const { event_id } = await sender.sendTextMessage(roomId, body);
  return receivedDecrypted(receiver, roomId, event_id);
}

/**
 * Two fresh users with Rust crypto, both syncing, joined to a new room created encrypted
 * (`m.megolm.v1.aes-sha2` in `initial_state`).
 */
export async function encryptedPair(
  baseUrl: string,
  names: [string, string],
): Promise<{ a: MatrixClient; b: MatrixClient; roomId: string }> {
  await Promise.all(names.map((n) => registerUser(baseUrl, n)));
  const [a, b] = await Promise.all(names.map((n) => login(baseUrl, n, { crypto: true })));
  await Promise.all([startSynced(a!, 10), startSynced(b!, 10)]);
  const { room_id: roomId } = await a!.createRoom({
    name: 'Encrypted',
    invite: [b!.getUserId()!],
    initial_state: [
      {
        type: 'm.room.encryption',
        state_key: '',
        content: { algorithm: 'm.megolm.v1.aes-sha2' },
      },
    ],
  });
  await roomWithMembership(b!, roomId, 'invite');
  await b!.joinRoom(roomId);
  await roomWithMembership(b!, roomId, 'join');
  await until('both to see the room encrypted and joined', async () => {
    for (const c of [a!, b!]) {
      if (!(await c.getCrypto()!.isEncryptionEnabledInRoom(roomId))) return false;
      if (c.getRoom(roomId)?.getMember(b!.getUserId()!)?.membership !== 'join') return false;
    }
    return true;
  });
  return { a: a!, b: b!, roomId };
}

/**
 * User-interactive auth with the account password: tries without auth, then answers the 401
 * with `m.login.password` in the session the server gave.
 */
export function passwordAuth(client: MatrixClient): UIAuthCallback<void> {
  return async (makeRequest) => {
    try {
      await makeRequest(null);
    } catch (err) {
      const session = (err as { data?: { session?: string } }).data?.session;
      if (!session) throw err;
      const auth: AuthDict = {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: client.getUserId()! },
        password: PASSWORD,
        session,
      };
      await makeRequest(auth);
    }
  };
}
