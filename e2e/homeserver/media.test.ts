import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningHomeserver } from './server';
import { api, register, startTestServer, type TestUser } from './testing/helpers';

/** A valid 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

type Json = Record<string, unknown>;

const servers: RunningHomeserver[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(opts: Parameters<typeof startTestServer>[0] = {}) {
  const server = await startTestServer(opts);
  servers.push(server);
  return server;
}

function auth(user?: TestUser): Record<string, string> {
  return user ? { Authorization: `Bearer ${user.token}` } : {};
}

async function upload(
  url: string,
  user: TestUser,
  data: Buffer,
  contentType?: string,
  filename?: string,
): Promise<{ status: number; body: Json; mediaId: string }> {
  const q = filename === undefined ? '' : `?filename=${encodeURIComponent(filename)}`;
  const headers = auth(user);
  if (contentType) headers['Content-Type'] = contentType;
  const res = await fetch(`${url}/_matrix/media/v3/upload${q}`, {
    method: 'POST',
    headers,
    body: new Uint8Array(data),
  });
  const body = (await res.json()) as Json;
  const mediaId = typeof body.content_uri === 'string' ? body.content_uri.split('/').pop()! : '';
  return { status: res.status, body, mediaId };
}

async function get(url: string, path: string, user?: TestUser) {
  const res = await fetch(url + path, { headers: auth(user) });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: Json = {};
  if (res.headers.get('content-type') === 'application/json') json = JSON.parse(bytes.toString());
  return { status: res.status, headers: res.headers, bytes, json };
}

/**
 * Restarts the server, then lets this process's HTTP client notice that its kept-alive
 * connections were dropped (otherwise the next `fetch` may reuse a dead socket).
 */
async function restart(server: RunningHomeserver) {
  await server.restart();
  await new Promise((r) => setTimeout(r, 50));
}

const authed = (id: string, rest = '') =>
  `/_matrix/client/v1/media/download/test.local/${id}${rest}`;

describe('media repository', () => {
  it('uploads and downloads the same bytes with spec headers', async () => {
    const { url } = await start();
    const alice = await register(url, 'alice');
    const up = await upload(url, alice, PNG, 'image/png', 'cat picture.png');
    expect(up.status).toBe(200);
    expect(up.body.content_uri).toMatch(/^mxc:\/\/test\.local\/[A-Za-z0-9_-]+$/);

    const dl = await get(url, authed(up.mediaId), alice);
    expect(dl.status).toBe(200);
    expect(dl.bytes.equals(PNG)).toBe(true);
    expect(dl.headers.get('content-type')).toBe('image/png');
    expect(dl.headers.get('content-disposition')).toBe('inline; filename="cat picture.png"');
    expect(dl.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none';/);
    expect(dl.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(dl.headers.get('access-control-allow-origin')).toBe('*');

    // The path's file name overrides the uploaded one.
    const named = await get(url, authed(up.mediaId, '/other.png'), alice);
    expect(named.status).toBe(200);
    expect(named.headers.get('content-disposition')).toBe('inline; filename="other.png"');
    const unicode = await get(url, authed(up.mediaId, '/' + encodeURIComponent('ünï.png')), alice);
    expect(unicode.headers.get('content-disposition')).toBe(
      "inline; filename*=utf-8''%C3%BCn%C3%AF.png",
    );
  });

  it('serves unsafe types as attachments and defaults the content type', async () => {
    const { url } = await start();
    const alice = await register(url, 'alice');
    const html = await upload(url, alice, Buffer.from('<script>alert(1)</script>'), 'text/html');
    const dl = await get(url, authed(html.mediaId), alice);
    expect(dl.headers.get('content-type')).toBe('text/html');
    // No filename at upload: none in the header.
    expect(dl.headers.get('content-disposition')).toBe('attachment');

    const bare = await upload(url, alice, Buffer.from([1, 2, 3]));
    const dl2 = await get(url, authed(bare.mediaId), alice);
    expect(dl2.headers.get('content-type')).toBe('application/octet-stream');
    expect(dl2.headers.get('content-disposition')).toBe('attachment');
    expect([...dl2.bytes]).toEqual([1, 2, 3]);
  });

  it('requires a token and answers 404 for unknown media', async () => {
    const { url } = await start();
    const alice = await register(url, 'alice');
    const up = await upload(url, alice, PNG, 'image/png');

    const anon = await get(url, authed(up.mediaId));
    expect(anon.status).toBe(401);
    expect(anon.json.errcode).toBe('M_MISSING_TOKEN');
    const anonUpload = await fetch(`${url}/_matrix/media/v3/upload`, { method: 'POST', body: 'x' });
    expect(anonUpload.status).toBe(401);

    const unknown = await get(url, authed('NoSuchMedia'), alice);
    expect(unknown.status).toBe(404);
    expect(unknown.json.errcode).toBe('M_NOT_FOUND');
    const remote = await get(
      url,
      `/_matrix/client/v1/media/download/other.example/${up.mediaId}`,
      alice,
    );
    expect(remote.status).toBe(404);
    expect(remote.json.errcode).toBe('M_NOT_FOUND');
  });

  it('enforces and advertises the upload size limit', async () => {
    const { url } = await start({ maxUploadBytes: 1024 });
    const alice = await register(url, 'alice');
    const big = await upload(url, alice, Buffer.alloc(2048, 7), 'application/octet-stream');
    expect(big.status).toBe(413);
    expect(big.body.errcode).toBe('M_TOO_LARGE');
    expect((await upload(url, alice, Buffer.alloc(1024, 7))).status).toBe(200);

    const cfg = await api(url, 'GET', '/_matrix/client/v1/media/config', undefined, alice.token);
    expect(cfg).toEqual({ status: 200, body: { 'm.upload.size': 1024 } });
    const legacy = await api(url, 'GET', '/_matrix/media/v3/config', undefined, alice.token);
    expect(legacy.body['m.upload.size']).toBe(1024);
    expect((await api(url, 'GET', '/_matrix/client/v1/media/config')).status).toBe(401);
  });

  it('serves image thumbnails and validates the parameters', async () => {
    const { url } = await start();
    const alice = await register(url, 'alice');
    const img = await upload(url, alice, PNG, 'image/png', 'a.png');
    const base = `/_matrix/client/v1/media/thumbnail/test.local/${img.mediaId}`;

    const th = await get(url, `${base}?width=32&height=32&method=crop`, alice);
    expect(th.status).toBe(200);
    expect(th.headers.get('content-type')).toBe('image/png');
    expect(th.headers.get('content-disposition')).toBe('inline; filename="thumbnail.png"');
    expect(th.bytes.equals(PNG)).toBe(true);

    const missing = await get(url, `${base}?width=32`, alice);
    expect([missing.status, missing.json.errcode]).toEqual([400, 'M_MISSING_PARAM']);
    const negative = await get(url, `${base}?width=-5&height=32`, alice);
    expect([negative.status, negative.json.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    const badMethod = await get(url, `${base}?width=5&height=5&method=stretch`, alice);
    expect([badMethod.status, badMethod.json.errcode]).toEqual([400, 'M_INVALID_PARAM']);

    const text = await upload(url, alice, Buffer.from('hello'), 'text/plain');
    const notImage = await get(
      url,
      `/_matrix/client/v1/media/thumbnail/test.local/${text.mediaId}?width=32&height=32`,
      alice,
    );
    expect([notImage.status, notImage.json.errcode]).toEqual([400, 'M_UNKNOWN']);
    const unknown = await get(
      url,
      '/_matrix/client/v1/media/thumbnail/test.local/Nope?width=32&height=32',
      alice,
    );
    expect(unknown.status).toBe(404);
  });

  it('serves legacy unauthenticated media until it is frozen', async () => {
    const server = await start();
    const { url } = server;
    const alice = await register(url, 'alice');
    const up = await upload(url, alice, PNG, 'image/png');
    const download = `/_matrix/media/v3/download/test.local/${up.mediaId}`;
    const thumb = `/_matrix/media/v3/thumbnail/test.local/${up.mediaId}?width=8&height=8`;

    const before = await get(url, download);
    expect(before.status).toBe(200);
    expect(before.bytes.equals(PNG)).toBe(true);
    expect((await get(url, thumb)).status).toBe(200);
    expect(
      (await get(url, `/_matrix/media/r0/download/test.local/${up.mediaId}/x.png`)).status,
    ).toBe(200);

    server.hs.config.legacyMediaEnabled = false;
    for (const path of [download, thumb]) {
      const after = await get(url, path);
      expect([after.status, after.json.errcode]).toEqual([404, 'M_NOT_FOUND']);
    }
    // The authenticated endpoint still works.
    expect((await get(url, authed(up.mediaId), alice)).status).toBe(200);
  });

  it('supports asynchronous uploads via /create', async () => {
    const { url } = await start();
    const alice = await register(url, 'alice');
    const bob = await register(url, 'bob');
    const created = await api(url, 'POST', '/_matrix/media/v1/create', {}, alice.token);
    expect(created.status).toBe(200);
    expect(created.body.content_uri).toMatch(/^mxc:\/\/test\.local\//);
    expect(created.body.unused_expires_at).toBeGreaterThan(Date.now());
    const mediaId = created.body.content_uri.split('/').pop();
    const put = (user: TestUser, id = mediaId, server = 'test.local') =>
      fetch(`${url}/_matrix/media/v3/upload/${server}/${id}?filename=notes.txt`, {
        method: 'PUT',
        headers: { ...auth(user), 'Content-Type': 'text/plain' },
        body: 'some notes',
      });

    // Not uploaded yet: with no wait, 504 M_NOT_YET_UPLOADED.
    const early = await get(url, authed(mediaId, '?timeout_ms=0'), alice);
    expect([early.status, early.json.errcode]).toEqual([504, 'M_NOT_YET_UPLOADED']);
    // A download waiting for the upload gets the content once it lands.
    const waiting = get(url, authed(mediaId, '?timeout_ms=10000'), bob);

    const other = await put(bob);
    expect(other.status).toBe(403);
    expect(((await other.json()) as Json).errcode).toBe('M_FORBIDDEN');
    expect((await put(alice, 'NeverCreated')).status).toBe(404);
    expect((await put(alice, mediaId, 'other.example')).status).toBe(404);

    const first = await put(alice);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({});
    const second = await put(alice);
    expect(second.status).toBe(409);
    expect(((await second.json()) as Json).errcode).toBe('M_CANNOT_OVERWRITE_MEDIA');

    const waited = await waiting;
    expect(waited.status).toBe(200);
    expect(waited.bytes.toString()).toBe('some notes');
    expect(waited.headers.get('content-type')).toBe('text/plain');
    expect(waited.headers.get('content-disposition')).toBe('inline; filename="notes.txt"');
  });

  it('keeps media across a restart of a persisted server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-media-'));
    dirs.push(dir);
    const server = await start({ dataDir: dir });
    const alice = await register(server.url, 'alice');
    const up = await upload(server.url, alice, PNG, 'image/png', 'kept.png');
    const created = await api(server.url, 'POST', '/_matrix/media/v1/create', {}, alice.token);

    await restart(server);

    const dl = await get(server.url, authed(up.mediaId), alice);
    expect(dl.status).toBe(200);
    expect(dl.bytes.equals(PNG)).toBe(true);
    expect(dl.headers.get('content-disposition')).toBe('inline; filename="kept.png"');
    // A pending id survives too and can still be filled.
    const pendingId = created.body.content_uri.split('/').pop();
    const put = await fetch(`${server.url}/_matrix/media/v3/upload/test.local/${pendingId}`, {
      method: 'PUT',
      headers: auth(alice),
      body: new Uint8Array([9]),
    });
    expect(put.status).toBe(200);
  });

  it('keeps media across a restart of an in-memory server', async () => {
    const server = await start();
    const alice = await register(server.url, 'alice');
    const up = await upload(server.url, alice, Buffer.from('memo'), 'text/plain');
    await restart(server);
    const dl = await get(server.url, authed(up.mediaId), alice);
    expect(dl.status).toBe(200);
    expect(dl.bytes.toString()).toBe('memo');
  });
});
