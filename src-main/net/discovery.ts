/**
 * Finds the homeserver behind what a person types: a user id (`@alice:example.org`), a server
 * name (`example.org`) or a URL (`https://matrix.example.org`), following the spec's
 * client-server discovery (`/.well-known/matrix/client`, then `/versions` to validate).
 *
 * @packageDocumentation
 */
import { MatrixApi } from './api';
import { ConnectionError, DiscoveryError, HomeserverError } from './errors';
import { HomeserverClient, trimTrailingSlashes, type FetchFn } from './http';
import { isObject } from './json';

/** A homeserver found and validated, and the login types it offers. */
export type DiscoveredServer = {
  /** Base URL, without a trailing slash. */
  homeserver: string;
  versions: string[];
  loginFlows: string[];
};

/** Tuning, mostly for tests. */
export type DiscoverOptions = { timeoutMs?: number; maxRetries?: number; baseDelayMs?: number };

type Target = { baseUrl: string } | { serverName: string; origin: string };

/** Whether `host` (as `URL.hostname` gives it) is this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/** The server name of a user id (`@alice:example.org:8448` → `example.org:8448`). */
export function serverNameOf(userId: string): string | undefined {
  if (!userId.startsWith('@')) return undefined;
  const i = userId.indexOf(':');
  return i > 1 && i < userId.length - 1 ? userId.slice(i + 1) : undefined;
}

function invalid(message: string): DiscoveryError {
  return new DiscoveryError('invalid_input', message);
}

/**
 * `s` as a homeserver base URL (origin and path, no trailing slash). Plain `http://` only on
 * this machine: anywhere else the password and every message would cross the network in clear.
 * `via` names the server whose `.well-known` gave `s`.
 */
function parseUrl(s: string, via?: string): string {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw invalid(`"${s}" is not a valid URL`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    const where = via ? `${via} points to http://${url.host}` : `http://${url.host}`;
    throw new DiscoveryError(
      'insecure_homeserver',
      `${where} is not encrypted: LightMatrix connects to a homeserver over https:// only ` +
        '(plain http:// only to one on this computer)',
    );
  }
  return trimTrailingSlashes(`${url.origin}${url.pathname}`);
}

/**
 * What to look up. A URL is used as given: `https://`, or `http://` on loopback (the local test
 * homeserver). A server name is reached over `https://`, except on loopback
 * (`localhost:8008`, `127.0.0.1:PORT`, also as the server part of a user id) where a local
 * homeserver speaks plain `http://`.
 */
function parseInput(input: string): Target {
  const s = input.trim();
  if (s === '') throw invalid('Enter a user id, a server name or a homeserver URL');
  if (/^https?:\/\//i.test(s)) return { baseUrl: parseUrl(s) };
  let name = s;
  if (s.startsWith('@')) {
    const server = serverNameOf(s);
    if (!server) throw invalid(`"${s}" is not a user id like @name:example.org`);
    name = server;
  }
  if (/[/?#@\s]/.test(name)) throw invalid(`"${name}" is not a server name`);
  let url: URL;
  try {
    url = new URL(`https://${name}`);
  } catch {
    throw invalid(`"${name}" is not a server name`);
  }
  const scheme = isLoopbackHost(url.hostname) ? 'http' : 'https';
  return { serverName: name, origin: `${scheme}://${url.host}` };
}

function client(baseUrl: string, fetchImpl: FetchFn | undefined, o: DiscoverOptions) {
  return new HomeserverClient({
    baseUrl,
    fetch: fetchImpl,
    timeoutMs: o.timeoutMs ?? 15_000,
    maxRetries: o.maxRetries ?? 1,
    baseDelayMs: o.baseDelayMs ?? 250,
  });
}

/** The well-known base URL, or `undefined` when there is none (404: the spec's IGNORE). */
async function wellKnown(
  serverName: string,
  origin: string,
  fetchImpl: FetchFn | undefined,
  o: DiscoverOptions,
): Promise<string | undefined> {
  let reply: unknown;
  try {
    reply = await client(origin, fetchImpl, o).request('GET', '/.well-known/matrix/client', {
      auth: false,
    });
  } catch (err) {
    if (err instanceof HomeserverError && err.status === 404) return undefined;
    if (err instanceof ConnectionError) {
      throw new DiscoveryError('unreachable', `Cannot reach ${serverName}`, { cause: err });
    }
    const why = err instanceof HomeserverError ? err.message : String(err);
    throw new DiscoveryError('invalid_well_known', `${serverName} gives invalid discovery: ${why}`);
  }
  const hs = isObject(reply) ? reply['m.homeserver'] : undefined;
  const base = isObject(hs) ? hs.base_url : undefined;
  if (typeof base !== 'string' || !/^https?:\/\//i.test(base)) {
    throw new DiscoveryError(
      'invalid_well_known',
      `${serverName} gives no valid homeserver URL in its discovery file`,
    );
  }
  try {
    return parseUrl(base, serverName);
  } catch (err) {
    if (err instanceof DiscoveryError && err.code === 'insecure_homeserver') throw err;
    throw new DiscoveryError('invalid_well_known', `${serverName} gives an invalid homeserver URL`);
  }
}

/** Checks that `baseUrl` is a Matrix homeserver; returns its versions and login flows. */
async function validate(
  baseUrl: string,
  fetchImpl: FetchFn | undefined,
  o: DiscoverOptions,
): Promise<DiscoveredServer> {
  const api = new MatrixApi(client(baseUrl, fetchImpl, o));
  try {
    const { versions } = await api.versions();
    if (versions.length === 0) throw new HomeserverError(200, 'M_BAD_JSON', 'No spec versions');
    const loginFlows = await api.loginFlows();
    return { homeserver: baseUrl, versions, loginFlows };
  } catch (err) {
    if (err instanceof ConnectionError) {
      throw new DiscoveryError('unreachable', `Cannot reach ${baseUrl}`, { cause: err });
    }
    if (err instanceof HomeserverError && err.status !== 429) {
      throw new DiscoveryError('not_matrix', `${baseUrl} is not a Matrix homeserver`, {
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * Finds and validates the homeserver for a user id, server name or URL. Rejects with a
 * {@link DiscoveryError}: `invalid_input`, `insecure_homeserver`, `unreachable`,
 * `invalid_well_known` or `not_matrix`.
 */
export async function discover(
  server: string,
  fetchImpl?: FetchFn,
  opts: DiscoverOptions = {},
): Promise<DiscoveredServer> {
  const target = parseInput(server);
  if ('baseUrl' in target) return validate(target.baseUrl, fetchImpl, opts);
  const base = await wellKnown(target.serverName, target.origin, fetchImpl, opts);
  return validate(base ?? target.origin, fetchImpl, opts);
}

/** Throws `unsupported_login` unless the server offers password login. */
export function requirePasswordLogin(info: DiscoveredServer): void {
  if (!info.loginFlows.includes('m.login.password')) {
    const offered = info.loginFlows.length ? info.loginFlows.join(', ') : 'none';
    throw new DiscoveryError(
      'unsupported_login',
      `${info.homeserver} does not offer password sign-in (offers: ${offered})`,
    );
  }
}
