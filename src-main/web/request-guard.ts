import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HARNESS } from '../ipc/channels';

// Who may use the harness's API: a page this server handed out, in a browser on this machine.
// - Host must name the loopback address we listen on (a rebound DNS name is refused).
// - Origin must be our own (another site's page cannot call in: CSRF, cross-site WebSockets).
// - The per-run secret, which only the printed page URL carries, must come with every API
//   call (other local users and processes cannot call in).

/** A fresh secret: 32 random bytes, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The `Host` value if it is `127.0.0.1:port` or `localhost:port`, else undefined. */
export function allowedHost(req: IncomingMessage, port: number): string | undefined {
  const host = req.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` ? host : undefined;
}

/** Whether the request's `Origin` is the page's own origin, `http://<host>`. */
export function isSameOrigin(req: IncomingMessage, host: string): boolean {
  return req.headers.origin === `http://${host}`;
}

/** Whether `offered` equals `secret`, compared in constant time. */
export function secretMatches(offered: string | undefined, secret: string): boolean {
  if (offered === undefined) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The secret carried in the `Sec-WebSocket-Protocol` header, if any. */
export function secretFromProtocols(req: IncomingMessage): string | undefined {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return undefined;
  const offered = header.split(',').map((p) => p.trim());
  const prefix = HARNESS.wsSecretPrefix;
  return offered.find((p) => p.startsWith(prefix))?.slice(prefix.length);
}

/** Why an API request is refused, or undefined if it may go on. */
export function refuseApiRequest(
  req: IncomingMessage,
  port: number,
  secret: string,
  offeredSecret: string | undefined,
): string | undefined {
  const host = allowedHost(req, port);
  if (!host) return 'bad Host';
  if (!isSameOrigin(req, host)) return 'bad Origin';
  if (!secretMatches(offeredSecret, secret)) return 'bad secret';
  return undefined;
}
