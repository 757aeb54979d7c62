/**
 * The demo, assembled: the test homeserver embedded in this process (seeded on the first run),
 * the peer bot Ada (our own core signed in as her, in this process; on the first run she writes
 * the first, encrypted, messages of her direct chat with the demo user), and the app as `npm run web` runs it (the core in its worker thread, the built
 * renderer and the WebSocket API on 127.0.0.1), signed in as the demo user. Nothing leaves the
 * machine: every connection is to 127.0.0.1.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startHomeserver, type RunningHomeserver } from '../homeserver';
import type {
  AccountInfo,
  CommandName,
  CommandRequest,
  CommandResponse,
} from '../../src-main/ipc/contract';
import type { HostedCore } from '../../src-main/ipc/core-api';
import { ensureRendererBuilt, RENDERER_DIR } from '../../src-main/web/renderer-build';
import { startWebServer } from '../../src-main/web/server';
import { startCoreWorker } from '../../src-main/worker/core-client';
import { WELCOME } from './bot-replies';
import { BOT_USER, DEMO_USER } from './cast';
import { PeerBot } from './peer-bot';
import { seedDemo } from './seed';

const root = resolve(import.meta.dirname, '../..');

/** The demo homeserver's name: user ids read `@demo:demo.local`. */
export const DEMO_SERVER_NAME = 'demo.local';

/** How to start the demo. */
export type DemoOptions = {
  /** Holds `homeserver/`, `app/` and `demo.json`. */
  dataDir: string;
  /** The app's port; 0 picks a free one. */
  port?: number;
  log: (line: string) => void;
};

/** A running demo. */
export type RunningDemo = {
  /** The page to open: `http://127.0.0.1:P/?secret=…`. */
  pageUrl: string;
  homeserverUrl: string;
  stop(): Promise<void>;
};

/**
 * What `demo.json` remembers between runs. Written empty before the first seed, so a folder
 * holding it is known to be the demo's (and a run that stopped mid-seed is started over).
 */
type DemoState = {
  /** The homeserver keeps its port: the app's account is bound to the URL. */
  homeserverPort?: number;
  /** Set once the seed is complete. */
  seededAt?: string;
  /** Ada's encrypted direct chat with the demo user (absent: seeded by an older demo). */
  encryptedDirectRoom?: string;
};

function writeState(file: string, state: DemoState): void {
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** The folder's demo state; claims an empty (or new) folder, refuses one with other data. */
function claimDataDir(dataDir: string): DemoState {
  const file = join(dataDir, 'demo.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoState;
  if (['homeserver', 'app', 'ada'].some((d) => existsSync(join(dataDir, d)))) {
    throw new Error(`${dataDir} holds data that is not the demo's; pick a new folder`);
  }
  mkdirSync(dataDir, { recursive: true });
  writeState(file, {});
  return {};
}

/** Starts everything; on the first run it seeds a fresh homeserver first. */
export async function startDemo(opts: DemoOptions): Promise<RunningDemo> {
  const stateFile = join(opts.dataDir, 'demo.json');
  const state = claimDataDir(opts.dataDir);
  const seeded = state.seededAt !== undefined;
  if (!seeded) {
    // Our own folders, left by a run that stopped before its seed was complete: start over.
    rmSync(join(opts.dataDir, 'homeserver'), { recursive: true, force: true });
    rmSync(join(opts.dataDir, 'app'), { recursive: true, force: true });
    rmSync(join(opts.dataDir, 'ada'), { recursive: true, force: true });
  }
  mkdirSync(join(opts.dataDir, 'app'), { recursive: true });
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
    await ensureRendererBuilt((line) => opts.log(`demo: ${line}`));
    const core = startApp(join(opts.dataDir, 'app'), opts.log);
    stops.push(() => core.close());
    await signIn(core, hs.url);
    // Ada starts after the demo user's session exists: her first message reaches it.
    const bot = await PeerBot.start({
      homeserver: hs.url,
      userId: `@${BOT_USER.localpart}:${DEMO_SERVER_NAME}`,
      username: BOT_USER.localpart,
      password: BOT_USER.password,
      name: BOT_USER.displayName,
      dataDir: join(opts.dataDir, 'ada'),
      appVersion: appVersion(),
      log: opts.log,
    });
    stops.push(() => bot.stop());
    if (report) {
      await bot.say(report.botDirectRoomId, WELCOME);
      writeState(stateFile, {
        homeserverPort: hs.port,
        seededAt: new Date().toISOString(),
        encryptedDirectRoom: report.botDirectRoomId,
      });
    }
    const server = await startWebServer({ core, rendererDir: RENDERER_DIR, port: opts.port ?? 0 });
    stops.push(() => server.close());
    opts.log(`demo: homeserver ${hs.url}, data in ${opts.dataDir}`);
    return { pageUrl: server.pageUrl, homeserverUrl: hs.url, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
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
function appVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

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

async function call<C extends CommandName>(
  core: HostedCore,
  command: C,
  req: CommandRequest<C>,
): Promise<CommandResponse<C>> {
  const result = await core.handle(command, req);
  if (!result.ok) throw new Error(`${command}: ${result.error.message}`);
  return result.value as CommandResponse<C>;
}

/** Signs the app in as the demo user, unless it is already (then makes that account active). */
async function signIn(core: HostedCore, homeserverUrl: string): Promise<AccountInfo> {
  const userId = `@${DEMO_USER.localpart}:${DEMO_SERVER_NAME}`;
  const { accounts, active } = await call(core, 'account.list', {});
  const known = accounts.find((a) => a.userId === userId);
  if (!known) {
    return call(core, 'account.login', {
      server: homeserverUrl,
      username: DEMO_USER.localpart,
      password: DEMO_USER.password,
      deviceName: 'LightMatrix demo',
    });
  }
  if (known.state === 'soft-logged-out') {
    return call(core, 'account.relogin', { userId, password: DEMO_USER.password });
  }
  return active === userId ? known : call(core, 'account.switch', { userId });
}
