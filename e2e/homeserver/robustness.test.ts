/**
 * Bad input, injected faults, persistence across restarts and the CLI entry point. Error
 * shapes follow the spec's standard error response (definitions/errors/error.yaml,
 * rate_limited.yaml) and the common error codes (M_NOT_JSON, M_BAD_JSON, M_UNRECOGNIZED,
 * M_TOO_LARGE, M_UNKNOWN_TOKEN, M_LIMIT_EXCEEDED).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHomeserver, type RunningHomeserver } from './server';
import {
  CS,
  client,
  expectError,
  ok,
  roomPath,
  seedRoom,
  seedUser,
  sendText,
  serverPool,
  sleep,
  sync,
  type Json,
} from './testing/fixtures';
import { api, register, startTestServer, type TestUser } from './testing/helpers';

const start = serverPool();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hs-robust-'));
  dirs.push(d);
  return d;
};

describe('bad input (one server throughout, checked intact at the end)', () => {
  let server: RunningHomeserver;
  let A: ReturnType<typeof client>;
  let R: (rest: string) => string;
  let roomId: string;
  beforeAll(async () => {
    server = await startTestServer();
    const alice = await seedUser(server.url, 'alice');
    roomId = await seedRoom(server.url, { creator: alice.userId, name: 'Keep me' });
    await sendText(server.url, alice, roomId, 'survivor');
    A = client(server.url, alice);
    R = (rest) => roomPath(roomId, rest);
  });
  afterAll(() => server.close());

  it('malformed JSON is 400 M_NOT_JSON', async () => {
    expectError(await A.call('POST', `${CS}/createRoom`, '{"name": "x"'), 400, 'M_NOT_JSON');
    expectError(await A.call('PUT', R('/send/m.room.message/b1'), 'not json'), 400, 'M_NOT_JSON');
  });

  it('a JSON array (or string) where an object is expected is 400 M_BAD_JSON', async () => {
    expectError(await A.call('POST', `${CS}/createRoom`, '[]'), 400, 'M_BAD_JSON');
    expectError(await A.call('PUT', R('/send/m.room.message/b2'), '[1,2]'), 400, 'M_BAD_JSON');
    expectError(await api(server.url, 'POST', `${CS}/login`, '"a string"'), 400, 'M_BAD_JSON');
  });

  it('wrong field types are 400 M_BAD_JSON', async () => {
    expectError(await A.call('POST', `${CS}/createRoom`, { name: 42 }), 400, 'M_BAD_JSON');
    expectError(await A.call('POST', `${CS}/createRoom`, { invite: 'bob' }), 400, 'M_BAD_JSON');
    const login = {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: 'alice' },
      password: 1234,
    };
    expectError(await api(server.url, 'POST', `${CS}/login`, login), 400, 'M_BAD_JSON');
    const typing = R(`/typing/${encodeURIComponent(A.user.userId)}`);
    expectError(await A.call('PUT', typing, { typing: 'yes' }), 400, 'M_BAD_JSON');
  });

  it('an unknown endpoint is 404 M_UNRECOGNIZED; a wrong method 405 M_UNRECOGNIZED', async () => {
    expectError(await A.call('GET', `${CS}/no/such/endpoint`), 404, 'M_UNRECOGNIZED');
    expectError(await A.call('GET', '/_matrix/client/v9/sync'), 404, 'M_UNRECOGNIZED');
    expectError(await A.call('DELETE', `${CS}/sync`), 405, 'M_UNRECOGNIZED');
    expectError(await A.call('GET', `${CS}/createRoom`), 405, 'M_UNRECOGNIZED');
  });

  it('a body over 1 MiB is 413 M_TOO_LARGE; an event over 64 KiB too', async () => {
    const huge = JSON.stringify({ msgtype: 'm.text', body: 'x'.repeat(1024 * 1024 + 10) });
    expectError(await A.call('PUT', R('/send/m.room.message/huge'), huge), 413, 'M_TOO_LARGE');
    const big = { msgtype: 'm.text', body: 'y'.repeat(70 * 1024) };
    expectError(await A.call('PUT', R('/send/m.room.message/big'), big), 413, 'M_TOO_LARGE');
    await A.put(R('/send/m.room.message/fits'), { msgtype: 'm.text', body: 'z'.repeat(60 * 1024) });
  });

  it('content nested 22,000 levels deep (44 KB) is stored and relayed, not a 500', async () => {
    const depth = 22_000;
    const raw = `{"msgtype":"m.text","body":"deep","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const id = (await A.put(R('/send/m.room.message/deep'), raw)).event_id as string;
    const ev = (await A.get(R(`/event/${encodeURIComponent(id)}`))) as Json;
    let level = 0;
    for (let v = (ev.content as Json).x; Array.isArray(v); v = v[0]) level++;
    expect(level).toBe(depth);
  });

  it('a bad access token is 401 M_UNKNOWN_TOKEN', async () => {
    const r = await api(server.url, 'GET', `${CS}/joined_rooms`, undefined, 'syt_bogus');
    expectError(r, 401, 'M_UNKNOWN_TOKEN');
  });

  it('sends CORS headers on replies, errors and OPTIONS preflight', async () => {
    for (const path of ['/_matrix/client/versions', `${CS}/nope`]) {
      const res = await fetch(server.url + path);
      await res.arrayBuffer();
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
    const pre = await fetch(`${server.url}${CS}/rooms/x/send/m.room.message/1`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    });
    await pre.arrayBuffer();
    expect(pre.ok).toBe(true);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    const list = (h: string) => (pre.headers.get(h) ?? '').split(',').map((x) => x.trim());
    expect(list('access-control-allow-methods')).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']),
    );
    expect(list('access-control-allow-headers').map((x) => x.toLowerCase())).toEqual(
      expect.arrayContaining(['x-requested-with', 'content-type', 'authorization']),
    );
  });

  it('after all that the server still serves and nothing was lost', async () => {
    expect((await A.get(`${CS}/joined_rooms`)).joined_rooms).toEqual([roomId]);
    const chunk = (await A.get(R('/messages?dir=b&limit=20'))).chunk as Json[];
    const texts = chunk
      .filter((ev) => ev.type === 'm.room.message')
      .map((ev) => String((ev.content as Json).body).slice(0, 10));
    expect(texts).toEqual(['deep', 'z'.repeat(10), 'survivor']);
    expect(await A.get(R('/state/m.room.name'))).toEqual({ name: 'Keep me' });
  });
});

describe('injected faults', () => {
  const WHOAMI = `${CS}/account/whoami`;
  async function setup() {
    const { url } = await start();
    const alice = await seedUser(url, 'alice');
    const whoami = (init: RequestInit = {}) =>
      fetch(url + WHOAMI, { ...init, headers: { Authorization: `Bearer ${alice.token}` } });
    const fault = async (spec: Json) => ok(await api(url, 'POST', '/_test/faults', spec));
    return { url, alice, whoami, fault, A: client(url, alice) };
  }

  it('an injected 500 fails once, then the server recovers', async () => {
    const { whoami, fault } = await setup();
    await fault({ kind: 'error', path_prefix: WHOAMI, status: 500, errcode: 'M_UNKNOWN' });
    const r = await whoami();
    expect(r.status).toBe(500);
    expect(((await r.json()) as Json).errcode).toBe('M_UNKNOWN');
    expect((await whoami()).status).toBe(200);
  });

  it('a rate limit is 429 M_LIMIT_EXCEEDED with retry_after_ms and Retry-After', async () => {
    const { whoami, fault } = await setup();
    await fault({ kind: 'ratelimit', path_prefix: WHOAMI, retry_after_ms: 2500 });
    const r = await whoami();
    expect(r.status).toBe(429);
    expect(await r.json()).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 2500 });
    expect(r.headers.get('retry-after')).toBe('3');
    expect((await whoami()).status).toBe(200);
  });

  it('delay slows the reply but it still succeeds', async () => {
    const { whoami, fault } = await setup();
    await fault({ kind: 'delay', path_prefix: WHOAMI, delay_ms: 300 });
    const t0 = Date.now();
    expect((await whoami()).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it('drop closes the connection (fetch rejects); hang never answers', async () => {
    const { whoami, fault } = await setup();
    await fault({ kind: 'drop', path_prefix: WHOAMI });
    await expect(whoami()).rejects.toThrow();
    expect((await whoami()).status).toBe(200);

    await fault({ kind: 'hang', path_prefix: WHOAMI });
    const ac = new AbortController();
    const t0 = Date.now();
    const pending = whoami({ signal: ac.signal });
    const timer = setTimeout(() => ac.abort(), 500);
    await expect(pending).rejects.toThrow(/abort/i);
    clearTimeout(timer);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(480);
    expect((await whoami()).status).toBe(200);
  });

  it('`times` counts matching requests; -1 lasts until cleared; method narrows it', async () => {
    const { url, whoami, fault, A } = await setup();
    await fault({ kind: 'error', path_prefix: WHOAMI, status: 503, times: 2 });
    expect([(await whoami()).status, (await whoami()).status]).toEqual([503, 503]);
    expect((await whoami()).status).toBe(200);

    await fault({ kind: 'error', path_prefix: `${CS}/joined_rooms`, status: 502, times: -1 });
    for (let i = 0; i < 4; i++)
      expect((await A.call('GET', `${CS}/joined_rooms`)).status).toBe(502);
    ok(await api(url, 'DELETE', '/_test/faults'));
    await A.get(`${CS}/joined_rooms`);

    await fault({ kind: 'error', path_prefix: `${CS}/createRoom`, method: 'POST', status: 500 });
    expect((await A.call('GET', `${CS}/createRoom`)).status).toBe(405);
    expect((await A.call('POST', `${CS}/createRoom`, {})).status).toBe(500);
    await A.post(`${CS}/createRoom`, {});
  });

  it('old_versions makes /versions advertise only r0/v1.1/v1.2-era versions', async () => {
    const { url } = await start();
    ok(await api(url, 'PUT', '/_test/config', { old_versions: true }));
    const v = ok(await api(url, 'GET', '/_matrix/client/versions')).body.versions as string[];
    expect(v.length).toBeGreaterThan(0);
    for (const x of v) expect(x).toMatch(/^(r0\.\d+\.\d+|v1\.[12])$/);
  });

  it('the control API is 404 M_UNRECOGNIZED outside test mode', async () => {
    const server = await startHomeserver({ port: 0 });
    try {
      const body = { username: 'x', kind: 'error' };
      expectError(await api(server.url, 'POST', '/_test/users', body), 404, 'M_UNRECOGNIZED');
      expectError(await api(server.url, 'POST', '/_test/faults', body), 404, 'M_UNRECOGNIZED');
      expectError(await api(server.url, 'GET', '/_test/stats'), 404, 'M_UNRECOGNIZED');
      expect((await api(server.url, 'POST', `${CS}/login`, {})).status).not.toBe(404);
      ok(await api(server.url, 'GET', '/_matrix/client/versions'));
    } finally {
      await server.close();
    }
  });
});

describe('persistence', () => {
  type Seeded = { alice: TestUser; roomId: string; sent: string[]; since: string };

  /** Registers alice, makes a room with two messages; returns what to check later. */
  async function populate(url: string): Promise<Seeded> {
    const alice = await register(url, 'alice', 'pw');
    const A = client(url, alice);
    const roomId = (await A.post(`${CS}/createRoom`, { name: 'Durable' })).room_id as string;
    const sent = [
      await sendText(url, alice, roomId, 'one'),
      await sendText(url, alice, roomId, 'two'),
    ];
    const since = (await sync(url, alice)).body.next_batch as string;
    return { alice, roomId, sent, since };
  }

  async function verify(url: string, p: Seeded) {
    const login = await api(url, 'POST', `${CS}/login`, {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: 'alice' },
      password: 'pw',
    });
    expect(ok(login).body.user_id).toBe(p.alice.userId);
    const A = client(url, p.alice);
    expect((await A.get(`${CS}/account/whoami`)).device_id).toBe(p.alice.deviceId);
    expect((await A.get(`${CS}/joined_rooms`)).joined_rooms).toEqual([p.roomId]);
    const chunk = (await A.get(roomPath(p.roomId, '/messages?dir=b&limit=3'))).chunk as Json[];
    expect(chunk.slice(0, 2).map((ev) => ev.event_id)).toEqual([...p.sent].reverse());
    expect(await A.get(roomPath(p.roomId, '/state/m.room.name'))).toEqual({ name: 'Durable' });
    const fresh = await sendText(url, p.alice, p.roomId, 'after restart');
    const s = (await sync(url, p.alice, { since: p.since })).body;
    const tl = s.rooms.join[p.roomId].timeline.events as Json[];
    expect(tl.map((ev) => ev.event_id)).toEqual([fresh]);
  }

  it('with dataDir, state survives restart()', async () => {
    const server = await start({ dataDir: tempDir() });
    const p = await populate(server.url);
    await server.restart();
    await sleep(50);
    await verify(server.url, p);
  });

  it('with dataDir, state survives a full close and a new server on the same folder', async () => {
    const dir = tempDir();
    const first = await startTestServer({ dataDir: dir });
    let p: Seeded;
    try {
      p = await populate(first.url);
    } finally {
      await first.close();
    }
    const second = await start({ dataDir: dir });
    await verify(second.url, p);
  });

  it('without dataDir, restart() and POST /_test/restart keep state in memory', async () => {
    const server = await start();
    const p = await populate(server.url);
    await server.restart();
    await sleep(50);
    ok(await api(server.url, 'POST', '/_test/restart'));
    await sleep(150);
    await verify(server.url, p);
  });
});

describe('command line', () => {
  it('prints exactly one "listening" line and serves /versions', async () => {
    const dir = tempDir();
    const child = spawn('npx', ['tsx', 'e2e/homeserver/main.ts', '--port', '0', '--data', dir], {
      cwd: join(import.meta.dirname, '..', '..'),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('\n') && Date.now() < deadline && child.exitCode === null) {
        await sleep(50);
      }
      const m = /^homeserver listening on (http:\/\/127\.0\.0\.1:(\d+))\n$/.exec(out);
      expect(m, `stdout: ${JSON.stringify(out)} stderr: ${err}`).not.toBeNull();
      expect(Number(m![2])).toBeGreaterThan(0);
      const v = ok(await api(m![1]!, 'GET', '/_matrix/client/versions'));
      expect(v.body.versions).toContain('v1.1');
      await sleep(100);
      expect(out.split('\n').filter(Boolean)).toHaveLength(1);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  });
});
