import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import type { AppEvent } from '../ipc/contract';
import type { SecretWrapper } from '../storage/secret-store';
import { startCoreWorker, type CoreClient } from './core-client';
import type { WorkerCoreOptions } from './worker-messages';

const doubleEntry = new URL('../testing/double-core-worker.ts', import.meta.url);
const clients: CoreClient[] = [];

function start(
  options: Partial<WorkerCoreOptions> = {},
  secretWrapper?: SecretWrapper | Promise<SecretWrapper>,
): CoreClient {
  const client = startCoreWorker({
    entry: doubleEntry,
    options: { dataDir: '/tmp/unused', appVersion: '9.8.7', ...options },
    secretWrapper,
    closeTimeoutMs: 2_000,
  });
  clients.push(client);
  return client;
}

/** A stand-in for the OS keychain: XOR with 0x5a, counting its calls (in this thread). */
function xorWrapper(): SecretWrapper & { calls: string[] } {
  const calls: string[] = [];
  const xor = (b: Uint8Array) => b.map((x) => x ^ 0x5a);
  return {
    protection: 'os',
    calls,
    wrap: async (plain) => (calls.push(`wrap ${plain.length}`), xor(plain)),
    unwrap: async (wrapped) => (calls.push(`unwrap ${wrapped.length}`), xor(wrapped)),
  };
}

function record(client: CoreClient): AppEvent[] {
  const seen: AppEvent[] = [];
  client.onEvent((e) => seen.push(e));
  return seen;
}

function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((done, fail) => {
    const poll = (): void => {
      if (check()) done();
      else if (Date.now() > deadline) fail(new Error('timed out waiting'));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('CoreClient with the core in a worker thread', () => {
  it('answers commands from the worker and reports starting, then ready', async () => {
    const client = start();
    const seen = record(client);
    expect(client.status).toBe('starting');
    // Sent while the core is still starting: it waits for it rather than failing.
    expect(await client.handle('app.version', {})).toEqual({
      ok: true,
      value: { version: '9.8.7' },
    });
    await until(() => client.status === 'ready');
    expect(seen).toContainEqual({ type: 'core.status', seq: 0, data: { status: 'ready' } });
  });

  it('relays the core’s events in order and serves events.since through the worker', async () => {
    const client = start();
    const seen = record(client);
    for (const roomId of ['!a:hs', '!b:hs', '!c:hs']) {
      await client.handle('typing.set', { roomId, typing: true });
    }
    await until(() => seen.filter((e) => e.type === 'typing.changed').length === 3);
    const typing = seen.filter((e) => e.type === 'typing.changed');
    expect(typing.map((e) => [e.seq, e.data.roomId])).toEqual([
      [1, '!a:hs'],
      [2, '!b:hs'],
      [3, '!c:hs'],
    ]);
    expect(client.statusEvent()).toEqual({
      type: 'core.status',
      seq: 3,
      data: { status: 'ready' },
    });
    const since = await client.handle('events.since', { afterSeq: 1 });
    expect(since).toEqual({ ok: true, value: { events: typing.slice(1), reset: false } });
  });

  it('turns a core error, a throwing handler and an unserializable answer into data', async () => {
    const client = start();
    expect(await client.handle('queue.list', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_command' },
    });
    expect(await client.handle('events.since', { afterSeq: -5 })).toMatchObject({
      ok: false,
      error: { code: 'internal', message: expect.stringContaining('afterSeq') },
    });
    expect(await client.handle('rooms.members', { roomId: '!a:hs' })).toMatchObject({
      ok: false,
      error: { code: 'internal', message: expect.stringContaining('Unserializable') },
    });
    // The worker is still healthy afterwards.
    expect(await client.handle('app.version', {})).toMatchObject({ ok: true });
  });

  it('reports failure when createCore rejects, and fails every call with its reason', async () => {
    const client = start({ dataDir: 'fail-to-start' });
    const seen = record(client);
    const result = await client.handle('app.version', {});
    expect(result).toEqual({
      ok: false,
      error: { code: 'core_failed', message: 'cannot open the data directory' },
    });
    await until(() => client.status === 'failed');
    expect(seen.map((e) => e.type === 'core.status' && e.data.status)).toEqual(['failed']);
  });

  for (const how of ['crash', 'exit'] as const) {
    it(`fails pending and later calls when the worker dies (${how})`, async () => {
      const client = start();
      const seen = record(client);
      await client.handle('app.version', {});
      const pending = client.handle('rooms.join', { roomIdOrAlias: 'hang' });
      const dying = client.handle('rooms.join', { roomIdOrAlias: how });
      const outcomes = await Promise.all([pending, dying]);
      for (const outcome of outcomes) {
        expect(outcome).toMatchObject({ ok: false, error: { code: 'core_failed' } });
      }
      expect(outcomes[0]).toMatchObject({
        error: { message: how === 'crash' ? /simulated crash/ : /exit code 7/ },
      });
      expect(client.status).toBe('failed');
      expect(seen).toContainEqual({ type: 'core.status', seq: 0, data: { status: 'failed' } });
      expect(await client.handle('app.version', {})).toMatchObject({
        ok: false,
        error: { code: 'core_failed' },
      });
    });
  }

  it('closes: pending calls end as core_closed and nothing is answered afterwards', async () => {
    const client = start();
    const seen = record(client);
    await client.handle('app.version', {});
    const pending = client.handle('rooms.join', { roomIdOrAlias: 'hang' });
    await client.close();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'core_closed' } });
    expect(await client.handle('app.version', {})).toMatchObject({ ok: false });
    // Closing on purpose is not a failure.
    expect(seen.some((e) => e.type === 'core.status' && e.data.status === 'failed')).toBe(false);
  });

  it('has the main thread wrap and unwrap the worker’s secrets, once its wrapper is there', async () => {
    const wrapper = xorWrapper();
    // As in the Electron app, where the keychain is known only once the app is ready.
    const later = Promise.resolve().then(() => wrapper);
    const client = start({}, later);
    const bytes = [0, 1, 2, 250, 255];
    expect(await client.handle('test.secrets', { bytes })).toEqual({
      ok: true,
      value: { protection: 'os', wrapped: bytes.map((x) => x ^ 0x5a), unwrapped: bytes },
    });
    expect(wrapper.calls).toEqual(['wrap 5', 'unwrap 5']);
    // Without a wrapper the worker asks nothing: its store keeps the bytes as they are.
    expect(await start().handle('test.secrets', { bytes })).toEqual({
      ok: true,
      value: { protection: 'none' },
    });
  });

  it('turns a failure of the main thread’s wrapper into an error of the call', async () => {
    const locked: SecretWrapper = {
      ...xorWrapper(),
      unwrap: () => Promise.reject(new Error('the keychain is locked')),
    };
    const client = start({}, locked);
    expect(await client.handle('test.secrets', { bytes: [1] })).toMatchObject({
      ok: false,
      error: { message: 'Secret unwrap failed: the keychain is locked' },
    });
    const broken = start({}, Promise.reject(new Error('no safeStorage')));
    expect(await broken.handle('app.version', {})).toMatchObject({
      ok: false,
      error: { code: 'core_failed', message: 'Secret protection failed: no safeStorage' },
    });
  });

  it('runs the real core from core-worker.ts over a fresh data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lm-core-'));
    const client = startCoreWorker({
      entry: new URL('./core-worker.ts', import.meta.url),
      options: { dataDir, appVersion: '4.5.6' },
    });
    clients.push(client);
    try {
      expect(await client.handle('app.version', {})).toEqual({
        ok: true,
        value: { version: '4.5.6' },
      });
      expect(await client.handle('account.list', {})).toMatchObject({
        ok: true,
        value: { accounts: [] },
      });
      expect(await client.handle('events.since', { afterSeq: 0 })).toMatchObject({
        ok: true,
        value: { reset: false },
      });
      expect(client.status).toBe('ready');
      await client.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps the real core’s access token wrapped by the main thread, across restarts', async () => {
    const hs = await startTestServer();
    const alice = await register(hs.url, 'alice');
    const dataDir = mkdtempSync(join(tmpdir(), 'lm-core-'));
    const real = (secretWrapper?: SecretWrapper): CoreClient => {
      const client = startCoreWorker({
        entry: new URL('./core-worker.ts', import.meta.url),
        options: { dataDir, appVersion: '4.5.6' },
        secretWrapper,
      });
      clients.push(client);
      return client;
    };
    const accounts = async (client: CoreClient) => {
      const listed = await client.handle('account.list', {});
      if (!listed.ok) throw new Error(listed.error.message);
      return listed.value as { accounts: { state: string }[]; notices?: { message: string }[] };
    };
    try {
      const wrapper = xorWrapper();
      const first = real(wrapper);
      const login = { server: hs.url, username: 'alice', password: 'secret-pw' };
      expect(await first.handle('account.login', login)).toMatchObject({
        ok: true,
        value: { state: 'active' },
      });
      await first.close();
      const device = hs.hs.accounts
        .devicesOf(alice.userId)
        .find((d) => d.device_id !== alice.deviceId)!;
      const raw = readFileSync(join(dataDir, 'secrets.json'), 'utf8');
      expect(raw).not.toContain(device.access_token);
      const entry = (
        JSON.parse(raw) as { secrets: Record<string, { protection: string; value: string }> }
      ).secrets[`token:${alice.userId}`]!;
      expect(entry.protection).toBe('os');
      const wrapped = Buffer.from(entry.value, 'base64').map((x) => x ^ 0x5a);
      expect(Buffer.from(wrapped).toString()).toBe(device.access_token);

      // Restarted with the keychain: the session is kept.
      const again = real(wrapper);
      expect((await accounts(again)).accounts).toMatchObject([{ state: 'active' }]);
      // Unwrapped once each: the token (36 bytes) and the crypto store's key (32).
      expect(wrapper.calls.filter((c) => c.startsWith('unwrap')).sort()).toEqual([
        'unwrap 32',
        'unwrap 36',
      ]);
      await again.close();
      // Without it: the token cannot be read, so the account asks for a sign-in, and says why.
      const without = await accounts(real());
      expect(without.accounts).toMatchObject([{ state: 'soft-logged-out' }]);
      expect(without.notices).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/system keychain.*not available/),
        }),
      ]);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      rmSync(dataDir, { recursive: true, force: true });
      await hs.close();
    }
  });
});
