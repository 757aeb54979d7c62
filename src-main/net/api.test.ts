import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, register, type TestUser } from '../../e2e/homeserver/testing/helpers';
import type { RunningHomeserver } from '../../e2e/homeserver';
import { startTestServer } from '../../e2e/homeserver/testing/helpers';
import { MatrixApi } from './api';
import {
  ConnectionError,
  HomeserverError,
  ReplyTooLargeError,
  UnsupportedError,
  isAbortError,
} from './errors';
import { HomeserverClient, type ClientOptions, type FetchFn, type RetryInfo } from './http';

let hs: RunningHomeserver;
let alice: TestUser;
const urls: string[] = [];
const bodies: unknown[] = [];
const recordingFetch: FetchFn = (url, init) => {
  urls.push(url);
  bodies.push(typeof init.body === 'string' ? JSON.parse(init.body) : undefined);
  return fetch(url, init);
};

function apiFor(
  user: TestUser | undefined,
  extra: Partial<ClientOptions> = {},
  versions?: string[],
) {
  const retries: RetryInfo[] = [];
  const client = new HomeserverClient({
    baseUrl: hs.url,
    accessToken: user?.token,
    fetch: recordingFetch,
    baseDelayMs: 20,
    onRetry: (r) => retries.push(r),
    ...extra,
  });
  return { m: new MatrixApi(client, versions ?? hs.hs.config.versions), retries };
}

const fault = (spec: Record<string, unknown>) => api(hs.url, 'POST', '/_test/faults', spec);

beforeAll(async () => {
  hs = await startTestServer();
  alice = await register(hs.url, 'alice');
});
afterAll(() => hs.close());
afterEach(async () => {
  urls.length = 0;
  await api(hs.url, 'DELETE', '/_test/faults');
});

describe('HomeserverClient against the test homeserver', () => {
  it('retries a 500 and then succeeds', async () => {
    await fault({ kind: 'error', path_prefix: '/_matrix/client/v3/account/whoami', times: 1 });
    const { m, retries } = apiFor(alice);
    expect(await m.whoami()).toEqual({ userId: alice.userId, deviceId: alice.deviceId });
    expect(retries).toHaveLength(1);
    expect((retries[0]!.error as HomeserverError).status).toBe(500);
  });

  it('waits out a 429 for retry_after_ms', async () => {
    await fault({
      kind: 'ratelimit',
      path_prefix: '/_matrix/client/v3/account/whoami',
      retry_after_ms: 300,
      times: 1,
    });
    const { m, retries } = apiFor(alice);
    const started = Date.now();
    await m.whoami();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(retries.map((r) => r.delayMs)).toEqual([300]);
  });

  it('retries a dropped connection for a GET, not for a POST', async () => {
    await fault({ kind: 'drop', path_prefix: '/_matrix/client/v3/account/whoami', times: 1 });
    const { m, retries } = apiFor(alice);
    await m.whoami();
    expect(retries[0]!.error).toBeInstanceOf(ConnectionError);

    await fault({ kind: 'drop', path_prefix: '/_matrix/client/v3/createRoom', times: 1 });
    await expect(apiFor(alice).m.createRoom({ name: 'x' })).rejects.toThrow(ConnectionError);
  });

  it('times out a delayed reply, and a hanging request stops when aborted', async () => {
    await fault({ kind: 'delay', path_prefix: '/_matrix/client/v3/capabilities', delay_ms: 1000 });
    const { m } = apiFor(alice, { timeoutMs: 200, maxRetries: 0 });
    const err = (await m.capabilities().catch((e: unknown) => e)) as ConnectionError;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.isTimeout).toBe(true);

    await fault({ kind: 'hang', path_prefix: '/_matrix/client/v3/sync', times: -1 });
    const ac = new AbortController();
    const pending = apiFor(alice)
      .m.sync({ timeoutMs: 0 }, ac.signal)
      .catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 100);
    expect(isAbortError(await pending)).toBe(true);
  });

  it('tells about a soft logout through onUnknownToken', async () => {
    const bob = await register(hs.url, 'bob');
    const dead: HomeserverError[] = [];
    const { m } = apiFor(bob, { onUnknownToken: (e) => dead.push(e) });
    await api(hs.url, 'POST', '/_test/soft_logout', {
      user_id: bob.userId,
      device_id: bob.deviceId,
    });
    const err = (await m.whoami().catch((e: unknown) => e)) as HomeserverError;
    expect([err.errcode, err.status, err.softLogout]).toEqual(['M_UNKNOWN_TOKEN', 401, true]);
    expect(dead).toHaveLength(1);
  });
});

describe('MatrixApi against the test homeserver', () => {
  it('discovers versions and flows, logs in with an m.id.user identifier, logs out', async () => {
    await register(hs.url, 'carol', 'pw-carol');
    const anon = apiFor(undefined).m;
    expect((await anon.versions()).versions).toContain('v1.1');
    expect(await anon.loginFlows()).toContain('m.login.password');
    const login = await anon.loginPassword({
      user: 'carol',
      password: 'pw-carol',
      deviceId: 'CAROLDEV',
      deviceName: 'test',
    });
    expect(login).toMatchObject({ userId: '@carol:test.local', deviceId: 'CAROLDEV' });
    const { m } = apiFor({ ...login, token: login.accessToken });
    expect(await m.capabilities()).toHaveProperty('m.room_versions');
    expect(await m.profile(login.userId)).toEqual({ displayName: 'carol' });
    await m.logout();
    await expect(m.whoami()).rejects.toMatchObject({ errcode: 'M_UNKNOWN_TOKEN' });

    const wrong = await anon.loginPassword({ user: 'carol', password: 'nope' }).catch((e) => e);
    expect(wrong).toMatchObject({ errcode: 'M_FORBIDDEN', status: 403 });
  });

  it('creates a room, sends, pages back, gets context and members, with encoded paths', async () => {
    const { m } = apiFor(alice);
    const roomId = await m.createRoom({ name: 'Room', preset: 'private_chat' });
    const txn = 'txn/with spaces?&#';
    const { event_id } = await m.sendEvent(roomId, 'm.room.message', txn, {
      msgtype: 'm.text',
      body: 'hello',
    });
    expect((await m.sendEvent(roomId, 'm.room.message', txn, { body: 'again' })).event_id).toBe(
      event_id,
    );
    expect(urls.some((u) => u.includes(encodeURIComponent(roomId)))).toBe(true);
    expect(urls.some((u) => u.includes(encodeURIComponent(txn)))).toBe(true);
    await m.sendState(roomId, 'm.room.topic', '', { topic: 'Topic' });

    const page = await m.messages(roomId, { dir: 'b', limit: 3 });
    expect(page.chunk).toHaveLength(3);
    expect(page.chunk[0]).toMatchObject({ type: 'm.room.topic' });
    expect(page.end).toBeTypeOf('string');

    const ctx = await m.context(roomId, event_id, 4);
    expect(ctx.event).toMatchObject({ event_id });
    expect(ctx.eventsBefore.length).toBeGreaterThan(0);
    const members = await m.members(roomId);
    expect(members).toEqual([expect.objectContaining({ state_key: alice.userId })]);

    const redaction = await m.redact(roomId, event_id, 'redact-1', 'oops');
    expect(redaction.event_id).toMatch(/^\$/);
  });

  it('invites, joins, receipts, read markers, typing, leaves and forgets', async () => {
    const dave = await register(hs.url, 'dave');
    const a = apiFor(alice).m;
    const d = apiFor(dave).m;
    const roomId = await a.createRoom({ preset: 'private_chat' });
    await a.invite(roomId, dave.userId);
    expect(await d.join(roomId)).toBe(roomId);
    const { event_id } = await d.sendEvent(roomId, 'm.room.message', 't1', { body: 'hi' });
    await a.receipt(roomId, 'm.read', event_id, 'main');
    await a.receipt(roomId, 'm.read.private', event_id);
    await a.readMarkers(roomId, { fullyRead: event_id, read: event_id });
    await a.typing(roomId, alice.userId, true, 5_000);
    await d.leave(roomId);
    await d.forget(roomId);
    const members = (await a.members(roomId)) as { state_key: string; content: any }[];
    const daveState = members.find((e) => e.state_key === dave.userId);
    expect(daveState?.content.membership).toBe('leave');
  });

  it('sets and reads account data; unset is undefined', async () => {
    const { m } = apiFor(alice);
    expect(await m.getAccountData(alice.userId, 'org.example.none')).toBeUndefined();
    await m.setAccountData(alice.userId, 'org.example.a', { x: 1 });
    expect(await m.getAccountData(alice.userId, 'org.example.a')).toEqual({ x: 1 });
    const roomId = await m.createRoom({});
    expect(await m.getRoomAccountData(alice.userId, roomId, 'org.example.r')).toBeUndefined();
    await m.setRoomAccountData(alice.userId, roomId, 'org.example.r', { y: 2 });
    expect(await m.getRoomAccountData(alice.userId, roomId, 'org.example.r')).toEqual({ y: 2 });
  });

  it('refuses account data nested too deeply to keep, with a clear error', async () => {
    const { m } = apiFor(alice);
    const path = `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/x.deep`;
    const raw = `{"x":${'['.repeat(22_000)}${']'.repeat(22_000)}}`;
    expect((await api(hs.url, 'PUT', path, raw, alice.token)).status).toBe(200);
    const err = await m.getAccountData(alice.userId, 'x.deep').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HomeserverError);
    expect(err).toMatchObject({ errcode: 'M_BAD_JSON' });
  });

  it('accepts a /sync reply far larger than the limit other replies have', async () => {
    const carol = await register(hs.url, 'bigsync');
    const { m } = apiFor(carol);
    const roomId = await m.createRoom({});
    for (let i = 0; i < 3; i++) {
      await m.sendEvent(roomId, 'm.room.message', `big-${i}`, { body: 'x'.repeat(4000) });
    }
    const small = apiFor(carol, { maxReplyBytes: 8_000 }).m;
    const synced = await small.sync({ timeoutMs: 0 });
    expect(JSON.stringify(synced).length).toBeGreaterThan(12_000);
    const err = await small.messages(roomId, { dir: 'b', limit: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplyTooLargeError);
  });

  it('syncs with an uploaded filter and long-polls', async () => {
    const { m } = apiFor(alice);
    const { filterId } = await m.uploadFilter(alice.userId, { room: { timeline: { limit: 5 } } });
    const first = await m.sync({ timeoutMs: 0, filterId });
    expect(first.next_batch).toBeTypeOf('string');
    const started = Date.now();
    const second = await m.sync({ since: first.next_batch, timeoutMs: 300, filterId });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(second.next_batch).toBeTypeOf('string');
  });

  it('degrades on a server advertising only v1.1–v1.2', async () => {
    const old = ['r0.6.1', 'v1.1', 'v1.2'];
    const { m } = apiFor(alice, {}, old);
    const roomId = await m.createRoom({});
    await expect(m.messages(roomId, { dir: 'b', limit: 5 })).rejects.toThrow(UnsupportedError);
    await expect(m.receipt(roomId, 'm.read.private', '$x')).rejects.toThrow(UnsupportedError);
    await m.sync({ timeoutMs: 0, useStateAfter: true });
    expect(urls.at(-1)).not.toContain('use_state_after');
    const { event_id } = await m.sendEvent(roomId, 'm.room.message', 'old-1', { body: 'x' });
    urls.length = 0;
    await m.receipt(roomId, 'm.fully_read', event_id);
    expect(urls).toEqual([expect.stringContaining('/read_markers')]);
    urls.length = 0;
    await m.receipt(roomId, 'm.read', event_id, 'main');
    expect(urls).toHaveLength(1);
    expect(bodies.at(-1)).toEqual({});

    const modern = apiFor(alice, {}, [...old, 'v1.16']).m;
    await modern.sync({ timeoutMs: 0, useStateAfter: true });
    expect(urls.at(-1)).toContain('use_state_after=true');
  });
});
