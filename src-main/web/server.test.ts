import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { HARNESS } from '../ipc/channels';
import type { AppEvent, Bridge, CoreStatus, IpcResult } from '../ipc/contract';
import type { HostedCore } from '../ipc/core-api';
import { EventLog } from '../services/event-log';
import { startWebServer, type WebServer } from './server';

/** An in-process test double of the hosted core: answers two commands, pushes events on demand. */
function doubleCore(capacity?: number) {
  const log = new EventLog(capacity);
  const status: CoreStatus = 'ready';
  const core: HostedCore = {
    status,
    statusEvent: () => ({ type: 'core.status', seq: log.lastSeq, data: { status } }),
    handle: async (command, data): Promise<IpcResult<unknown>> => {
      if (command === 'app.version') return { ok: true, value: { version: '0.0.1-test' } };
      if (command === 'events.since') {
        return { ok: true, value: log.since((data as { afterSeq: number }).afterSeq) };
      }
      return { ok: false, error: { code: 'not_in_double', message: command } };
    },
    onEvent: (cb) => log.subscribe(cb),
    close: async () => {},
  };
  const type = (n: number) =>
    log.push('typing.changed', { roomId: '!r:hs', userIds: [`@u${n}:hs`] });
  return { core, log, type };
}

let rendererDir: string;
const servers: WebServer[] = [];
const sockets: WebSocket[] = [];

beforeAll(() => {
  rendererDir = mkdtempSync(join(tmpdir(), 'lm-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>LightMatrix</title>');
});
afterAll(() => rmSync(rendererDir, { recursive: true, force: true }));
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(core: HostedCore): Promise<WebServer> {
  const server = await startWebServer({ core, rendererDir });
  servers.push(server);
  return server;
}

type SocketOptions = {
  secret?: string | null;
  host?: string;
  origin?: string | null;
  path?: string;
};

/** A raw WebSocket client; resolves once open, or with the HTTP status it was refused with. */
function open(server: WebServer, o: SocketOptions = {}): Promise<WebSocket | number> {
  const origin = o.origin === undefined ? `http://127.0.0.1:${server.port}` : o.origin;
  const secret = o.secret === undefined ? server.secret : o.secret;
  const protocols = [
    HARNESS.wsProtocol,
    ...(secret === null ? [] : [HARNESS.wsSecretPrefix + secret]),
  ];
  const headers: Record<string, string> = o.host ? { host: o.host } : {};
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${o.path ?? HARNESS.wsPath}`, protocols, {
    headers,
    ...(origin === null ? {} : { origin }),
  });
  sockets.push(ws);
  readers.set(ws, reader(ws)); // before 'open': the first message can arrive in the same tick
  return new Promise((done, fail) => {
    ws.once('open', () => done(ws));
    ws.once('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
    ws.once('error', fail);
  });
}

const readers = new WeakMap<WebSocket, Reader>();
type Reader = { messages: any[]; next(): Promise<any> };

/** Collects every message of `ws`; `next()` waits for the next unread one. */
function reader(ws: WebSocket): Reader {
  const messages: any[] = [];
  const waiters: (() => void)[] = [];
  let read = 0;
  ws.on('message', (raw) => {
    messages.push(JSON.parse(raw.toString()));
    waiters.splice(0).forEach((w) => w());
  });
  return {
    messages,
    next: async (): Promise<any> => {
      while (read >= messages.length) await new Promise<void>((w) => waiters.push(w));
      return messages[read++];
    },
  };
}

function httpGet(server: WebServer, path: string, host?: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (done, fail) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path, headers: host ? { host } : {} },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', fail);
      req.end();
    },
  );
}

describe('browser harness server', () => {
  it('serves the renderer on loopback without a secret, never leaking the page URL', async () => {
    const server = await serve(doubleCore().core);
    expect(server.pageUrl).toBe(`http://127.0.0.1:${server.port}/?secret=${server.secret}`);
    expect(server.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const page = await httpGet(server, '/?secret=whatever');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>LightMatrix</title>');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await httpGet(server, '/%2e%2e/%2e%2e/etc/passwd')).status).toBeGreaterThanOrEqual(403);
    expect((await httpGet(server, '/', `localhost:${server.port}`)).status).toBe(200);
    expect((await httpGet(server, '/', `evil.example:${server.port}`)).status).toBe(403);
  });

  it('refuses the API without the secret, from another Host or Origin, or on another path', async () => {
    const server = await serve(doubleCore().core);
    const port = server.port;
    expect(await open(server, { secret: null })).toBe(403);
    expect(await open(server, { secret: 'A'.repeat(43) })).toBe(403);
    expect(await open(server, { secret: server.secret.slice(1) })).toBe(403);
    expect(await open(server, { host: `rebound.example:${port}` })).toBe(403);
    expect(await open(server, { host: `127.0.0.1:${port + 1}` })).toBe(403);
    expect(await open(server, { origin: 'http://evil.example' })).toBe(403);
    expect(await open(server, { origin: `http://localhost:${port}` })).toBe(403);
    expect(await open(server, { origin: null })).toBe(403);
    expect(await open(server, { path: '/api/other' })).toBe(403);
    // The same page reached as localhost is its own origin, and allowed.
    const viaLocalhost = await open(server, {
      host: `localhost:${port}`,
      origin: `http://localhost:${port}`,
    });
    expect(viaLocalhost).toBeInstanceOf(WebSocket);
  });

  it('answers commands with the Electron envelope and starts with the core status', async () => {
    const { core, type } = doubleCore();
    type(1);
    const server = await serve(core);
    const ws = (await open(server)) as WebSocket;
    expect(ws.protocol).toBe(HARNESS.wsProtocol);
    const r = readers.get(ws)!;
    expect(await r.next()).toEqual({
      event: { type: 'core.status', seq: 1, data: { status: 'ready' } },
    });
    ws.send(JSON.stringify({ id: 7, command: 'app.version', data: {} }));
    expect(await r.next()).toEqual({
      id: 7,
      result: { ok: true, value: { version: '0.0.1-test' } },
    });
    ws.send(JSON.stringify({ id: 8, command: 'no.such', data: {} }));
    expect(await r.next()).toMatchObject({
      id: 8,
      result: { ok: false, error: { code: 'unknown_command' } },
    });
    const closed = new Promise<number>((done) => ws.once('close', (code) => done(code)));
    ws.send('not json');
    expect(await closed).toBe(1008);
  });

  it('pushes events to every connected renderer, and catches one up through events.since', async () => {
    const { core, type } = doubleCore();
    const server = await serve(core);
    const a = readers.get((await open(server)) as WebSocket)!;
    const bSocket = (await open(server)) as WebSocket;
    const b = readers.get(bSocket)!;
    await a.next();
    await b.next();
    type(1);
    expect((await a.next()).event).toMatchObject({ type: 'typing.changed', seq: 1 });
    expect((await b.next()).event).toMatchObject({ type: 'typing.changed', seq: 1 });

    bSocket.close();
    type(2);
    type(3);
    expect((await a.next()).event.seq).toBe(2);
    const again = (await open(server)) as WebSocket;
    const c = readers.get(again)!;
    expect((await c.next()).event).toMatchObject({ type: 'core.status', seq: 3 });
    again.send(JSON.stringify({ id: 1, command: 'events.since', data: { afterSeq: 1 } }));
    const since = await c.next();
    expect(since.result.value.reset).toBe(false);
    expect(since.result.value.events.map((e: AppEvent) => [e.seq, e.data])).toEqual([
      [2, { roomId: '!r:hs', userIds: ['@u2:hs'] }],
      [3, { roomId: '!r:hs', userIds: ['@u3:hs'] }],
    ]);
  });
});

describe('browser harness server under misbehaving clients', () => {
  /** Captures the harness's stderr lines; `seen(re)` waits until one matches. */
  function watchLog() {
    const lines: string[] = [];
    const waiters: (() => void)[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
      waiters.splice(0).forEach((w) => w());
    });
    const seen = async (re: RegExp): Promise<string> => {
      for (;;) {
        const line = lines.find((l) => re.test(l));
        if (line) return line;
        await new Promise<void>((w) => waiters.push(w));
      }
    };
    return { seen, restore: () => spy.mockRestore() };
  }

  /** Asks `ws` for the version and returns the answer. */
  async function ask(ws: WebSocket, id: number): Promise<any> {
    const r = readers.get(ws)!;
    ws.send(JSON.stringify({ id, command: 'app.version', data: {} }));
    for (;;) {
      const message = await r.next();
      if (message.id === id) return message;
    }
  }

  it('survives a refused client resetting its socket, and keeps serving the others', async () => {
    const log = watchLog();
    try {
      const server = await serve(doubleCore().core);
      const other = (await open(server)) as WebSocket;
      // A raw client with a wrong secret: it reads the refusal, then resets the connection
      // instead of closing it (allowHalfOpen: it must not answer the server's FIN first).
      const raw = connect({ host: '127.0.0.1', port: server.port, allowHalfOpen: true });
      raw.on('error', () => {});
      const refusal = new Promise<string>((done) => raw.once('data', (d) => done(d.toString())));
      raw.write(
        [
          `GET ${HARNESS.wsPath} HTTP/1.1`,
          `Host: 127.0.0.1:${server.port}`,
          `Origin: http://127.0.0.1:${server.port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
          `Sec-WebSocket-Protocol: ${HARNESS.wsProtocol}, ${HARNESS.wsSecretPrefix}wrong`,
          '',
          '',
        ].join('\r\n'),
      );
      expect(await refusal).toMatch(/^HTTP\/1\.1 403 /);
      raw.resetAndDestroy();
      expect(await log.seen(/web: .*ECONNRESET/)).toMatch(/refused|upgrade/);

      expect((await ask(other, 1)).result).toEqual({ ok: true, value: { version: '0.0.1-test' } });
      const late = (await open(server)) as WebSocket;
      expect((await ask(late, 2)).result).toMatchObject({ ok: true });
    } finally {
      log.restore();
    }
  });

  it('closes a client that sends a frame over the size limit (1009), and serves the others', async () => {
    const log = watchLog();
    try {
      const server = await serve(doubleCore().core);
      const other = (await open(server)) as WebSocket;
      const big = (await open(server)) as WebSocket;
      big.on('error', () => {});
      const closed = new Promise<number>((done) => big.once('close', (code) => done(code)));
      big.send(Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
      expect(await closed).toBe(1009);
      expect(await log.seen(/web: .*Max payload size exceeded/)).toBeTruthy();

      expect((await ask(other, 1)).result).toEqual({ ok: true, value: { version: '0.0.1-test' } });
    } finally {
      log.restore();
    }
  });
});

// The renderer's WebSocket bridge, run in Node over `ws`. Loaded by URL so the Node type-check
// does not pull renderer (DOM) code into its program.
type TestBridge = Bridge & { dispose(): void };
type BridgeModule = {
  WebSocketBridge: new (options: {
    url: string;
    secret: string;
    connect: (
      url: string,
      protocols: string[],
      on: { open(): void; message(text: string): void; close(): void },
    ) => { send(text: string): void; close(): void };
    onReset: () => void;
    retryMs?: { min: number; max: number };
  }) => TestBridge;
};
const bridgeUrl = new URL('../../src-renderer/lib/bridge.ts', import.meta.url).href;

describe('renderer bridge over the harness WebSocket', () => {
  async function connectBridge(server: WebServer, onReset = () => {}) {
    const { WebSocketBridge } = (await import(/* @vite-ignore */ bridgeUrl)) as BridgeModule;
    const live: WebSocket[] = [];
    const bridge = new WebSocketBridge({
      url: `ws://127.0.0.1:${server.port}${HARNESS.wsPath}`,
      secret: server.secret,
      retryMs: { min: 20, max: 100 },
      onReset,
      connect: (url, protocols, on) => {
        const ws = new WebSocket(url, protocols, { origin: `http://127.0.0.1:${server.port}` });
        live.push(ws);
        ws.on('open', () => on.open());
        ws.on('message', (raw) => on.message(raw.toString()));
        ws.on('close', () => on.close());
        ws.on('error', () => {});
        return { send: (t) => ws.send(t), close: () => ws.close() };
      },
    });
    const statuses: string[] = [];
    const seqs: number[] = [];
    bridge.on('core.status', (e) => statuses.push(e.data.status));
    bridge.on('typing.changed', (e) => seqs.push(e.seq));
    /** Cuts the current connection, as a network drop would. */
    const drop = () => live[live.length - 1]!.terminate();
    return { bridge, statuses, seqs, drop };
  }

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((w) => setTimeout(w, 10));
    expect(check()).toBe(true);
  };

  it('invokes commands and receives events once each, across a reconnect', async () => {
    const { core, type } = doubleCore();
    type(1); // before the renderer connected: not replayed to it
    const server = await serve(core);
    const { bridge, statuses, seqs, drop } = await connectBridge(server);
    expect(await bridge.invoke('app.version', {})).toEqual({
      ok: true,
      value: { version: '0.0.1-test' },
    });
    expect(statuses).toEqual(['ready']);
    type(2);
    await until(() => seqs.length === 1);

    drop();
    await until(() => statuses.length === 2);
    expect(statuses[1]).toBe('not-connected');
    type(3);
    type(4);
    await until(() => seqs.length === 3 && statuses.length === 3);
    type(5);
    await until(() => seqs.length === 4);
    expect(seqs).toEqual([2, 3, 4, 5]);
    expect(statuses).toEqual(['ready', 'not-connected', 'ready']);
    bridge.dispose();
  });

  it('fails a command in flight when the connection drops, and sends queued ones on reconnect', async () => {
    const { core } = doubleCore();
    let release: (r: IpcResult<unknown>) => void = () => {};
    const slow: HostedCore = {
      ...core,
      handle: (command, data) =>
        command === 'queue.list'
          ? new Promise((done) => (release = done))
          : core.handle(command, data),
    };
    const server = await serve(slow);
    const { bridge, statuses, drop } = await connectBridge(server);
    await bridge.invoke('app.version', {});
    const inFlight = bridge.invoke('queue.list', {});
    await new Promise((w) => setTimeout(w, 30));
    drop();
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'disconnected' } });
    const queued = bridge.invoke('app.version', {});
    expect(await queued).toMatchObject({ ok: true });
    await until(() => statuses.at(-1) === 'ready');
    release({ ok: true, value: { items: [] } });
    bridge.dispose();
  });

  it('asks the page to reload when the missed events are no longer kept', async () => {
    const { core, type } = doubleCore(3);
    const server = await serve(core);
    let resets = 0;
    const { bridge, seqs, drop } = await connectBridge(server, () => resets++);
    await bridge.invoke('app.version', {});
    type(1);
    await until(() => seqs.length === 1);
    drop();
    for (let n = 2; n <= 6; n++) type(n); // 2 falls out of a buffer of 3
    await until(() => resets === 1);
    expect(seqs).toEqual([1]);
    bridge.dispose();
  });
});
