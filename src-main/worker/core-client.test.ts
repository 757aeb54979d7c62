import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../ipc/contract';
import type { CoreOptions } from '../ipc/core-api';
import { startCoreWorker, type CoreClient } from './core-client';

const doubleEntry = new URL('../testing/double-core-worker.ts', import.meta.url);
const clients: CoreClient[] = [];

function start(options: Partial<CoreOptions> = {}): CoreClient {
  const client = startCoreWorker({
    entry: doubleEntry,
    options: { dataDir: '/tmp/unused', appVersion: '9.8.7', ...options },
    closeTimeoutMs: 2_000,
  });
  clients.push(client);
  return client;
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
});
