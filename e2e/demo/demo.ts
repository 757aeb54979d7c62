/**
 * The demo, assembled: the test homeserver embedded in this process (seeded on the first run),
 * the peer bot Ada (our own core signed in as her, in this process), and the app as
 * `npm run web` runs it (the core in its worker thread, the built renderer and the WebSocket
 * API on 127.0.0.1), signed in as the demo user. Nothing leaves the machine: every connection
 * is to 127.0.0.1.
 *
 * The first run also sets up end-to-end encryption as a person would: the app's session
 * cross-signs itself at sign-in, secure backup is set up in it, a second session ("Demo
 * phone") restores from the recovery key and so is verified, and Ada writes the first
 * (encrypted) messages of her direct chat with the demo user. Every client keeps its folder,
 * so later runs keep the same devices and keys.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startHomeserver, type RunningHomeserver } from '../homeserver';
import type { HostedCore } from '../../src-main/ipc/core-api';
import { ensureRendererBuilt, RENDERER_DIR } from '../../src-main/web/renderer-build';
import { startWebServer } from '../../src-main/web/server';
import { startCoreWorker } from '../../src-main/worker/core-client';
import { WELCOME } from './bot-replies';
import { BOT_USER, DEMO_USER } from './cast';
import { signIn, type Credentials } from './core-calls';
import { PeerBot } from './peer-bot';
import { PHONE_NAME, setUpSecondSession, type SecondSession } from './second-session';
import { seedDemo, type SeedReport } from './seed';

const root = resolve(import.meta.dirname, '../..');

/** The demo homeserver's name: user ids read `@demo:demo.local`. */
export const DEMO_SERVER_NAME = 'demo.local';

/** The folders of the demo's data dir: the homeserver's, and each client's. */
const DIRS = ['homeserver', 'app', 'ada', 'phone'];

/** How to start the demo. */
export type DemoOptions = {
  /** Holds `demo.json` and the folders of {@link DIRS}. */
  dataDir: string;
  /** The app's port; 0 picks a free one. */
  port?: number;
  log: (line: string) => void;
};

/** The demo without its web page (see {@link startDemoBackend}). */
export type DemoBackend = {
  homeserverUrl: string;
  /** The app's core, in its worker, signed in as the demo user. */
  app: HostedCore;
  /** Ada. */
  bot: PeerBot;
  stop(): Promise<void>;
};

/** A running demo. */
export type RunningDemo = DemoBackend & {
  /** The page to open: `http://127.0.0.1:P/?secret=…`. */
  pageUrl: string;
};

/**
 * What `demo.json` remembers between runs. Written empty before the first seed, so a folder
 * holding it is known to be the demo's (and a first run that stopped half-way is started over).
 */
type DemoState = {
  /** The homeserver keeps its port: the accounts of the clients are bound to the URL. */
  homeserverPort?: number;
  /** Set once the first run is complete. */
  seededAt?: string;
  /** Ada's encrypted direct chat with the demo user (absent: seeded by an older demo). */
  encryptedDirectRoom?: string;
  /** The demo account's recovery key, to try restoring another session with. */
  recoveryKey?: string;
};

function writeState(file: string, state: DemoState): void {
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** The folder's demo state; claims an empty (or new) folder, refuses one with other data. */
function claimDataDir(dataDir: string): DemoState {
  const file = join(dataDir, 'demo.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoState;
  if (DIRS.some((d) => existsSync(join(dataDir, d)))) {
    throw new Error(`${dataDir} holds data that is not the demo's; pick a new folder`);
  }
  mkdirSync(dataDir, { recursive: true });
  writeState(file, {});
  return {};
}

function appVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Starts everything; on the first run it seeds a fresh homeserver first. */
export async function startDemo(opts: DemoOptions): Promise<RunningDemo> {
  await ensureRendererBuilt((line) => opts.log(`demo: ${line}`));
  const backend = await startDemoBackend(opts);
  try {
    const server = await startWebServer({
      core: backend.app,
      rendererDir: RENDERER_DIR,
      port: opts.port ?? 0,
    });
    const stop = async () => {
      await server.close().catch((err: unknown) => opts.log(`${err}`));
      await backend.stop();
    };
    return { ...backend, pageUrl: server.pageUrl, stop };
  } catch (err) {
    await backend.stop();
    throw err;
  }
}

/**
 * The demo without its web page: the homeserver (seeded and set up on the first run), the
 * peer bot, and the app's core signed in. Tests drive the app's core directly.
 */
export async function startDemoBackend(opts: DemoOptions): Promise<DemoBackend> {
  const started = Date.now();
  const state = openDataDir(opts);
  const seeded = state.seededAt !== undefined;
  const hs = await startEmbeddedHomeserver(opts.dataDir, seeded ? (state.homeserverPort ?? 0) : 0);
  const stops: (() => Promise<void>)[] = [() => hs.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => opts.log(`${err}`));
  };
  try {
    const report = seeded ? undefined : seedDemo(hs.hs);
    if (report) {
      opts.log(
        `demo: seeded ${report.rooms} rooms, ${report.invites} invites and ` +
          `${report.messages} messages from ${report.users} people`,
      );
    }
    const app = startApp(join(opts.dataDir, 'app'), opts.log);
    stops.push(() => app.close());
    await signIn(app, credentials(DEMO_USER, hs.url, 'LightMatrix demo'));
    const phone = report
      ? await setUpSecondSession(app, {
          dataDir: join(opts.dataDir, 'phone'),
          appVersion: appVersion(),
          account: credentials(DEMO_USER, hs.url),
        })
      : undefined;
    // Ada starts after the demo user's sessions exist: her first message reaches them all.
    const bot = await PeerBot.start({
      ...credentials(BOT_USER, hs.url),
      name: BOT_USER.displayName,
      dataDir: join(opts.dataDir, 'ada'),
      appVersion: appVersion(),
      log: opts.log,
    });
    stops.push(() => bot.stop());
    if (report && phone) await completeFirstRun(opts, { port: hs.port, report, phone, bot });
    const took = ((Date.now() - started) / 1000).toFixed(1);
    opts.log(`demo: homeserver ${hs.url}, data in ${opts.dataDir} (started in ${took} s)`);
    return { homeserverUrl: hs.url, app, bot, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The folder's demo state; a first run that stopped half-way is started over. */
function openDataDir(opts: DemoOptions): DemoState {
  const state = claimDataDir(opts.dataDir);
  if (state.seededAt === undefined) {
    // Our own folders, left by a run that stopped before its first run was complete.
    for (const dir of DIRS) rmSync(join(opts.dataDir, dir), { recursive: true, force: true });
  } else if (state.encryptedDirectRoom === undefined) {
    opts.log(
      `demo: ${opts.dataDir} was seeded before the demo had encryption: delete it to start ` +
        `over with the encrypted chat with Ada and the verified "${PHONE_NAME}"`,
    );
  }
  mkdirSync(join(opts.dataDir, 'app'), { recursive: true });
  return state;
}

/** Ada's first messages in her encrypted DM; then the first run is complete. */
async function completeFirstRun(
  opts: DemoOptions,
  run: { port: number; report: SeedReport; phone: SecondSession; bot: PeerBot },
): Promise<void> {
  await run.bot.say(run.report.botDirectRoomId, WELCOME);
  const stateFile = join(opts.dataDir, 'demo.json');
  writeState(stateFile, {
    homeserverPort: run.port,
    seededAt: new Date().toISOString(),
    encryptedDirectRoom: run.report.botDirectRoomId,
    recoveryKey: run.phone.recoveryKey,
  });
  opts.log(
    `demo: secure backup set up, "${PHONE_NAME}" verified with it; the recovery key is in ` +
      stateFile,
  );
}

function credentials(
  user: { localpart: string; password: string },
  homeserver: string,
  deviceName = '',
): Credentials {
  return {
    homeserver,
    userId: `@${user.localpart}:${DEMO_SERVER_NAME}`,
    username: user.localpart,
    password: user.password,
    deviceName,
  };
}

async function startEmbeddedHomeserver(dataDir: string, port: number): Promise<RunningHomeserver> {
  try {
    return await startHomeserver({
      port,
      dataDir: join(dataDir, 'homeserver'),
      serverName: DEMO_SERVER_NAME,
      testMode: true,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${port}, where this demo's homeserver lives, is taken: is the demo already ` +
          `running with ${dataDir}? (Or delete that folder to start afresh.)`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * The core in its worker thread, run from source as the web harness runs it. (The demo always
 * uses the browser: an installed Electron binary would let `npm start` show the same app in a
 * window, but it cannot launch on every machine, and this path works on all of them.)
 */
function startApp(dataDir: string, log: (line: string) => void): HostedCore {
  // No secret wrapper, as in the web harness: the secrets stay in the 0600 `secrets.json`.
  const core = startCoreWorker({
    entry: new URL('../../src-main/worker/core-worker.ts', import.meta.url),
    options: { dataDir, appVersion: appVersion() },
  });
  core.onEvent((event) => {
    if (event.type === 'core.status') log(`demo: core ${event.data.status}`);
  });
  return core;
}
