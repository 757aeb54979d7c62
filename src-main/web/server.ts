import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { HARNESS } from '../ipc/channels';
import type { HostedCore } from '../ipc/core-api';
import { allowedHost, newSecret, refuseApiRequest, secretFromProtocols } from './request-guard';
import { serveSocket } from './socket-api';
import { SECURITY_HEADERS, staticFiles } from './static-files';

/** How to start the browser harness's server. */
export type WebServerOptions = {
  core: HostedCore;
  /** The built renderer (`out/renderer`). */
  rendererDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to a fresh random one. */
  secret?: string;
};

/** A running harness server. */
export type WebServer = {
  port: number;
  secret: string;
  /** The page to open: `http://127.0.0.1:P/?secret=…`. */
  pageUrl: string;
  /** Disconnects every renderer and stops listening (the core is the caller's to close). */
  close(): Promise<void>;
};

/**
 * Serves the built renderer and, at `/api/ws`, the core's API over a WebSocket, on 127.0.0.1
 * only. Static files need no secret; the API always does (see `request-guard.ts`).
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const secret = options.secret ?? newSecret();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4 * 1024 * 1024,
    handleProtocols: (offered) => (offered.has(HARNESS.wsProtocol) ? HARNESS.wsProtocol : false),
  });
  wss.on('connection', (socket) => serveSocket(socket, options.core));
  wss.on('error', (err) => console.error(`web: WebSocket server error: ${err.message}`));

  const files = staticFiles(options.rendererDir);
  let port = 0;
  // Plain HTTP serves only the static renderer: the API is the WebSocket alone.
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!allowedHost(req, port)) {
      res.writeHead(403, SECURITY_HEADERS).end('Forbidden host');
    } else {
      files(req, res);
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the raw socket over with no 'error' listener: without one, a client that
    // resets it while refused would crash the harness, and every window's API with it.
    const onError = (err: NodeJS.ErrnoException): void =>
      console.error(`web: a WebSocket upgrade's connection failed (${err.code ?? err.message})`);
    socket.on('error', onError);
    const refused =
      new URL(req.url ?? '/', 'http://h').pathname !== HARNESS.wsPath
        ? 'not found'
        : refuseApiRequest(req, port, secret, secretFromProtocols(req));
    if (refused) {
      console.error(`web: refused a WebSocket upgrade (${refused})`);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', onError); // the WebSocket handles its socket's errors from here on
      wss.emit('connection', ws, req);
    });
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  // Once listening, a server error (e.g. out of file descriptors) is logged, not fatal.
  server.on('error', (err) => console.error(`web: server error: ${err.message}`));
  port = (server.address() as AddressInfo).port;

  return {
    port,
    secret,
    pageUrl: `http://127.0.0.1:${port}/?${HARNESS.secretParam}=${secret}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
