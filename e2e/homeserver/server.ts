import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { MatrixError, tooLarge, unknownToken } from './errors';
import { Homeserver, type HomeserverOptions } from './hs';
import { allRoutes } from './routes';
import { Router, type Ctx, type Reply, type RawReply, type StatusReply } from './router';
import { toJson } from './json-text';

const MAX_JSON_BYTES = 1024 * 1024;

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'X-Requested-With, Content-Type, Authorization',
};

/** A running test homeserver. */
export type RunningHomeserver = {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The live state (tests may read it; the control API is the way to change it). */
  readonly hs: Homeserver;
  /** Drops every connection and reloads state, as a process restart would. */
  restart(): Promise<void>;
  close(): Promise<void>;
};

export type StartOptions = Omit<HomeserverOptions, 'baseUrl'> & { port?: number; host?: string };

/** Starts the homeserver on 127.0.0.1 (port 0 picks a free one). */
export async function startHomeserver(opts: StartOptions): Promise<RunningHomeserver> {
  const router = new Router<Homeserver>();
  router.add(...allRoutes());
  const sockets = new Set<Socket>();
  const hanging = new Set<AbortController>();
  let hs: Homeserver | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!hs) {
      res.destroy();
      return;
    }
    const current = hs;
    const ac = new AbortController();
    hanging.add(ac);
    res.on('close', () => {
      ac.abort();
      hanging.delete(ac);
    });
    serve(current, router, req, res, ac.signal, running).catch((err: unknown) => {
      console.error('[homeserver] unexpected failure', err);
      if (!res.headersSent) send(res, 500, { errcode: 'M_UNKNOWN', error: 'Internal error' });
    });
  };

  const server: Server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  hs = new Homeserver({ ...opts, baseUrl: url });

  const dropAll = () => {
    for (const ac of hanging) ac.abort();
    for (const s of sockets) s.destroy();
  };

  const running: RunningHomeserver = {
    url,
    port,
    get hs() {
      return hs!;
    },
    async restart() {
      const old = hs!;
      hs = undefined;
      dropAll();
      old.close();
      hs = new Homeserver({ ...opts, baseUrl: url }, old.memoryState());
      // Let clients in this process see their sockets close before they send again.
      await new Promise((r) => setTimeout(r, 50));
    },
    async close() {
      const old = hs;
      hs = undefined;
      dropAll();
      old?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return running;
}

async function serve(
  hs: Homeserver,
  router: Router<Homeserver>,
  req: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
  running: RunningHomeserver,
): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (method === 'OPTIONS') {
    res.writeHead(204, CORS).end();
    return;
  }
  try {
    const fault = hs.faults.take(method, path);
    if (fault) {
      switch (fault.kind) {
        case 'drop':
          req.socket.destroy();
          return;
        case 'hang':
          return; // never answered; the connection closes on restart or shutdown
        case 'delay':
          await new Promise((r) => setTimeout(r, fault.delayMs));
          if (signal.aborted) return;
          break;
        case 'ratelimit':
          res.setHeader('Retry-After', String(Math.ceil(fault.retryAfterMs / 1000)));
          throw new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too many requests (injected)', {
            retry_after_ms: fault.retryAfterMs,
          });
        case 'error':
          throw new MatrixError(fault.status, fault.errcode, 'Injected failure');
      }
    }
    const m = router.match(method, path);
    if (m === undefined) throw new MatrixError(404, 'M_UNRECOGNIZED', 'Unrecognized request');
    if (m === 'method') throw new MatrixError(405, 'M_UNRECOGNIZED', 'Method not allowed');
    const { route, params } = m;
    if (path.startsWith('/_test/') && !hs.testMode) {
      throw new MatrixError(404, 'M_UNRECOGNIZED', 'Test control API is off');
    }
    const token = accessToken(req, url.searchParams);
    let user: Ctx<Homeserver>['user'] | undefined;
    if (route.auth !== 'none' && token !== undefined) {
      const found = hs.accounts.byToken(token);
      if (!found) throw unknownToken(false);
      if (found.soft_logged_out) throw unknownToken(true);
      hs.accounts.touch(found, req.socket.remoteAddress);
      user = { userId: found.user_id, deviceId: found.device_id, token };
    } else if (route.auth === 'required') {
      throw new MatrixError(401, 'M_MISSING_TOKEN', 'Missing access token');
    }
    const limit = route.raw ? hs.config.maxUploadBytes : MAX_JSON_BYTES;
    const bytes = await readBody(req, limit);
    let body: unknown;
    if (route.raw) body = bytes;
    else if (bytes.length > 0) {
      try {
        body = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw new MatrixError(400, 'M_NOT_JSON', 'Content not JSON');
      }
    }
    const ctx: Ctx<Homeserver> = {
      hs,
      req,
      method,
      path,
      params,
      query: url.searchParams,
      body,
      user: user as Ctx<Homeserver>['user'],
      signal,
      server: running,
    };
    const reply = await route.handler(ctx);
    if (signal.aborted) return;
    sendReply(res, reply);
  } catch (err) {
    if (signal.aborted || res.headersSent) return;
    if (err instanceof MatrixError) {
      send(res, err.status, err.body());
    } else {
      console.error(`[homeserver] ${method} ${path} failed`, err);
      send(res, 500, { errcode: 'M_UNKNOWN', error: 'Internal server error' });
    }
  }
}

function accessToken(req: IncomingMessage, q: URLSearchParams): string | undefined {
  const h = req.headers.authorization;
  if (h) {
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    if (m) return m[1];
  }
  return q.get('access_token') ?? undefined;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(`Request body exceeds ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(`Request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => failed || resolve(Buffer.concat(chunks)));
    req.on('error', (e) => failed || reject(e));
  });
}

function isRaw(r: Reply): r is RawReply {
  return typeof r === 'object' && r !== null && 'raw' in r && Buffer.isBuffer(r.raw);
}
function isStatus(r: Reply): r is StatusReply {
  return typeof r === 'object' && r !== null && 'status' in r && 'json' in r;
}

function sendReply(res: ServerResponse, reply: Reply) {
  if (isRaw(reply)) {
    res.writeHead(reply.status ?? 200, { ...CORS, ...reply.headers });
    res.end(reply.raw);
  } else if (isStatus(reply)) send(res, reply.status, reply.json);
  else send(res, 200, reply);
}

function send(res: ServerResponse, status: number, body: unknown) {
  const data = toJson(body);
  res.writeHead(status, {
    ...CORS,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(data),
  });
  res.end(data);
}
