/**
 * The sync loop under injected faults (5xx, 429, dropped connections, delays, an endless
 * long-poll), and a server that only advertises v1.1–v1.2, through the real core.
 */
import { describe, expect, it } from 'vitest';
import { api, register, startTestServer } from '../../e2e/homeserver/testing/helpers';
import type { SyncStatus } from '../model/sync-status';
import type { CoreTuning } from './core';
import {
  bodies,
  call,
  callError,
  fault,
  FAST,
  next,
  seedMessages,
  seedRoom,
  sendAs,
  signIn,
  startCore,
  tempDir,
  useCleanups,
  wholeTimeline,
} from '../testing/core-harness';

const cleanup = useCleanups();
const SYNC = '/_matrix/client/v3/sync';
/** A long-poll the client gives up on after 1.5 s, so a hung one ends quickly. */
const IMPATIENT: CoreTuning = { ...FAST, longPollMs: 500, syncTimeoutMs: 1_500 };

type OnFinished = (fn: () => Promise<void> | void) => void;

/** A server with bob and alice in a room, and alice's core synced; torn down by `onFinished`. */
async function setup(onFinished: OnFinished, tuning: CoreTuning = FAST) {
  const hs = await startTestServer();
  onFinished(() => hs.close());
  const bob = await register(hs.url, 'bob');
  const alice = await register(hs.url, 'alice');
  const roomId = await seedRoom(hs.url, bob.userId, [alice.userId], 'Faults');
  const core = await startCore(tempDir(), tuning);
  onFinished(() => core.close());
  await signIn(core, hs.url, 'alice');
  await call(core, 'timeline.open', { roomId, limit: 20 }); // shown: its deltas are pushed
  const say = (body: string) =>
    sendAs(hs.url, bob, roomId, 'm.room.message', { msgtype: 'm.text', body });
  return { url: hs.url, roomId, core, say };
}

type Timed = { at: number; status: SyncStatus };

/**
 * Injects `spec` on `/sync`; once the loop reports the first failure, bob writes a message; then
 * waits for the loop to be `ok` again. Returns the statuses pushed meanwhile (with their times)
 * and how often bob's message is in the cache afterwards.
 */
async function survive(ctx: Awaited<ReturnType<typeof setup>>, spec: Record<string, unknown>) {
  const { core, url, roomId } = ctx;
  const seen: Timed[] = [];
  const off = core.onEvent((e) => {
    if (e.type === 'sync.status') seen.push({ at: Date.now(), status: e.data });
  });
  const failed = next(core, 'sync.status', (e) => e.data.state !== 'ok');
  const recovered = next(core, 'sync.status', (e) => e.data.state === 'ok');
  await fault(url, { path_prefix: SYNC, ...spec });
  await failed;
  const body = `written during ${String(spec.kind)}`;
  await ctx.say(body);
  await recovered;
  off();
  const page = await call(core, 'timeline.open', { roomId, limit: 20 });
  const copies = bodies(page.items).filter((b) => b === body).length;
  return { seen, states: seen.map((s) => s.status.state), copies };
}

// Each test has its own server and core, so they run side by side.
describe.concurrent('core: sync survives injected faults', () => {
  it('server errors: erroring with the reason, then ok', async ({ expect, onTestFinished }) => {
    const ctx = await setup(onTestFinished);
    const r = await survive(ctx, { kind: 'error', status: 500, times: 2 });
    expect(r.states).toEqual(['erroring', 'connecting', 'erroring', 'connecting', 'ok']);
    expect(r.seen[0]!.status).toMatchObject({
      state: 'erroring',
      reason: expect.stringContaining('500'),
      retryAt: expect.any(Number),
    });
    expect(r.copies).toBe(1);
    expect(await call(ctx.core, 'sync.status', {})).toEqual({ state: 'ok' });
  });

  it('rate limits: waits the retry_after_ms asked for', async ({ expect, onTestFinished }) => {
    const ctx = await setup(onTestFinished);
    const r = await survive(ctx, { kind: 'ratelimit', retry_after_ms: 1_500, times: 1 });
    expect(r.states).toEqual(['erroring', 'connecting', 'ok']);
    const [limited, retried] = r.seen;
    expect(limited!.status).toMatchObject({ reason: expect.stringMatching(/rate limit/i) });
    const retryAt = (limited!.status as { retryAt: number }).retryAt;
    expect(retryAt - limited!.at).toBeGreaterThanOrEqual(1_450);
    // The next request went out no earlier than asked.
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(1_450);
    expect(r.copies).toBe(1);
  });

  it('dropped connections: offline, then ok', async ({ expect, onTestFinished }) => {
    const ctx = await setup(onTestFinished);
    const r = await survive(ctx, { kind: 'drop', times: 2 });
    expect(r.states).toEqual(['offline', 'connecting', 'offline', 'connecting', 'ok']);
    expect(r.seen[0]!.status).toMatchObject({ retryAt: expect.any(Number) });
    expect(r.copies).toBe(1);
  });

  it('a reply slower than the client waits: offline, then ok', async ({
    expect,
    onTestFinished,
  }) => {
    const ctx = await setup(onTestFinished, IMPATIENT);
    const r = await survive(ctx, { kind: 'delay', delay_ms: 2_500, times: 1 });
    expect(r.states).toEqual(['offline', 'connecting', 'ok']);
    expect(r.copies).toBe(1);
  });

  it('a slow reply within the timeout changes nothing', async ({ expect, onTestFinished }) => {
    const ctx = await setup(onTestFinished, IMPATIENT);
    const seen: string[] = [];
    ctx.core.onEvent((e) => e.type === 'sync.status' && seen.push(e.data.state));
    await fault(ctx.url, { kind: 'delay', path_prefix: SYNC, delay_ms: 600, times: 2 });
    const arrived = next(ctx.core, 'timeline.appended', (e) =>
      e.data.items.some((i) => i.content.body === 'slow but fine'),
    );
    await ctx.say('slow but fine');
    await arrived;
    expect(seen).toEqual([]);
  });

  it('an endless long-poll: the client timeout ends it, then ok', async ({
    expect,
    onTestFinished,
  }) => {
    const ctx = await setup(onTestFinished, IMPATIENT);
    const r = await survive(ctx, { kind: 'hang', times: 1 });
    expect(r.states).toEqual(['offline', 'connecting', 'ok']);
    expect(r.copies).toBe(1);
  });
});

describe('core: a server advertising only v1.1–v1.2', () => {
  it('signs in, syncs, sends, paginates and sends receipts; refuses private ones clearly', async () => {
    const hs = await startTestServer();
    cleanup(() => hs.close());
    await api(hs.url, 'PUT', '/_test/config', { old_versions: true });
    const bob = await register(hs.url, 'bob');
    const alice = await register(hs.url, 'alice');
    const roomId = await seedRoom(hs.url, bob.userId, [alice.userId], 'Old server');
    await seedMessages(hs.url, roomId, bob.userId, 45, 'Old');
    const core = await startCore(tempDir());
    cleanup(() => core.close());
    await signIn(core, hs.url, 'alice');
    const session = core.accounts.session(alice.userId);
    expect(session.versions).not.toContain('v1.3');

    const { rooms } = await call(core, 'rooms.list', {});
    expect(rooms).toEqual([expect.objectContaining({ roomId, name: 'Old server' })]);
    // Back-pagination over the gap of the initial sync, down to the room's creation.
    const items = await wholeTimeline(core, roomId, 20);
    expect(bodies(items)).toEqual(Array.from({ length: 45 }, (_, i) => `Old ${i + 1}`));
    expect(items[0]!.type).toBe('m.room.create');

    const echoed = next(core, 'timeline.appended', (e) =>
      e.data.items.some((i) => i.content.body === 'hello old server' && !i.local),
    );
    await call(core, 'message.send', { roomId, kind: 'text', body: 'hello old server' });
    const mine = (await echoed).data.items.find((i) => i.content.body === 'hello old server')!;

    const receipt = next(core, 'receipts.changed', (e) =>
      e.data.receipts.some((r) => r.userId === alice.userId && r.eventId === mine.eventId),
    );
    await call(core, 'receipt.send', { roomId, eventId: mine.eventId });
    await receipt;
    await call(core, 'readMarker.set', { roomId, eventId: mine.eventId });
    const marker = await api(
      hs.url,
      'GET',
      `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/rooms/${encodeURIComponent(roomId)}/account_data/m.fully_read`,
      undefined,
      alice.token,
    );
    expect(marker.body).toEqual({ event_id: mine.eventId });

    const err = await callError(core, 'receipt.send', {
      roomId,
      eventId: mine.eventId,
      private: true,
    });
    expect(err).toEqual({ code: 'unsupported', message: expect.stringMatching(/private/i) });
    expect(await call(core, 'sync.status', {})).toEqual({ state: 'ok' });
  });
});
