// A child process for the kill -9 tests of the crypto store (core-crypto-crash.test.ts), never
// shipped: runs the real core on a data dir (signing in first if the dir holds no account), takes
// commands on stdin and reports on stdout, one line each, until the parent kills it.
//
// stdin:  {"id": 1, "command": "crypto.status", "data": {}}   any command of the contract, or
//         {"id": 2, "command": "import", "data": {"file": "...", "passphrase": "...",
//                                                 "stopAfterCommit"?: true}}
//         (keys.import of that file: prints `importing` right before; with stopAfterCommit,
//         the process freezes once the import's write transaction committed)
// stdout: ready                        signed in (the core's services run)
//         reply <id> <json>            the command's result, `{ok, value}` or `{ok, error}`
//         event <json>                 every event the core pushes
//         log <text>                   the core's log lines
//         request <METHOD> <path>      a keys upload or key backup upload leaves
//         answered <METHOD> <path> <status>   its answer arrived (and goes to the core)
//         held <METHOD> <path> <status> <request body>   with --hold: the answer to the first
//                                      such request arrived, and is kept from the core for good
//                                      (as if the process died right there)
//         writing <n>                  during an import: n room keys written so far (uncommitted)
//         committed                    the import's write transaction committed
//
// node --import tsx crypto-crash-child.ts <dataDir> <homeserverUrl> <username> [--hold <METHOD> <path>]
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Core } from '../core/core';

const [dataDir, url, username, ...flags] = process.argv.slice(2);
if (!dataDir || !url || !username)
  throw new Error('usage: crypto-crash-child <dataDir> <url> <user> [--hold <METHOD> <path>]');
const hold = flags[0] === '--hold' ? { method: flags[1]!, path: flags[2]! } : undefined;

const say = (line: string) => process.stdout.write(`${line}\n`);
console.warn = (...args: unknown[]) => say(`log ${args.map(String).join(' ')}`);

/** The uploads whose crash windows the tests aim at. */
const WATCHED = /\/_matrix\/client\/v3\/(keys\/upload|room_keys\/keys)/;
const realFetch = globalThis.fetch;
let holding = false;
globalThis.fetch = async (input, init) => {
  const path = new URL(String(input)).pathname;
  const method = init?.method ?? 'GET';
  if (!WATCHED.test(path)) return realFetch(input, init);
  say(`request ${method} ${path}`);
  const res = await realFetch(input, init);
  if (hold && !holding && method === hold.method && path.startsWith(hold.path)) {
    holding = true;
    await res.arrayBuffer(); // the server has answered in full
    say(`held ${method} ${path} ${res.status} ${typeof init?.body === 'string' ? init.body : ''}`);
    return new Promise<never>(() => {});
  }
  say(`answered ${method} ${path} ${res.status}`);
  return res;
};

/** Stops the process dead (as SIGKILL would at this instant): it waits for the parent's kill. */
function freeze(): never {
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

/**
 * Reports the room keys an import writes, inside its write transaction (uncommitted), and its
 * commit (`committed`); with `stop`, the process freezes right after the commit.
 */
function reportWrites(stop: boolean): void {
  const g = globalThis as unknown as { IDBObjectStore: { prototype: Record<string, unknown> } };
  const proto = g.IDBObjectStore.prototype;
  type EventTarget = { addEventListener(type: string, f: () => void): void };
  type Store = { name: string; transaction: EventTarget };
  const put = proto.put as (this: Store, ...args: unknown[]) => EventTarget;
  let written = 0;
  proto.put = function (this: Store, ...args: unknown[]) {
    const request = put.apply(this, args);
    if (this.name !== 'inbound_group_sessions3') return request;
    if (written === 0) {
      this.transaction.addEventListener('complete', () => {
        say('committed');
        if (stop) freeze();
      });
    }
    request.addEventListener('success', () => {
      if (++written % 250 === 0) say(`writing ${written}`);
    });
    return request;
  };
}

async function run(core: Core, command: string, data: unknown) {
  if (command !== 'import') return core.handle(command, data);
  const { file, passphrase, stopAfterCommit } = data as {
    file: string;
    passphrase: string;
    stopAfterCommit?: boolean;
  };
  const text = readFileSync(file, 'utf8');
  reportWrites(stopAfterCommit === true);
  say('importing');
  return core.handle('keys.import', { data: text, passphrase });
}

async function main(): Promise<void> {
  const core = new Core(dataDir!, 'crypto-crash-test', {
    longPollMs: 1_000,
    syncTimeoutMs: 4_000,
    clientOptions: { maxRetries: 1, baseDelayMs: 50 },
  });
  core.onEvent((e) => say(`event ${JSON.stringify(e)}`));
  await core.start();
  if (core.accounts.list().accounts.length === 0) {
    const r = await core.handle('account.login', { server: url, username, password: 'secret-pw' });
    if (!r.ok) throw new Error(`login failed: ${r.error.message}`);
  }
  say('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    const { id, command, data } = JSON.parse(line) as {
      id: number;
      command: string;
      data: unknown;
    };
    void run(core, command, data).then((r) => say(`reply ${id} ${JSON.stringify(r)}`));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`crypto-crash-child: ${String(err)}\n`);
  process.exit(1);
});
