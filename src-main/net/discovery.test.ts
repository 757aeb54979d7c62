import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHomeserver } from '../../e2e/homeserver';
import { startTestServer } from '../../e2e/homeserver/testing/helpers';
import { discover, requirePasswordLogin, serverNameOf } from './discovery';
import { DiscoveryError, toIpcError } from './errors';
import { trimTrailingSlashes, type FetchFn } from './http';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let hs: RunningHomeserver;
let web: Server;
let webPort: number;
let closedPort: number;
let handler: Handler = (_req, res) => res.writeHead(404).end();

const sendJson = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));

/** A stand-in web server for `.well-known`, answering as `handler` says. */
function wellKnownServing(body: unknown, status = 200): Handler {
  return (req, res) => {
    if (req.url !== '/.well-known/matrix/client') return void res.writeHead(404).end();
    if (typeof body === 'string') res.writeHead(status).end(body);
    else sendJson(res, status, body);
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

const fast = { maxRetries: 0, timeoutMs: 3_000 };

async function failure(server: string): Promise<DiscoveryError> {
  const err = await discover(server, undefined, fast).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DiscoveryError);
  return err as DiscoveryError;
}

beforeAll(async () => {
  hs = await startTestServer();
  web = createServer((req, res) => handler(req, res));
  webPort = await listen(web);
  const gone = createServer();
  closedPort = await listen(gone);
  await new Promise((r) => gone.close(r));
});
afterAll(async () => {
  await hs.close();
  await new Promise((r) => web.close(r));
});

describe('discover', () => {
  it('uses a URL directly, http included, and lists the login flows', async () => {
    const info = await discover(`${hs.url}/`);
    expect(info.homeserver).toBe(hs.url);
    expect(info.versions).toContain('v1.1');
    expect(info.loginFlows).toEqual(['m.login.password']);
    expect(() => requirePasswordLogin(info)).not.toThrow();
  });

  it('follows .well-known of a loopback user id over http and validates the base URL', async () => {
    handler = wellKnownServing({ 'm.homeserver': { base_url: `${hs.url}/` } });
    const info = await discover(`@alice:127.0.0.1:${webPort}`);
    expect(info.homeserver).toBe(hs.url);
    expect((await discover(`localhost:${webPort}`)).homeserver).toBe(hs.url);
  });

  it('falls back to the server name itself when .well-known is 404', async () => {
    handler = (req, res) => {
      if (req.url === '/_matrix/client/versions') sendJson(res, 200, { versions: ['v1.1'] });
      else if (req.url === '/_matrix/client/v3/login') {
        sendJson(res, 200, { flows: [{ type: 'm.login.sso' }] });
      } else res.writeHead(404).end();
    };
    const info = await discover(`127.0.0.1:${webPort}`);
    expect(info).toEqual({
      homeserver: `http://127.0.0.1:${webPort}`,
      versions: ['v1.1'],
      loginFlows: ['m.login.sso'],
    });
    const err = (() => {
      try {
        requirePasswordLogin(info);
      } catch (e) {
        return e as DiscoveryError;
      }
    })();
    expect(err?.code).toBe('unsupported_login');
  });

  it('rejects an invalid .well-known', async () => {
    handler = wellKnownServing('<html>not json</html>');
    expect((await failure(`127.0.0.1:${webPort}`)).code).toBe('invalid_well_known');
    handler = wellKnownServing({ 'm.identity_server': {} });
    expect((await failure(`127.0.0.1:${webPort}`)).code).toBe('invalid_well_known');
    handler = wellKnownServing({ 'm.homeserver': { base_url: 'ftp://files.example' } });
    expect((await failure(`127.0.0.1:${webPort}`)).code).toBe('invalid_well_known');
    handler = wellKnownServing({ error: 'nope' }, 500);
    expect((await failure(`127.0.0.1:${webPort}`)).code).toBe('invalid_well_known');
  });

  it('reports an unreachable server, also behind a .well-known', async () => {
    const direct = await failure(`http://127.0.0.1:${closedPort}`);
    expect(direct.code).toBe('unreachable');
    expect(toIpcError(direct)).toEqual({ code: 'unreachable', message: direct.message });
    handler = wellKnownServing({ 'm.homeserver': { base_url: `http://127.0.0.1:${closedPort}` } });
    expect((await failure(`@bob:127.0.0.1:${webPort}`)).code).toBe('unreachable');
  });

  it('reports a web server that is not a Matrix homeserver', async () => {
    handler = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html/>');
    expect((await failure(`http://127.0.0.1:${webPort}`)).code).toBe('not_matrix');
    handler = (_req, res) => res.writeHead(404).end();
    expect((await failure(`http://127.0.0.1:${webPort}`)).code).toBe('not_matrix');
  });

  it('refuses input that is no user id, server name or URL', async () => {
    for (const bad of ['', '   ', '@alice', 'exa mple.org', 'http://']) {
      expect((await failure(bad)).code, bad).toBe('invalid_input');
    }
  });

  it('reaches other server names over https', async () => {
    const seen: string[] = [];
    const fake: FetchFn = async (url) => {
      seen.push(url);
      if (url.endsWith('/.well-known/matrix/client')) {
        return Response.json({ 'm.homeserver': { base_url: 'https://matrix.example.org' } });
      }
      if (url.endsWith('/versions')) return Response.json({ versions: ['v1.11'] });
      return Response.json({ flows: [{ type: 'm.login.password' }] });
    };
    const info = await discover('@alice:example.org', fake);
    expect(info.homeserver).toBe('https://matrix.example.org');
    expect(seen).toEqual([
      'https://example.org/.well-known/matrix/client',
      'https://matrix.example.org/_matrix/client/versions',
      'https://matrix.example.org/_matrix/client/v3/login',
    ]);
  });

  /** A fake network that records every URL asked for and serves a homeserver everywhere. */
  function recordingFetch(wellKnownBase?: string) {
    const seen: string[] = [];
    const fetchFn: FetchFn = async (url) => {
      seen.push(url);
      if (url.endsWith('/.well-known/matrix/client')) {
        return Response.json({ 'm.homeserver': { base_url: wellKnownBase } });
      }
      if (url.endsWith('/versions')) return Response.json({ versions: ['v1.11'] });
      return Response.json({ flows: [{ type: 'm.login.password' }] });
    };
    return { seen, fetchFn };
  }

  it('refuses plain http to a homeserver that is not on this machine, before any request', async () => {
    for (const url of [
      'http://matrix.example.org',
      'HTTP://matrix.example.org:8008/',
      'http://192.168.1.5:8008',
      'http://127.0.0.1.nip.io',
      'http://localhost.example.org',
      'http://[::2]:8008',
    ]) {
      const { seen, fetchFn } = recordingFetch();
      const err = await discover(url, fetchFn, fast).catch((e: unknown) => e);
      expect(err, url).toBeInstanceOf(DiscoveryError);
      expect((err as DiscoveryError).code, url).toBe('insecure_homeserver');
      expect((err as DiscoveryError).message, url).toMatch(/not encrypted.*https:\/\//);
      expect(seen, url).toEqual([]);
    }
    const err = await discover('http://matrix.example.org', recordingFetch().fetchFn, fast).catch(
      (e: unknown) => e,
    );
    expect(toIpcError(err)).toEqual({
      code: 'insecure_homeserver',
      message:
        'http://matrix.example.org is not encrypted: LightMatrix connects to a homeserver ' +
        'over https:// only (plain http:// only to one on this computer)',
    });
  });

  it('refuses a .well-known that points to plain http elsewhere, without asking that server', async () => {
    const { seen, fetchFn } = recordingFetch('http://matrix.example.org:8008/');
    const err = (await discover('@alice:example.org', fetchFn, fast).catch(
      (e: unknown) => e,
    )) as DiscoveryError;
    expect(err).toBeInstanceOf(DiscoveryError);
    expect(err.code).toBe('insecure_homeserver');
    expect(err.message).toMatch(/^example\.org points to http:\/\/matrix\.example\.org:8008 /);
    expect(seen).toEqual(['https://example.org/.well-known/matrix/client']);

    // A loopback .well-known (the test setup) may not point off the machine either.
    handler = wellKnownServing({ 'm.homeserver': { base_url: 'http://matrix.example.org' } });
    expect((await failure(`127.0.0.1:${webPort}`)).code).toBe('insecure_homeserver');
  });

  it('allows plain http on loopback: 127.0.0.0/8, ::1 and localhost', async () => {
    for (const url of ['http://127.0.0.1:8008', 'http://127.9.8.7', 'http://[::1]:8008']) {
      const { seen, fetchFn } = recordingFetch();
      expect((await discover(`${url}/`, fetchFn, fast)).homeserver).toBe(url);
      expect(seen[0]).toBe(`${url}/_matrix/client/versions`);
    }
    const { seen, fetchFn } = recordingFetch('http://localhost:8008');
    expect((await discover('@alice:example.org', fetchFn, fast)).homeserver).toBe(
      'http://localhost:8008',
    );
    expect(seen[1]).toBe('http://localhost:8008/_matrix/client/versions');
  });

  // `/\/+$/` took ~16 s on this input (quadratic in a run of slashes followed by anything else),
  // twice per discovery; the loop takes milliseconds. The timeout bounds the test, not a wait.
  it('trims the trailing slashes of a URL made of 100k slashes', { timeout: 10_000 }, async () => {
    const slashes = '/'.repeat(100_000);
    expect(trimTrailingSlashes(slashes)).toBe('');
    expect(trimTrailingSlashes(`https://a.example${slashes}x${slashes}`)).toBe(
      `https://a.example${slashes}x`,
    );
    const base = `https://matrix.example.org${slashes}x`;
    const { seen, fetchFn } = recordingFetch(`${base}${slashes}`);
    expect((await discover('@alice:example.org', fetchFn, fast)).homeserver).toBe(base);
    expect(seen[1]).toBe(`${base}/_matrix/client/versions`);
    expect((await discover(`${base}/`, fetchFn, fast)).homeserver).toBe(base);
  });

  it('splits a user id at the first colon', () => {
    expect(serverNameOf('@alice:example.org:8448')).toBe('example.org:8448');
    expect(serverNameOf('@alice')).toBeUndefined();
    expect(serverNameOf('alice:example.org')).toBeUndefined();
  });
});
