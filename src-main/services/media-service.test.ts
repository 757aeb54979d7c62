import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register, startTestServer, type TestUser } from '../../e2e/homeserver/testing/helpers';
import type { RunningHomeserver } from '../../e2e/homeserver';
import { MatrixApi } from '../net/api';
import { ConnectionError, ReplyTooLargeError } from '../net/errors';
import { HomeserverClient, type FetchFn } from '../net/http';
import { MediaApi, MxcError } from '../net/media-api';
import { openDb } from '../storage/db';
import { MediaCache } from '../storage/media-cache';
import { MediaService, MediaVariantError, parseVariant, thumbVariant } from './media-service';

let hs: RunningHomeserver;
let alice: TestUser;
let root: string;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 8, 7]);

async function upload(data: Buffer, type: string): Promise<string> {
  const r = await fetch(`${hs.url}/_matrix/media/v3/upload`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${alice.token}`, 'Content-Type': type },
    body: data,
  });
  return ((await r.json()) as { content_uri: string }).content_uri;
}

function setup(maxDownloadBytes?: number) {
  const net = { calls: 0, offline: false };
  const fetchFn: FetchFn = (url, init) => {
    if (net.offline) return Promise.reject(new TypeError('fetch failed'));
    net.calls++;
    return fetch(url, init);
  };
  const client = new HomeserverClient({
    baseUrl: hs.url,
    accessToken: alice.token,
    fetch: fetchFn,
    maxRetries: 0,
  });
  const api = new MediaApi(new MatrixApi(client, hs.hs.config.versions));
  const cache = new MediaCache(openDb(':memory:'), join(mkdtempSync(join(root, 'acc-')), 'media'));
  return { net, service: new MediaService(api, cache, { maxDownloadBytes }), cache };
}

beforeAll(async () => {
  hs = await startTestServer();
  alice = await register(hs.url, 'alice');
  root = mkdtempSync(join(tmpdir(), 'media-service-'));
});
afterAll(async () => {
  await hs.close();
  rmSync(root, { recursive: true, force: true });
});

describe('media service', () => {
  it('downloads once, then serves from the cache, also offline', async () => {
    const mxc = await upload(PNG, 'image/png');
    const { net, service } = setup();
    const first = await service.get(mxc);
    expect(first.bytes.equals(PNG)).toBe(true);
    expect(first.contentType).toBe('image/png');
    expect(net.calls).toBe(1);
    net.offline = true;
    const again = await service.get(mxc, 'original');
    expect(again.bytes.equals(PNG)).toBe(true);
    expect(again.contentType).toBe('image/png');
    expect(net.calls).toBe(1);
    // Not cached and offline: the connection error, in words.
    await expect(service.get(mxc, 'thumb:16x16:crop')).rejects.toThrow(ConnectionError);
  });

  it('shares one download between concurrent requests of the same item', async () => {
    const mxc = await upload(PNG, 'image/png');
    const { net, service } = setup();
    const all = await Promise.all([
      service.get(mxc, 'thumb:32x32:scale'),
      service.get(mxc, 'thumb:32x32:scale'),
      service.get(mxc, 'thumb:32x32:scale'),
    ]);
    expect(net.calls).toBe(1);
    for (const r of all) expect(r.bytes.equals(PNG)).toBe(true);
    // Another variant is another item.
    await service.get(mxc, 'original');
    expect(net.calls).toBe(2);
  });

  it('refuses bad addresses and variants without a request, and bounds downloads', async () => {
    const mxc = await upload(Buffer.alloc(2048, 1), 'application/octet-stream');
    const { net, service } = setup(1024);
    await expect(service.get('mxc://test.local/../x')).rejects.toThrow(MxcError);
    await expect(service.get(mxc, 'thumb:0x10:crop')).rejects.toThrow(MediaVariantError);
    await expect(service.get(mxc, '../../etc')).rejects.toThrow(MediaVariantError);
    expect(net.calls).toBe(0);
    await expect(service.get(mxc)).rejects.toThrow(ReplyTooLargeError);
  });

  it('names thumbnail variants and parses them back', () => {
    const v = thumbVariant({ width: 96, height: 64, method: 'crop' });
    expect(v).toBe('thumb:96x64:crop');
    expect(parseVariant(v)).toEqual({ width: 96, height: 64, method: 'crop' });
    expect(parseVariant('original')).toBeUndefined();
  });
});
