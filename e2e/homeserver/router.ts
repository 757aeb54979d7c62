import type { IncomingMessage } from 'node:http';
import { MatrixError } from './errors';

/** Who made the request, from the access token. */
export type Requester = { userId: string; deviceId: string; token: string };

/** What a handler receives. */
export type Ctx<H> = {
  hs: H;
  req: IncomingMessage;
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON for JSON routes, raw bytes for `raw` routes. */
  body: unknown;
  /** Set for `auth: 'required'` routes, and for `'optional'` ones when a token was sent. */
  user: Requester;
  signal: AbortSignal;
  /** The HTTP server around the state, for the control API's restart. */
  server: { restart(): Promise<void> };
};

/** A non-JSON reply (media). */
export type RawReply = { raw: Buffer; status?: number; headers: Record<string, string> };
/** A JSON reply with a status other than 200. */
export type StatusReply = { status: number; json: unknown };
export type Reply = RawReply | StatusReply | Record<string, unknown> | unknown[];

export type Route<H> = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /**
   * `/client/v3/...` (or v1) is shorthand for `/_matrix/client/{r0,v1,v3,unstable}/...`.
   * `:name` matches one segment; `:name?` matches one optional trailing segment.
   */
  path: string;
  auth: 'required' | 'optional' | 'none';
  /** Take the body as raw bytes (media upload) instead of JSON. */
  raw?: boolean;
  handler: (ctx: Ctx<H>) => Reply | Promise<Reply>;
};

type Compiled<H> = { route: Route<H>; segments: string[] };

const CLIENT_VERSIONS = new Set(['r0', 'v1', 'v3', 'unstable']);

export class Router<H> {
  #routes: Compiled<H>[] = [];

  add(...routes: Route<H>[]): void {
    for (const route of routes) {
      let p = route.path;
      const m = /^\/client\/(?:r0|v1|v3|unstable)(\/.*)$/.exec(p);
      if (m) p = '/_matrix/client/:__version' + m[1];
      this.#routes.push({ route, segments: p.split('/').slice(1) });
    }
  }

  /**
   * The route for this method and path with its parameters; `'method'` when the path is known
   * with another method; undefined when unknown.
   */
  match(
    method: string,
    path: string,
  ): { route: Route<H>; params: Record<string, string> } | 'method' | undefined {
    const parts = path.split('/').slice(1);
    let pathKnown = false;
    for (const c of this.#routes) {
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      if ('__version' in params && !CLIENT_VERSIONS.has(params.__version!)) continue;
      if (c.route.method !== method) {
        pathKnown = true;
        continue;
      }
      return { route: c.route, params };
    }
    return pathKnown ? 'method' : undefined;
  }
}

function matchSegments(segments: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const part = parts[i];
    if (seg.endsWith('?') && seg.startsWith(':')) {
      if (i !== segments.length - 1) throw new Error('optional segment must be last');
      if (parts.length > segments.length) return undefined;
      params[seg.slice(1, -1)] = part === undefined ? '' : decode(part);
      return params;
    }
    if (part === undefined) return undefined;
    if (seg.startsWith(':')) params[seg.slice(1)] = decode(part);
    else if (seg !== part) return undefined;
  }
  return parts.length === segments.length ? params : undefined;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new MatrixError(400, 'M_INVALID_PARAM', 'Malformed percent-encoding in path');
  }
}
