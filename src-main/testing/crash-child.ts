// A child process for the kill -9 test (core-crash.test.ts), never shipped: runs the real core
// on a data dir, signs in first if the dir holds no account, and reports progress on stdout
// (`ready`, `sync-body`, then `status <state>` for each sync status) until the parent kills it.
//
// node --import tsx crash-child.ts <dataDir> <homeserverUrl> <username>
import type { CoreApi } from '../ipc/core-api';
import { createCore } from '../core/core';

const [dataDir, url, username] = process.argv.slice(2);
if (!dataDir || !url || !username) throw new Error('usage: crash-child <dataDir> <url> <user>');
console.warn = () => undefined; // the core's logs would only clutter the parent's output

// Reports `sync-body` once a /sync reply has been read in full: from then on the core only
// parses and ingests it, so the parent can aim its kill at that stretch.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const res = await realFetch(input, init);
  if (!String(input).includes('/_matrix/client/v3/sync')) return res;
  const body = await res.text();
  process.stdout.write('sync-body\n');
  return new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
};

async function main(core: CoreApi): Promise<void> {
  core.onEvent((e) => {
    if (e.type === 'sync.status') process.stdout.write(`status ${e.data.state}\n`);
  });
  const list = await core.handle('account.list', {});
  const accounts = list.ok ? (list.value as { accounts: unknown[] }).accounts : [];
  if (accounts.length === 0) {
    const r = await core.handle('account.login', { server: url, username, password: 'secret-pw' });
    if (!r.ok) throw new Error(`login failed: ${r.error.message}`);
  }
  process.stdout.write('ready\n');
}

createCore({ dataDir, appVersion: 'crash-test' })
  .then(main)
  .catch((err: unknown) => {
    process.stderr.write(`crash-child: ${String(err)}\n`);
    process.exit(1);
  });
