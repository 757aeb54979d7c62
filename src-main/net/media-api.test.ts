import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register, startTestServer, type TestUser } from '../../e2e/homeserver/testing/helpers';
import type { RunningHomeserver } from '../../e2e/homeserver';
import { MatrixApi } from './api';
import { HomeserverError, ReplyTooLargeError } from './errors';
import { HomeserverClient, type FetchFn } from './http';
import { MediaApi, MxcError, isServerName, parseMxc } from './media-api';

let hs: RunningHomeserver;
let alice: TestUser;
let pngMxc: string;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5]);
const seen: { url: string; auth: string | undefined }[] = [];
const recording: FetchFn = (url, init) => {
  const h = init.headers as Record<string, string> | undefined;
  seen.push({ url, auth: h?.Authorization });
  return fetch(url, init);
};

function media(versions: string[], fetchFn: FetchFn = recording) {
  const client = new HomeserverClient({
    baseUrl: hs.url,
    accessToken: alice.token,
    fetch: fetchFn,
    baseDelayMs: 5,
  });
  return new MediaApi(new MatrixApi(client, versions));
}

beforeAll(async () => {
  hs = await startTestServer();
  alice = await register(hs.url, 'alice');
  const r = await fetch(`${hs.url}/_matrix/media/v3/upload?filename=a.png`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${alice.token}`, 'Content-Type': 'image/png' },
    body: PNG,
  });
  pngMxc = ((await r.json()) as { content_uri: string }).content_uri;
});
afterAll(async () => {
  await hs.close();
});

describe('parseMxc', () => {
  it('parses server names of every kind and a media id', () => {
    expect(parseMxc('mxc://example.org/abc_DEF-1')).toEqual({
      serverName: 'example.org',
      mediaId: 'abc_DEF-1',
    });
    expect(parseMxc('mxc://1.2.3.4:8448/x').serverName).toBe('1.2.3.4:8448');
    expect(parseMxc('mxc://[::1]:8448/x').serverName).toBe('[::1]:8448');
    expect(parseMxc('mxc://[1234:5678::abcd]/x').serverName).toBe('[1234:5678::abcd]');
    expect(isServerName('localhost')).toBe(true);
  });

  it('refuses path tricks and malformed URIs with a typed error', () => {
    for (const bad of [
      'https://example.org/abc',
      'mxc://example.org',
      'mxc://example.org/',
      'mxc:///abc',
      'mxc://example.org/../abc',
      'mxc://../abc',
      'mxc://./abc',
      'mxc://example.org/a/b',
      'mxc://example.org/a%2Fb',
      'mxc://example.org%2F..%2Fx/abc',
      'mxc://example..org/abc',
      'mxc://.example.org/abc',
      'mxc://example.org:/abc',
      'mxc://example.org:123456/abc',
      'mxc://example.org/abc?x=1',
      'mxc://example.org/abc#f',
      'mxc://exa mple.org/abc',
      'mxc://example.org/ab.c',
    ]) {
      expect(() => parseMxc(bad), bad).toThrow(MxcError);
    }
  });
});

describe('MediaApi', () => {
  it('downloads through authenticated media on v1.11+, with the token in the header only', async () => {
    seen.length = 0;
    const m = media(hs.hs.config.versions);
    expect(m.authenticated).toBe(true);
    const got = await m.download(pngMxc);
    expect(got.bytes.equals(PNG)).toBe(true);
    expect(got.contentType).toBe('image/png');
    const thumb = await m.thumbnail(pngMxc, { width: 32, height: 32, method: 'scale' });
    expect(thumb.bytes.equals(PNG)).toBe(true);
    expect((await m.config()).uploadSize).toBe(hs.hs.config.maxUploadBytes);
    const mediaId = pngMxc.split('/').pop()!;
    expect(seen.map((s) => new URL(s.url).pathname)).toEqual([
      `/_matrix/client/v1/media/download/test.local/${mediaId}`,
      `/_matrix/client/v1/media/thumbnail/test.local/${mediaId}`,
      '/_matrix/client/v1/media/config',
    ]);
    expect(new URL(seen[1]!.url).search).toBe('?width=32&height=32&method=scale');
    for (const s of seen) {
      expect(s.auth).toBe(`Bearer ${alice.token}`);
      expect(s.url).not.toContain(alice.token);
    }
  });

  it('falls back to legacy media without a token when the server advertises only v1.10', async () => {
    const saved = hs.hs.config.versions;
    hs.hs.config.versions = ['v1.1', 'v1.10'];
    try {
      const account = new MatrixApi(new HomeserverClient({ baseUrl: hs.url }));
      const { versions } = await account.versions();
      seen.length = 0;
      const m = media(versions);
      expect(m.authenticated).toBe(false);
      expect((await m.download(pngMxc)).bytes.equals(PNG)).toBe(true);
      await m.thumbnail(pngMxc, { width: 8, height: 8, method: 'crop' });
      const paths = seen.map((s) => new URL(s.url).pathname);
      expect(paths[0]).toMatch(/^\/_matrix\/media\/v3\/download\/test\.local\//);
      expect(paths[1]).toMatch(/^\/_matrix\/media\/v3\/thumbnail\/test\.local\//);
      for (const s of seen) expect(s.auth).toBeUndefined();
    } finally {
      hs.hs.config.versions = saved;
    }
  });

  it('the authenticated endpoint refuses a request without a valid token', async () => {
    const client = new HomeserverClient({ baseUrl: hs.url, accessToken: 'nope', maxRetries: 0 });
    const m = new MediaApi(new MatrixApi(client, hs.hs.config.versions));
    await expect(m.download(pngMxc)).rejects.toMatchObject({ status: 401 });
  });

  it('fails with a homeserver error for unknown media', async () => {
    await expect(media(hs.hs.config.versions).download('mxc://test.local/nothing')).rejects.toThrow(
      HomeserverError,
    );
  });

  it('refuses a bad mxc before any request', async () => {
    seen.length = 0;
    await expect(media(hs.hs.config.versions).download('mxc://test.local/../x')).rejects.toThrow(
      MxcError,
    );
    expect(seen).toEqual([]);
  });

  it('stops at the size limit, also when Content-Length is missing or lies', async () => {
    await expect(media(hs.hs.config.versions).download(pngMxc, PNG.length - 1)).rejects.toThrow(
      ReplyTooLargeError,
    );
    let cancelled = false;
    const liar: FetchFn = async () => {
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          c.enqueue(new Uint8Array(1024));
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(body, { headers: { 'content-length': '10', 'content-type': 'x/y' } });
    };
    await expect(media(hs.hs.config.versions, liar).download(pngMxc, 4096)).rejects.toThrow(
      ReplyTooLargeError,
    );
    expect(cancelled).toBe(true);
  });
});
